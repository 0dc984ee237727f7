/**
 * `npm run scan`'s three outputs: a table for a terminal, NDJSON (one object per host per line)
 * and CSV (RFC 4180, one row per host). Subjects and error messages come from servers: the table
 * shows their control and bidi characters escaped so a certificate cannot rewrite the terminal,
 * and CSV cells that a spreadsheet would run as a formula are defused.
 */
import { scanExitStatus } from "./exitStatus";
import type { ChainEntry, HostOutcome, ScanReport, ScannedHost } from "./report";
import { formatTarget } from "./targets";

const SUBJECT_WIDTH = 48;

/** C0/C1 controls and the bidi overrides/isolates (Trojan Source), shown as \u{…} escapes. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

function fit(text: string, width: number): string {
  const shown = printable(text);
  return (shown.length > width ? `${shown.slice(0, width - 1)}…` : shown).padEnd(width);
}

function trustOf(c: ChainEntry): string {
  if (c.role === "intermediate") return c.known ? "known" : "unknown";
  if (c.role === "root") return c.isBuiltInRoot ? "built-in" : "not built-in";
  return "";
}

function hostLabel(report: ScanReport): string {
  if (report.host === null || report.port === null) return printable(report.input);
  return formatTarget({ host: report.host, port: report.port });
}

function scannedTable(r: ScannedHost): string[] {
  const lines = [
    `[${r.index}] ${hostLabel(r)} (${r.address})  ${r.tls.version} ${r.tls.cipher} ALPN ${r.tls.alpn ?? "none"}  SCTs ${r.scts?.entries.length ?? 0}  ${r.level.toUpperCase()}`,
    `    verification: ${r.verification.ok ? "ok" : r.verification.error}`,
    `    #  ${"role".padEnd(12)} ${"from".padEnd(7)} ${"trust".padEnd(12)} ${"subject".padEnd(SUBJECT_WIDTH)} sha256`,
    ...r.chain.map(
      (c) =>
        `    ${String(c.index).padEnd(2)} ${c.role.padEnd(12)} ${(c.source === "sent" ? `sent ${c.sentPosition}` : "store").padEnd(7)} ${trustOf(c).padEnd(12)} ${fit(c.subject, SUBJECT_WIDTH)} ${c.sha256}`,
    ),
    ...r.sent.filter((s) => !s.inChain).map((s) => `    sent at ${s.position}, not in the chain: ${fit(s.subject, SUBJECT_WIDTH).trimEnd()} ${s.sha256}`),
  ];
  for (const f of r.findings)
    lines.push(`    ${f.severity.padEnd(8)} ${f.ruleId.padEnd(28)} ${f.certIndex === null ? "chain " : `cert ${f.certIndex}`}  ${printable(f.title)}`);
  if (r.findings.length === 0) lines.push("    no findings");
  return lines;
}

/** The table's first line: the store every host's chain was completed and verified against. */
export function tableHeader(store: string): string {
  return `store: ${store}\n`;
}

/** One host as a block of lines for a terminal. */
export function tableBlock(report: ScanReport): string {
  const lines =
    report.status === "failed"
      ? [`[${report.index}] ${hostLabel(report)}  FAILED ${report.error.code}: ${printable(report.error.message)}`]
      : scannedTable(report);
  return `${lines.join("\n")}\n`;
}

/** "12 hosts: 7 ok, 2 warning, 1 blocked, 2 failed; exit status 3" */
export function summaryLine(outcomes: readonly HostOutcome[]): string {
  const counts = new Map<HostOutcome, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const order = (["ok", "notice", "warning", "blocked", "failed"] as const).filter((k) => counts.has(k));
  return `${outcomes.length} host${outcomes.length === 1 ? "" : "s"}: ${order.map((k) => `${counts.get(k)} ${k}`).join(", ")}; exit status ${scanExitStatus(outcomes)}`;
}

export function jsonLine(report: ScanReport): string {
  return `${JSON.stringify(report)}\n`;
}

export const CSV_COLUMNS = [
  "index",
  "input",
  "host",
  "port",
  "status",
  "level",
  "address",
  "tls_version",
  "cipher",
  "alpn",
  "store",
  "verification",
  "sent_count",
  "sent_sha256",
  "omitted_sha256",
  "unknown_intermediates_sha256",
  "sct_count",
  "findings",
  "error_code",
  "error_message",
] as const;

/** RFC 4180 quoting; a cell a spreadsheet would evaluate (=, +, -, @) is prefixed with an apostrophe. */
export function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  const defused = typeof value === "string" && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(defused) ? `"${defused.replaceAll('"', '""')}"` : defused;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function csvRow(report: ScanReport): string {
  const scanned = report.status === "scanned" ? report : null;
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    index: report.index,
    input: report.input,
    host: report.host,
    port: report.port,
    status: report.status,
    level: scanned?.level ?? null,
    address: scanned?.address ?? null,
    tls_version: scanned?.tls.version ?? null,
    cipher: scanned?.tls.cipher ?? null,
    alpn: scanned?.tls.alpn ?? null,
    store: scanned?.store ?? null,
    verification: scanned ? (scanned.verification.ok ? "ok" : scanned.verification.error) : null,
    sent_count: scanned?.sent.length ?? null,
    sent_sha256: scanned?.sent.map((s) => s.sha256).join(" ") ?? null,
    omitted_sha256: scanned?.omitted.join(" ") ?? null,
    unknown_intermediates_sha256: scanned?.unknownIntermediates.join(" ") ?? null,
    sct_count: scanned ? (scanned.scts?.entries.length ?? 0) : null,
    findings:
      scanned?.findings.map((f) => `${f.severity} ${f.ruleId} (${f.certIndex === null ? "chain" : `cert ${f.certIndex}`}): ${f.title}`).join("; ") ?? null,
    error_code: report.status === "failed" ? report.error.code : null,
    error_message: report.status === "failed" ? report.error.message : null,
  };
  return `${CSV_COLUMNS.map((column) => csvCell(cells[column])).join(",")}\r\n`;
}
