/**
 * The bytes of a certificate do not parse as a DER X.509 certificate. Firefox would not build such
 * a chain, so this points at tampering or a bug; the checks that need the bytes could not run.
 */
import { commonName, ROLE_NAME } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const malformedCertificate: Rule = {
  id: RULE_ID.malformedCertificate,
  severity: "warning",
  title: "Certificate could not be read",
  explanation: "The bytes of a certificate in this chain are not a well-formed certificate, so checks that need them (key size, signature) could not run.",
  reference: "https://www.rfc-editor.org/rfc/rfc5280#section-4.1",
  check({ certificates }) {
    return certificates
      .filter((c) => c.facts.derError !== null)
      .map(({ index, role, info, facts }) => ({
        certIndex: index,
        explanation:
          `The ${ROLE_NAME[role]} "${commonName(info.subject)}" could not be read: ${facts.derError}. ` +
          "Its key size and signature algorithm were not checked.",
      }));
  },
};
