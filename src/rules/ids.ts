/**
 * Every rule's id, which is also its file name under src/rules/ and test/unit/rules/: each rule
 * takes its id from here, and other modules (enforcement, the popup's badges) name rules by these.
 */
export const RULE_ID = {
  blockedCertificate: "blocked-certificate",
  certificateErrorOverridden: "certificate-error-overridden",
  dynamicIntermediate: "dynamic-intermediate",
  expired: "expired",
  listedNotEnforced: "listed-not-enforced",
  malformedCertificate: "malformed-certificate",
  nonBuiltInRoot: "non-built-in-root",
  notYetValid: "not-yet-valid",
  sha1Signature: "sha1-signature",
  weakKey: "weak-key",
} as const;

export type RuleId = (typeof RULE_ID)[keyof typeof RULE_ID];

/** The rule id of the finding that stands for a rule or certificate that failed to be analysed. */
export const ANALYSIS_ERROR_RULE = "analysis-error";
