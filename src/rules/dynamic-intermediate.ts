/**
 * An intermediate that is neither in the browser's known store (the bundled snapshot of Mozilla's
 * preloaded CCADB intermediates) nor allowlisted: it reached the browser from a server in the
 * handshake, or from Firefox's in-memory cache of what another server sent. That is exactly how
 * the Flame intermediates travelled. Behind a non-built-in root it is a warning; behind a built-in
 * root a notice, because the snapshot may simply predate a newly issued public intermediate.
 */
import { commonName } from "../names";
import { RULE_ID } from "./ids";
import type { Rule } from "./rule";

export const dynamicIntermediate: Rule = {
  id: RULE_ID.dynamicIntermediate,
  severity: "warning",
  title: "Dynamically supplied intermediate",
  explanation:
    "An intermediate certificate in this chain is not in the browser's known store: the server supplied it during the handshake. " +
    "Rogue intermediates, such as those used for the Flame malware, arrive this way.",
  reference: "https://wiki.mozilla.org/Security/CryptoEngineering/Intermediate_Preloading",
  check({ certificates, endsAtBuiltInRoot }) {
    return certificates
      .filter((c) => c.role === "intermediate" && !c.known && !c.allowlisted)
      .map(({ index, info }) => {
        const name = commonName(info.subject);
        return endsAtBuiltInRoot
          ? {
              certIndex: index,
              severity: "notice" as const,
              title: "Intermediate not in the bundled known store",
              explanation:
                `The intermediate "${name}" is not in Chain Sentry's snapshot of the intermediates Firefox knows (Mozilla's preloaded CCADB list), ` +
                "so the server supplied it. It chains to a root Firefox ships, and the snapshot may predate a newly issued public intermediate, so this is only a notice.",
            }
          : {
              certIndex: index,
              title: "Intermediate not known to Firefox's store, supplied by the server",
              explanation:
                `The intermediate "${name}" is not one of the intermediates Firefox knows, so the server supplied it during the handshake, ` +
                "and the chain ends at a root that Firefox does not ship. If this is not your organisation's own CA, treat the connection as intercepted.",
            };
      });
  },
};
