/**
 * A certificate matches a OneCRL record that Mozilla has disabled ("enabled": false). Some such
 * records name intermediates that serve very large sites today, so they must never block: the
 * analyst sees the listing as a notice and decides.
 */
import { commonName, ROLE_NAME } from "../names";
import { matchedEntry } from "./helpers";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const listedNotEnforced: Rule = {
  id: RULE_ID.listedNotEnforced,
  severity: "notice",
  title: "Listed in OneCRL, not enforced",
  explanation:
    "A certificate in this chain appears in a revocation record that Mozilla has disabled. " +
    "Firefox does not enforce it and neither does Chain Sentry; it is shown so you can judge it.",
  reference: "https://wiki.mozilla.org/CA/Revocation_Checking_in_Firefox",
  check({ certificates }) {
    return certificates.flatMap(({ index, role, info, matches }) => {
      if (matches.some((m) => m.entry.enforced)) return [];
      const listed = matches.find((m) => !m.entry.enforced);
      if (!listed) return [];
      const match = matchedEntry(listed);
      return [
        {
          certIndex: index,
          explanation:
            `The ${ROLE_NAME[role]} "${commonName(info.subject)}" matches the disabled OneCRL record "${match.label}" ` +
            `by its ${match.keyLabel}. Mozilla has switched this record off, so it is not enforced.`,
          reference: match.reference || this.reference,
          match,
        },
      ];
    });
  },
};
