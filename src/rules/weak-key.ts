/**
 * A key too small to resist factoring or discrete-log attacks: RSA or DSA below 2048 bits, EC below
 * 256 bits (CA/Browser Forum Baseline Requirements §6.1.5).
 */
import type { KeyInfo } from "../der";
import { commonName, ROLE_NAME } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

const MINIMUM_BITS: Record<string, number> = { RSA: 2048, DSA: 2048, EC: 256 };

function isWeak(key: KeyInfo): boolean {
  const minimum = MINIMUM_BITS[key.type];
  return minimum !== undefined && key.bits !== null && key.bits < minimum;
}

export function describeKey(key: KeyInfo): string {
  if (key.type === "EC") return `EC ${key.curve ?? ""} (${key.bits ?? "?"} bits)`.replace("  ", " ");
  return key.bits === null ? key.type : `${key.type} ${key.bits} bits`;
}

export const weakKey: Rule = {
  id: RULE_ID.weakKey,
  severity: "warning",
  title: "Weak key",
  explanation:
    "A certificate in this chain has a key that is too small (RSA under 2048 bits, elliptic curve under 256 bits) to be safe against a determined attacker.",
  reference: "https://cabforum.org/working-groups/server/baseline-requirements/requirements/",
  check({ certificates }) {
    return certificates
      .filter((c) => c.facts.der && isWeak(c.facts.der.key))
      .map(({ index, role, info, facts }) => ({
        certIndex: index,
        title: `Weak key: ${describeKey(facts.der!.key)}`,
        explanation:
          `The ${ROLE_NAME[role]} "${commonName(info.subject)}" has a ${describeKey(facts.der!.key)} key, ` +
          `below the minimum of ${MINIMUM_BITS[facts.der!.key.type]} bits.`,
      }));
  },
};
