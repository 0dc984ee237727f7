/** The options page's list helpers: OneCRL import as lines, save errors by field, read-only summaries. */
import { entryLines, formatListText, type ListEntry } from "../../src/listFormat";
import { formatIssue, type SettingsIssue } from "../../src/settings/issues";
import { USER_SETTING_KEYS, type UserSettingKey } from "../../src/settings/schema";

/**
 * A OneCRL-format JSON file as lines to append to the blocklist. The background takes OneCRL JSON
 * only as a whole text, so appending the file itself would break the lines already there; the
 * shared parser (loaded on demand: it brings @peculiar/x509) turns its records into lines instead.
 */
export async function onecrlFileAsLines(text: string): Promise<{ lines: string; count: number; errors: string[]; notes: string[] }> {
  const { parseListText } = await import("../../src/listText");
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    return { lines: "", count: 0, errors: ["the file is not OneCRL-format JSON: it should start with { or ["], notes: [] };
  }
  const parsed = await parseListText(text, "blocklist", "user");
  return { lines: formatListText(parsed.entries), count: parsed.entries.length, errors: parsed.issues.map(formatIssue), notes: parsed.notes };
}

/** Puts each save error next to the setting its path starts with (`["blocklist", { line: 3 }]`); the rest are general. */
export function errorsByField(issues: readonly SettingsIssue[]): { fields: Partial<Record<UserSettingKey, string[]>>; general: string[] } {
  const fields: Partial<Record<UserSettingKey, string[]>> = {};
  const general: string[] = [];
  for (const issue of issues) {
    const field = USER_SETTING_KEYS.find((key) => key === issue.path[0]);
    if (field) (fields[field] ??= []).push(formatIssue(issue));
    else general.push(formatIssue(issue));
  }
  return { fields, general };
}

/** One line for an entry shown read-only (the organisation's). */
export function entrySummary(entry: ListEntry): string {
  return entryLines(entry).join("  ");
}
