/**
 * A certificate below the root is signed with SHA-1 (or the even weaker MD5/MD2). SHA-1 collisions
 * are practical (SHAttered, 2017; chosen-prefix, 2020), and the Flame certificates themselves were
 * forged with an MD5 collision. A root's self-signature is not checked by anyone, so it is exempt.
 */
import { signatureAlgorithmName, usesBrokenHash } from "../der";
import { commonName, ROLE_NAME } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const sha1Signature: Rule = {
  id: RULE_ID.sha1Signature,
  severity: "warning",
  title: "Signed with SHA-1",
  explanation: "A certificate in this chain is signed with SHA-1 (or weaker). Collisions in SHA-1 can be computed, so such a signature can be forged.",
  reference: "https://shattered.io/",
  check({ certificates }) {
    return certificates
      .filter((c) => c.role !== "root" && c.facts.der && usesBrokenHash(c.facts.der))
      .map(({ index, role, info, facts }) => ({
        certIndex: index,
        title: `Signed with ${signatureAlgorithmName(facts.der!)}`,
        explanation:
          `The ${ROLE_NAME[role]} "${commonName(info.subject)}" is signed with ${signatureAlgorithmName(facts.der!)}. ` +
          "Collisions in this hash can be computed, so a forged certificate with the same signature is possible.",
      }));
  },
};
