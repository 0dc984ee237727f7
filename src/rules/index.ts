/** Every rule Chain Sentry applies; adding one means a file here, a line below, a test and a README row. */
import { blockedCertificate } from "./blocked-certificate";
import { certificateErrorOverridden } from "./certificate-error-overridden";
import { dynamicIntermediate } from "./dynamic-intermediate";
import { expired } from "./expired";
import { listedNotEnforced } from "./listed-not-enforced";
import { malformedCertificate } from "./malformed-certificate";
import { nonBuiltInRoot } from "./non-built-in-root";
import { notYetValid } from "./not-yet-valid";
import { RuleRegistry } from "./registry";
import { sha1Signature } from "./sha1-signature";
import { weakKey } from "./weak-key";

export const RULES = new RuleRegistry()
  .register(blockedCertificate)
  .register(listedNotEnforced)
  .register(dynamicIntermediate)
  .register(nonBuiltInRoot)
  .register(sha1Signature)
  .register(expired)
  .register(notYetValid)
  .register(weakKey)
  .register(malformedCertificate)
  .register(certificateErrorOverridden);
