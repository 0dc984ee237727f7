/** History as CSV (RFC 4180) for spreadsheets. */
import type { HistoryEvent } from "../../src/protocol";

type Column = keyof Omit<HistoryEvent, "change"> | "chainBefore" | "chainAfter";

const COLUMNS: [Column, string][] = [
  ["time", "time"],
  ["level", "level"],
  ["pageUrl", "page_url"],
  ["origin", "origin"],
  ["ruleId", "rule"],
  ["title", "finding"],
  ["subject", "certificate_subject"],
  ["sha256", "sha256"],
  ["id", "id"],
  // A chain change's chains by SHA-256, leaf first, space-separated ("before" is empty when not recorded).
  ["chainBefore", "chain_before_sha256"],
  ["chainAfter", "chain_after_sha256"],
];

const fingerprints = (chain: readonly { sha256: string }[] | null | undefined) => chain?.map((c) => c.sha256).join(" ") ?? "";

function cellOf(event: HistoryEvent, column: Column): string {
  if (column === "time") return new Date(event.time).toISOString();
  if (column === "chainBefore") return fingerprints(event.change?.before);
  if (column === "chainAfter") return fingerprints(event.change?.after);
  return String(event[column] ?? "");
}

/**
 * Quotes a cell when it holds a quote, comma or line break, doubling inner quotes. Certificate
 * subjects are attacker-controlled, so a cell a spreadsheet would run as a formula (=, +, -, @)
 * gets a leading apostrophe (OWASP "CSV injection").
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function historyCsv(events: readonly HistoryEvent[]): string {
  const rows = [COLUMNS.map(([, header]) => header)];
  for (const event of events) {
    rows.push(COLUMNS.map(([column]) => cellOf(event, column)));
  }
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
