/** The badges on a ladder rung, from what the core decided about that certificate (never recomputed here). */
import { ANALYSIS_ERROR_RULE, RULE_ID, type RuleId } from "../../src/rules/ids";
import { LEVEL_RANK, type ChainCertificate, type Finding, type Severity } from "../../src/verdict";

export type BadgeTone = Severity | "good" | "info";

export interface BadgeInfo {
  label: string;
  tone: BadgeTone;
  /** A longer description for the tooltip. */
  title: string;
}

/** The badge a finding puts on its certificate's rung, by rule id. */
export const RULE_BADGES: Record<RuleId | typeof ANALYSIS_ERROR_RULE, string> = {
  [RULE_ID.blockedCertificate]: "Blocked",
  [RULE_ID.listedNotEnforced]: "Listed, not enforced",
  [RULE_ID.dynamicIntermediate]: "Dynamically supplied",
  [RULE_ID.nonBuiltInRoot]: "Non-built-in root",
  [RULE_ID.sha1Signature]: "SHA-1",
  [RULE_ID.expired]: "Expired",
  [RULE_ID.notYetValid]: "Not yet valid",
  [RULE_ID.weakKey]: "Weak key",
  [RULE_ID.malformedCertificate]: "Malformed",
  [RULE_ID.certificateErrorOverridden]: "Error overridden",
  [ANALYSIS_ERROR_RULE]: "Analysis error",
};

export function badgesFor(cert: ChainCertificate, findings: readonly Finding[]): BadgeInfo[] {
  const badges: BadgeInfo[] = cert.flags.map((ruleId) => {
    const about = findings.filter((f) => f.ruleId === ruleId && f.certIndex === cert.index);
    const worst = about.reduce<Finding | undefined>((w, f) => (!w || LEVEL_RANK[f.severity] > LEVEL_RANK[w.severity] ? f : w), undefined);
    return { label: RULE_BADGES[ruleId as keyof typeof RULE_BADGES] ?? ruleId, tone: worst?.severity ?? "warning", title: worst?.title ?? ruleId };
  });
  // Facts that are not findings (silenced by the allowlist, or simply good) are still worth seeing.
  if (cert.role === "intermediate" && !cert.known && !cert.flags.includes(RULE_ID.dynamicIntermediate)) {
    badges.push({ label: "Dynamically supplied", tone: "info", title: "Not in the bundled known store; not reported because it is allowlisted" });
  }
  if (cert.role === "root" && !cert.isBuiltInRoot && !cert.flags.includes(RULE_ID.nonBuiltInRoot)) {
    badges.push({ label: "Non-built-in root", tone: "info", title: "A root Firefox does not ship; not reported because it is allowlisted" });
  }
  if (cert.allowlisted) badges.push({ label: "Allowlisted", tone: "good", title: "On your or your organisation's allowlist" });
  if (cert.role === "intermediate" && cert.known)
    badges.push({ label: "Known", tone: "good", title: "In the bundled snapshot of Mozilla's preloaded intermediates" });
  if (cert.isBuiltInRoot) badges.push({ label: "Built-in", tone: "good", title: "A root certificate Firefox ships" });
  return badges;
}
