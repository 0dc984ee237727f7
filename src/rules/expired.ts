/** A certificate in the chain is past its notAfter date (RFC 5280 §4.1.2.5). */
import { commonName, ROLE_NAME } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const expired: Rule = {
  id: RULE_ID.expired,
  severity: "warning",
  title: "Expired certificate",
  explanation: "A certificate in this chain has expired; its issuer no longer vouches for it, and its revocation may no longer be published.",
  reference: "https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5",
  check({ certificates, now }) {
    return certificates
      .filter((c) => c.info.validity.end < now)
      .map(({ index, role, info }) => ({
        certIndex: index,
        title: `Expired ${ROLE_NAME[role]}`,
        explanation: `The ${ROLE_NAME[role]} "${commonName(info.subject)}" expired on ${new Date(info.validity.end).toISOString().slice(0, 10)}.`,
      }));
  },
};
