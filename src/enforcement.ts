/**
 * What block mode does with a verdict. Block mode fails closed: a chain is stopped not only when it
 * holds a blocked certificate, but whenever it could not be fully checked (a certificate or rule
 * failed, bytes that do not parse), and, if the organisation asks for it, when Firefox reported no
 * chain because a certificate error was overridden. Warn mode never stops anything.
 */
import type { BlockedCertificate, Mode } from "./protocol";
import { ANALYSIS_ERROR_RULE, RULE_ID } from "./rules/ids";
import type { Finding, Verdict } from "./verdict";

/** Findings that mean the chain was not fully checked, so "not blocked" cannot be concluded. */
const UNDECIDED_RULES = new Set<string>([ANALYSIS_ERROR_RULE, RULE_ID.malformedCertificate]);

/** Why a response is stopped: its chain is blocked, could not be checked, or could not be seen whole. */
export type StopReason = "blocked" | "undecided" | "unverifiable";

export interface EnforcementSettings {
  mode: Mode;
  /** Stop connections where an overridden certificate error left no chain to check. */
  blockUnverifiableChains: boolean;
}

/** The finding that makes a chain stop for `reason` (for "blocked": the blocklist match). */
function causeOf(finding: Finding, reason: StopReason): boolean {
  if (reason === "blocked") return finding.severity === "blocked";
  if (reason === "undecided") return UNDECIDED_RULES.has(finding.ruleId);
  return finding.ruleId === RULE_ID.certificateErrorOverridden;
}

/**
 * @example stopReason(verdict, { mode: "block", blockUnverifiableChains: false }) // → "blocked" | "undecided" | null
 */
export function stopReason(verdict: Verdict, settings: EnforcementSettings): StopReason | null {
  if (settings.mode !== "block") return null;
  const stops = (reason: StopReason) => verdict.findings.some((f) => causeOf(f, reason));
  if (verdict.level === "blocked") return "blocked";
  if (stops("undecided")) return "undecided";
  if (settings.blockUnverifiableChains && stops("unverifiable")) return "unverifiable";
  return null;
}

/** Why the chain was stopped, in words: the explanation of the finding that stopped it. */
export function stopExplanation(verdict: Verdict, reason: StopReason): string {
  return verdict.findings.find((f) => causeOf(f, reason))?.explanation ?? "The chain could not be checked.";
}

/** The certificate the block page names: the first enforced blocklist match decides. */
export function blockedCertificate(verdict: Verdict): BlockedCertificate | null {
  const finding = verdict.findings.find((f) => f.ruleId === RULE_ID.blockedCertificate && f.match);
  const cert = finding?.certIndex === null || finding?.certIndex === undefined ? undefined : verdict.chain[finding.certIndex];
  if (!finding?.match || !cert) return null;
  const { label, source, key, keyLabel, incident, reference } = finding.match;
  return { subject: cert.subject, sha256: cert.sha256, role: cert.role, label, source, key, keyLabel, incident, reference };
}
