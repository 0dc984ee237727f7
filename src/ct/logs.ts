/**
 * Certificate Transparency logs by log id, compiled by `npm run ct-logs` (scripts/compile-ct-logs.ts)
 * from Google's list of all logs (data/sources/ct/, provenance in data/sources/SOURCES.md). Retired
 * and rejected logs are kept: old certificates carry their SCTs, and an analyst wants them named.
 */
import compiled from "../../data/ct-logs.json";

/** The states of Google's log list v3 schema; null where the list gives none. */
export type CtLogState = "pending" | "qualified" | "usable" | "readonly" | "retired" | "rejected";

export interface CtLog {
  /** Base64 log id (SHA-256 of the log's key), as SCTs carry it. */
  id: string;
  /** The log's name, e.g. "Google 'Argon2025h1' log". */
  description: string;
  operator: string;
  url: string;
  state: CtLogState | null;
  /** When the log entered `state` (ISO 8601), if the list says. */
  since: string | null;
}

export interface CtLogList {
  format: 1;
  /** Which list, which version, as of when. */
  source: { name: string; version: string; timestamp: string };
  logs: CtLog[];
}

export const CT_LOG_LIST = compiled as CtLogList;

/** A lookup over one log list (the bundled one unless a test passes its own). */
export function logFinder(list: CtLogList = CT_LOG_LIST): (logIdBase64: string) => CtLog | null {
  const byId = new Map(list.logs.map((log) => [log.id, log]));
  return (id) => byId.get(id) ?? null;
}
