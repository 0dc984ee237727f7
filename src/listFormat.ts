/**
 * Lists as text, one entry per line (labels after " #"): what the options page shows in its
 * textareas and what src/listText.ts parses back into the same entries. Kept apart from the parser
 * because the parser loads @peculiar/x509 (for PEM input) and the options page should not.
 */
import type { AllowlistEntry, CustomBlocklistEntry } from "./settings";

export type ListEntry = AllowlistEntry | CustomBlocklistEntry;

/** The lines one entry is written as (one per key it carries). */
export function entryLines(entry: ListEntry): string[] {
  const e = entry as CustomBlocklistEntry;
  const label = e.label ? ` # ${e.label.replace(/\s+/g, " ").trim()}` : "";
  const lines: string[] = [];
  if (e.sha256) lines.push(`sha256:${e.sha256}${label}`);
  if (e.sha1) lines.push(`sha1:${e.sha1}${label}`);
  if (e.spkiSha256) lines.push(`spki:${e.spkiSha256}${label}`);
  if (e.issuerSerial) lines.push(`issuer-serial:${e.issuerSerial.issuer} ${e.issuerSerial.serial}${label}`);
  if (e.subjectSpki) lines.push(`subject-spki:${e.subjectSpki.subject} ${e.subjectSpki.spkiSha256}${label}`);
  return lines;
}

export function formatListText(entries: readonly ListEntry[]): string {
  const lines = entries.flatMap(entryLines);
  return lines.length ? `${lines.join("\n")}\n` : "";
}
