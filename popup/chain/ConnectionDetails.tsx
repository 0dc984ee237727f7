import type { ConnectionInfo } from "../../src/protocol";
import { Field, Fields } from "../ui/Fields";

/** The values Firefox's SecurityInfo.sys.mjs reports (getTransparencyStatus), in words. */
const CT_STATUS: Record<string, string> = {
  not_applicable: "Not applicable (Firefox did not check CT here: not enforced, or the root is not built in)",
  policy_compliant: "Compliant with Firefox's CT policy",
  policy_not_enough_scts: "Not compliant: not enough SCTs",
  policy_not_diverse_scts: "Not compliant: the SCTs do not come from enough distinct log operators",
  unknown: "Unknown (Firefox could not tell)",
};

const STATE: Record<ConnectionInfo["state"], string> = {
  secure: "Secure",
  weak: "Weak (Firefox flagged the connection's security as weak)",
  broken: "Broken",
  insecure: "Not secure",
};

function yesNo(value: boolean | undefined, yes = "Yes", no = "No"): string {
  return value === undefined ? "Not reported" : value ? yes : no;
}

export function ConnectionDetails({ connection: c }: { connection: ConnectionInfo }) {
  const missing = (v: string | undefined) => v || "Not reported";
  return (
    <Fields label="Connection details">
      <Field label="Security state">{STATE[c.state] ?? c.state}</Field>
      <Field label="TLS version">{missing(c.protocolVersion)}</Field>
      <Field label="Cipher suite">{missing(c.cipherSuite)}</Field>
      <Field label="Key exchange group">{missing(c.keaGroupName)}</Field>
      <Field label="Signature scheme">{missing(c.signatureSchemeName)}</Field>
      <Field label="Secret key length">{c.secretKeyLength === undefined ? "Not reported" : `${c.secretKeyLength} bits`}</Field>
      <Field label="HSTS">{yesNo(c.hsts, "Yes (Strict-Transport-Security)")}</Field>
      <Field label="Certificate Transparency">
        {c.certificateTransparencyStatus ? (CT_STATUS[c.certificateTransparencyStatus] ?? c.certificateTransparencyStatus) : "Not reported"}
      </Field>
      <Field label="OCSP">{yesNo(c.usedOcsp, "Used (a stapled OCSP response)", "Not used")}</Field>
      <Field label="Encrypted Client Hello (ECH)">{yesNo(c.usedEch, "Used", "Not used")}</Field>
      <Field label="Extended Validation">{yesNo(c.isExtendedValidation)}</Field>
      <Field label="Delegated credentials">{yesNo(c.usedDelegatedCredentials, "Used", "Not used")}</Field>
      <Field label="Private DNS">{yesNo(c.usedPrivateDns, "Used", "Not used")}</Field>
    </Fields>
  );
}
