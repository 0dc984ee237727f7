/**
 * The embedded SCTs as an analyst reads them: each with the log that issued it (or none: an
 * "unknown log"), and how many come from each log operator, since CT policies ask for SCTs from
 * distinct operators.
 */
import { logFinder, type CtLog } from "./logs";
import { decodeSctExtension, type Sct } from "./sct";

export interface LoggedSct extends Sct {
  /** null: the log id is not in the bundled list ("unknown log"). */
  log: CtLog | null;
}

export interface EmbeddedScts {
  scts: LoggedSct[];
  /** Why part or all of the list could not be read; empty when it decoded cleanly. */
  errors: string[];
  /** SCTs per operator, most first; operator null counts the SCTs from unknown logs (listed last). */
  byOperator: { operator: string | null; count: number }[];
}

const defaultFinder = logFinder();

/** Decodes the SCT extension's extnValue and names each SCT's log. Never throws on malformed bytes. */
export function describeEmbeddedScts(extnValue: Uint8Array, findLog: (logIdBase64: string) => CtLog | null = defaultFinder): EmbeddedScts {
  const { scts, errors } = decodeSctExtension(extnValue);
  const logged = scts.map((sct) => ({ ...sct, log: findLog(sct.logId.base64) }));
  const counts = new Map<string | null, number>();
  for (const sct of logged) counts.set(sct.log?.operator ?? null, (counts.get(sct.log?.operator ?? null) ?? 0) + 1);
  const byOperator = [...counts].map(([operator, count]) => ({ operator, count }));
  byOperator.sort((a, b) => Number(a.operator === null) - Number(b.operator === null) || b.count - a.count || (a.operator! < b.operator! ? -1 : 1));
  return { scts: logged, errors, byOperator };
}
