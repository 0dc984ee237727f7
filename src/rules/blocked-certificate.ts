/**
 * A certificate in the presented chain is on a blocklist: the Flame intermediates, Chromium's
 * blocklist, Mozilla OneCRL (enforced records), or an enterprise or user entry. Nothing silences it.
 * The headline case is an intermediate: servers supply intermediates in the handshake, so removing
 * one from a store does nothing; only a blocklist stops it (Microsoft Security Advisory 2718704).
 */
import { commonName, ROLE_NAME, SOURCE_NAME } from "../names";
import { matchedEntry } from "./helpers";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const blockedCertificate: Rule = {
  id: RULE_ID.blockedCertificate,
  severity: "blocked",
  title: "Blocked certificate in the chain",
  explanation:
    "A certificate in this chain is on a blocklist because it was compromised, misused or distrusted. " +
    "A server can hand such a certificate to the browser during the handshake, so it must be blocked wherever it appears.",
  reference: "https://learn.microsoft.com/en-us/security-updates/securityadvisories/2012/2718704",
  check({ certificates }) {
    return certificates.flatMap(({ index, role, info, matches }) => {
      const enforced = matches.filter((m) => m.entry.enforced);
      if (enforced.length === 0) return [];
      const match = matchedEntry(enforced[0]);
      const more = enforced.length > 1 ? ` It also matches ${enforced.length - 1} other blocklist entr${enforced.length > 2 ? "ies" : "y"}.` : "";
      return [
        {
          certIndex: index,
          title: `Blocked ${ROLE_NAME[role]}: ${match.label}`,
          explanation:
            `The ${ROLE_NAME[role]} "${commonName(info.subject)}" matches the ${SOURCE_NAME[match.source]} entry ` +
            `"${match.label}" by its ${match.keyLabel}. ${match.incident}.${more}`.replace(/\.\.(?=$| )/g, "."),
          reference: match.reference || this.reference,
          match,
        },
      ];
    });
  },
};
