/** A certificate in the chain is before its notBefore date (RFC 5280 §4.1.2.5): a wrong clock or a back-dated issuance. */
import { commonName, ROLE_NAME } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const notYetValid: Rule = {
  id: RULE_ID.notYetValid,
  severity: "warning",
  title: "Certificate not yet valid",
  explanation: "A certificate in this chain is not valid yet. Either this computer's clock is wrong or the certificate was issued with a future start date.",
  reference: "https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5",
  check({ certificates, now }) {
    return certificates
      .filter((c) => c.info.validity.start > now)
      .map(({ index, role, info }) => ({
        certIndex: index,
        title: `${ROLE_NAME[role][0].toUpperCase()}${ROLE_NAME[role].slice(1)} not yet valid`,
        explanation: `The ${ROLE_NAME[role]} "${commonName(info.subject)}" only becomes valid on ${new Date(info.validity.start).toISOString().slice(0, 10)}.`,
      }));
  },
};
