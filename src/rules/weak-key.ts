/**
 * A key too small to resist factoring or discrete-log attacks: RSA or DSA below 2048 bits, EC below
 * 256 bits (CA/Browser Forum Baseline Requirements §6.1.5).
 */
import type { KeyInfo } from "../der";
import { commonName, ROLE_NAME } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

const MINIMUM_BITS: Record<string, number> = { RSA: 2048, DSA: 2048, EC: 256 };

/** A key whose size der.ts could tell: only these can be judged, and an EC key with a size always has its curve. */
type SizedKey = KeyInfo & { bits: number };

function isWeak(key: KeyInfo): key is SizedKey {
  const minimum = MINIMUM_BITS[key.type];
  return minimum !== undefined && key.bits !== null && key.bits < minimum;
}

function describeKey(key: SizedKey): string {
  return key.type === "EC" ? `EC ${key.curve} (${key.bits} bits)` : `${key.type} ${key.bits} bits`;
}

export const weakKey: Rule = {
  id: RULE_ID.weakKey,
  severity: "warning",
  title: "Weak key",
  explanation:
    "A certificate in this chain has a key that is too small (RSA under 2048 bits, elliptic curve under 256 bits) to be safe against a determined attacker.",
  reference: "https://cabforum.org/working-groups/server/baseline-requirements/requirements/",
  check({ certificates }) {
    return certificates.flatMap(({ index, role, info, facts }) => {
      const key = facts.der?.key;
      if (!key || !isWeak(key)) return [];
      return [
        {
          certIndex: index,
          title: `Weak key: ${describeKey(key)}`,
          explanation: `The ${ROLE_NAME[role]} "${commonName(info.subject)}" has a ${describeKey(key)} key, below the minimum of ${MINIMUM_BITS[key.type]} bits.`,
        },
      ];
    });
  },
};
