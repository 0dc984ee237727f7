/**
 * The chain ends at a root Firefox does not ship (isBuiltInRoot: false): one installed by an
 * enterprise policy, the user, or software on the machine. That is how TLS interception works,
 * legitimate (a corporate proxy) or not (Superfish). Allowlist an organisation's own roots.
 */
import { commonName } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const nonBuiltInRoot: Rule = {
  id: RULE_ID.nonBuiltInRoot,
  severity: "warning",
  title: "Root not built into Firefox",
  explanation:
    "This chain ends at a root certificate that Firefox does not ship: it was added by an organisation, a program or a person. " +
    "Such roots let their owner read and change encrypted traffic (TLS interception).",
  reference: "https://support.mozilla.org/kb/setting-certificate-authorities-firefox",
  check({ certificates, chainLength, overriddenError }) {
    const root = certificates[certificates.length - 1];
    // After an overridden error Firefox built no chain: the last certificate is the server's own, not a root.
    if (overriddenError !== null) return [];
    // A root entry that could not be analysed leaves a leaf or intermediate last; that one is no root.
    if (!root || root.index !== chainLength - 1 || root.info.isBuiltInRoot || root.allowlisted) return [];
    return [
      {
        certIndex: root.index,
        explanation:
          `The chain ends at "${commonName(root.info.subject)}", a root that Firefox does not ship; it was installed on this browser or system. ` +
          "Whoever holds its key can intercept this connection. If it is your organisation's inspection CA, allowlist it.",
      },
    ];
  },
};
