/** The badges on a ladder rung, from what the core decided about that certificate (never recomputed here). */
import { LEVEL_RANK, type ChainCertificate, type Finding, type Level, type Severity } from "../../src/verdict";

export const LEVEL_WORD: Record<Level, string> = { ok: "OK", notice: "Notice", warning: "Warning", blocked: "Blocked" };

export type BadgeTone = Severity | "good" | "info";

export interface BadgeInfo {
  label: string;
  tone: BadgeTone;
  /** A longer description for the tooltip. */
  title: string;
}

const RULE_BADGES: Record<string, string> = {
  "blocked-certificate": "Blocked",
  "listed-not-enforced": "Listed, not enforced",
  "dynamic-intermediate": "Dynamically supplied",
  "non-built-in-root": "Non-built-in root",
  "sha1-signature": "SHA-1",
  expired: "Expired",
  "not-yet-valid": "Not yet valid",
  "weak-key": "Weak key",
  "malformed-certificate": "Malformed",
  "analysis-error": "Analysis error",
};

export function badgesFor(cert: ChainCertificate, findings: readonly Finding[]): BadgeInfo[] {
  const badges: BadgeInfo[] = cert.flags.map((ruleId) => {
    const about = findings.filter((f) => f.ruleId === ruleId && f.certIndex === cert.index);
    const worst = about.reduce<Finding | undefined>((w, f) => (!w || LEVEL_RANK[f.severity] > LEVEL_RANK[w.severity] ? f : w), undefined);
    return { label: RULE_BADGES[ruleId] ?? ruleId, tone: worst?.severity ?? "warning", title: worst?.title ?? ruleId };
  });
  // Facts that are not findings (silenced by the allowlist, or simply good) are still worth seeing.
  if (cert.role === "intermediate" && !cert.known && !cert.flags.includes("dynamic-intermediate")) {
    badges.push({ label: "Dynamically supplied", tone: "info", title: "Not in the bundled known store; not reported because it is allowlisted" });
  }
  if (cert.role === "root" && !cert.isBuiltInRoot && !cert.flags.includes("non-built-in-root")) {
    badges.push({ label: "Non-built-in root", tone: "info", title: "A root Firefox does not ship; not reported because it is allowlisted" });
  }
  if (cert.allowlisted) badges.push({ label: "Allowlisted", tone: "good", title: "On your or your organisation's allowlist" });
  if (cert.role === "intermediate" && cert.known) badges.push({ label: "Known", tone: "good", title: "In the bundled snapshot of Mozilla's preloaded intermediates" });
  if (cert.isBuiltInRoot) badges.push({ label: "Built-in", tone: "good", title: "A root certificate Firefox ships" });
  return badges;
}
