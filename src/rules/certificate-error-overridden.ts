/**
 * The user (or software acting for them) overrode a certificate error for this site. Firefox then
 * did not build a chain: it reports no certificate (ESR 153), or at most the server's own, so the
 * intermediates the server sent, where a blocked certificate would sit, cannot be checked. In block mode the policy
 * key blockUnverifiableChains decides whether such connections are stopped.
 */
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

const CATEGORY: Record<string, string> = {
  trust_error: "its issuer is not trusted",
  domain_mismatch: "it is not valid for this site's name",
  expired_or_not_yet_valid: "it is expired or not yet valid",
};

export const certificateErrorOverridden: Rule = {
  id: RULE_ID.certificateErrorOverridden,
  severity: "warning",
  title: "Certificate error overridden: chain not checked",
  explanation:
    "A certificate error was overridden for this site (an exception was added in Firefox). Firefox then reports only the " +
    "server's own certificate, so the intermediate certificates the server sent could not be checked against the blocklist.",
  reference: "https://support.mozilla.org/kb/what-does-your-connection-is-not-secure-mean",
  check({ overriddenError, certificates }) {
    if (overriddenError === null) return [];
    const why = CATEGORY[overriddenError] ?? `Firefox reported "${overriddenError.slice(0, 40)}"`;
    return [
      {
        certIndex: certificates.length ? 0 : null,
        explanation:
          `Firefox would have refused this site's certificate (${why}), but an exception was added for it. ` +
          "Firefox then reports no certificate chain, so the intermediates the server sent were not checked against the blocklist.",
      },
    ];
  },
};
