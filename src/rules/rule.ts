/** What a rule is, and what it is given: the presented chain with the facts the analyzer found. */
import type { BlocklistMatch, MatchInput } from "../blocklist";
import type { KeyInfo } from "../der";
import type { FirefoxCertificate } from "../securityInfo";
import type { AllowlistEntry } from "../settings";
import type { CertificateRole, MatchedEntry, Severity } from "../verdict";

/** What the analyzer knows about one certificate, independent of the user's settings. */
export interface CertificateFacts extends MatchInput {
  /** From the certificate's bytes; null when Firefox gave no rawDER or the bytes did not parse. */
  der: { key: KeyInfo; signatureAlgorithm: string; signatureHash: string | null } | null;
  /** Why the bytes did not parse, when they did not. */
  derError: string | null;
  /** In the bundled snapshot of Mozilla's preloaded intermediates. */
  known: boolean;
  /** Matches in the bundled blocklist. */
  bundledMatches: BlocklistMatch[];
}

export interface AnalysedCertificate {
  index: number;
  role: CertificateRole;
  info: FirefoxCertificate;
  facts: CertificateFacts;
  /** Bundled plus enterprise, feed and user matches. */
  matches: BlocklistMatch[];
  /** In the bundled snapshot (facts.known) or added by one of the organisation's signed feeds. */
  known: boolean;
  allowlisted: AllowlistEntry | null;
}

export interface ChainFacts {
  certificates: AnalysedCertificate[];
  /** How many certificates Firefox reported, those that could not be analysed included. */
  chainLength: number;
  now: number;
  /** The last certificate is a root Firefox ships. */
  endsAtBuiltInRoot: boolean;
  /** Firefox's overridableErrorCategory when a certificate error was overridden (Firefox then reports no chain), else null. */
  overriddenError: string | null;
}

/** One thing a rule found; unset fields fall back to the rule's own metadata. */
export interface RuleHit {
  certIndex: number | null;
  severity?: Severity;
  title?: string;
  explanation?: string;
  reference?: string;
  match?: MatchedEntry;
}

export interface Rule {
  /** Kebab-case, unique; also the file name under src/rules/ and test/unit/rules/. */
  id: string;
  /** The default (and usually only) severity of its findings. */
  severity: Severity;
  title: string;
  /** What the rule means, in plain words. */
  explanation: string;
  reference: string;
  check(chain: ChainFacts): RuleHit[];
}
