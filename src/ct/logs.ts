/**
 * Certificate Transparency logs by log id, compiled by `npm run ct-logs` (scripts/compile-ct-logs.ts)
 * from Firefox's table of known logs, CTKnownLogs.h (data/sources/mozilla/, provenance in
 * data/sources/SOURCES.md): the logs the browser itself accepts SCTs from. A log it does not know
 * (an older one it has dropped, or a newer one) is an "unknown log" here too.
 */
import compiled from "../../data/ct-logs.json";

/** Firefox's log states: "admissible" covers qualified, usable and read-only logs. */
export type CtLogState = "admissible" | "retired";

export interface CtLog {
  /** Base64 log id (SHA-256 of the log's key), as SCTs carry it. */
  id: string;
  /** The log's name, e.g. "Google 'Argon2026h2' log". */
  description: string;
  operator: string;
  state: CtLogState;
  /** The time the table gives with the state (ISO 8601): when the log was retired, or entered its admissible state. */
  since: string;
}

export interface CtLogList {
  format: 2;
  /** Which table (the SHA-256 of the source copy), and when Firefox treats it as out of date. */
  source: { name: string; sha256: string; expires: string };
  logs: CtLog[];
}

export const CT_LOG_LIST = compiled as CtLogList;

/** A lookup over one log list (the bundled one unless a test passes its own). */
export function logFinder(list: CtLogList = CT_LOG_LIST): (logIdBase64: string) => CtLog | null {
  const byId = new Map(list.logs.map((log) => [log.id, log]));
  return (id) => byId.get(id) ?? null;
}
