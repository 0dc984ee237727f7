/** History as CSV (RFC 4180) for spreadsheets. */
import type { HistoryEvent } from "../../src/protocol";

const COLUMNS: [keyof HistoryEvent, string][] = [
  ["time", "time"],
  ["level", "level"],
  ["pageUrl", "page_url"],
  ["origin", "origin"],
  ["ruleId", "rule"],
  ["title", "finding"],
  ["subject", "certificate_subject"],
  ["sha256", "sha256"],
  ["id", "id"],
];

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
    rows.push(COLUMNS.map(([key]) => (key === "time" ? new Date(event.time).toISOString() : String(event[key] ?? ""))));
  }
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
