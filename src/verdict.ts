/** The output of the core: what is wrong with a presented chain, in words an analyst can act on. */
import type { EntrySource, MatchKey } from "./blocklist";

export type Severity = "notice" | "warning" | "blocked";
/** ok · notice · warning · blocked: the worst finding wins. */
export type Level = "ok" | Severity;

export const LEVEL_RANK: Record<Level, number> = { ok: 0, notice: 1, warning: 2, blocked: 3 };

export function worstLevel(levels: Iterable<Level>): Level {
  let worst: Level = "ok";
  for (const level of levels) if (LEVEL_RANK[level] > LEVEL_RANK[worst]) worst = level;
  return worst;
}

/** The blocklist entry a certificate matched, as a finding reports it. */
export interface MatchedEntry {
  id: string;
  source: EntrySource;
  label: string;
  incident: string;
  reference: string;
  key: MatchKey;
  /** The key in words, e.g. "public key (SPKI SHA-256)". */
  keyLabel: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** Index in the presented chain (0 = leaf), or null when the finding is about the whole chain. */
  certIndex: number | null;
  title: string;
  /** Plain-language explanation of this finding. */
  explanation: string;
  reference: string;
  match?: MatchedEntry;
}

export type CertificateRole = "leaf" | "intermediate" | "root";

/** One certificate of the presented chain, as the views show it (Firefox's own values, no parsing). */
export interface ChainCertificate {
  index: number;
  role: CertificateRole;
  subject: string;
  issuer: string;
  /** Uppercase hex with colons, as Firefox gives them. */
  sha256: string;
  sha1: string;
  /** Base64, as Firefox gives it. */
  spkiSha256: string;
  serialNumber: string;
  validity: { start: number; end: number };
  isBuiltInRoot: boolean;
  /** In the known set: the bundled snapshot of Mozilla's preloaded intermediates, or added by a signed feed. */
  known: boolean;
  allowlisted: boolean;
  /** Rule ids of the findings about this certificate. */
  flags: string[];
}

export interface Verdict {
  level: Level;
  findings: Finding[];
  chain: ChainCertificate[];
  /** Version of the bundled blocklist the verdict was made with. */
  blocklistVersion: string;
  analyzedAt: number;
}
