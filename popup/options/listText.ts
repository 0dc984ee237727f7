/** The options page's list helpers: OneCRL import as lines, save errors by field, read-only summaries. */
import { entryLines, formatListText, type ListEntry } from "../../src/listFormat";

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
  return { lines: formatListText(parsed.entries), count: parsed.entries.length, errors: parsed.errors, notes: parsed.notes };
}

export type FieldKey = "mode" | "notifications" | "notifyWarnings" | "historyLimit" | "allowlist" | "blocklist";

const FIELD_PATTERNS: [RegExp, FieldKey][] = [
  [/^\W*allow\s*list/i, "allowlist"],
  [/^\W*block\s*list/i, "blocklist"],
  [/^\W*history\s*limit/i, "historyLimit"],
  [/^\W*notify\s*warnings/i, "notifyWarnings"],
  [/^\W*notifications/i, "notifications"],
  [/^\W*mode\b/i, "mode"],
];

/** Puts each save error next to the field it names ("blocklist line 3: …"); the rest are general. */
export function errorsByField(errors: readonly string[]): { fields: Partial<Record<FieldKey, string[]>>; general: string[] } {
  const fields: Partial<Record<FieldKey, string[]>> = {};
  const general: string[] = [];
  for (const error of errors) {
    const field = FIELD_PATTERNS.find(([pattern]) => pattern.test(error))?.[1];
    if (field) (fields[field] ??= []).push(error);
    else general.push(error);
  }
  return { fields, general };
}

/** One line for an entry shown read-only (the organisation's). */
export function entrySummary(entry: ListEntry): string {
  return entryLines(entry).join("  ");
}
