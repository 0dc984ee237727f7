/** Every field of a decoded certificate (CertificateDetails), as text. */
import type { CertificateDetails } from "../../src/certificateView";
import { Field, Fields, HashField, ListValue } from "../ui/Fields";
import { Notice } from "../ui/Notice";
import { EmbeddedSctsView, SctsPerOperator } from "./EmbeddedSctsView";

function publicKeyText({ type, bits, curve }: CertificateDetails["publicKey"]): string {
  return [type, curve, bits === null ? null : `${bits} bits`].filter(Boolean).join(", ");
}

/**
 * `usedOcsp`: whether the connection that presented this certificate carried a stapled OCSP
 * response; given for the leaf only, the one certificate a server staples for.
 */
export function CertificateDetailsView({ details, usedOcsp }: { details: CertificateDetails; usedOcsp?: boolean }) {
  const aia = details.authorityInfoAccess;
  return (
    <>
      {details.mustStaple && usedOcsp === false && (
        <Notice tone="warning" title="Must-staple, but nothing was stapled">
          <p>This certificate requires the server to staple an OCSP response (TLS Feature status_request), and the connection carried none.</p>
        </Notice>
      )}
      <Fields label="Decoded certificate">
        <Field label="Subject">{details.subject}</Field>
        <Field label="Issuer">{details.issuer}</Field>
        <Field label="Subject alternative names">
          <ListValue items={details.subjectAltNames} />
        </Field>
        <Field label="Not before">{details.notBefore}</Field>
        <Field label="Not after">{details.notAfter}</Field>
        <HashField label="Serial number" value={details.serialNumber} />
        <HashField label="SHA-256 fingerprint" value={details.sha256} />
        <HashField label="SHA-1 fingerprint" value={details.sha1} />
        <HashField label="SPKI SHA-256 (base64)" value={details.spkiSha256.base64} />
        <HashField label="SPKI SHA-256 (hex)" value={details.spkiSha256.hex} />
        <Field label="Public key">{publicKeyText(details.publicKey)}</Field>
        <Field label="Signature algorithm">{details.signatureAlgorithm}</Field>
        <Field label="Basic constraints">
          <BasicConstraintsValue bc={details.basicConstraints} />
        </Field>
        <Field label="Key usage">
          <ListValue items={details.keyUsage} />
        </Field>
        <Field label="Extended key usage">
          <ListValue items={details.extendedKeyUsage} />
        </Field>
        <Field label="Name constraints">
          <NameConstraintsValue nc={details.nameConstraints} />
        </Field>
        <Field label="Subject key identifier">{details.subjectKeyId ?? <span class="muted">absent</span>}</Field>
        <Field label="Authority key identifier">{details.authorityKeyId ?? <span class="muted">absent</span>}</Field>
        <Field label="OCSP responders">
          <ListValue items={aia.ocsp} />
        </Field>
        <Field label="CA issuers">
          <ListValue items={aia.caIssuers} />
        </Field>
        <Field label="CRL distribution points">
          <ListValue items={details.crlDistributionPoints} />
        </Field>
        <Field label="OCSP must-staple">{details.mustStaple ? "Required (TLS Feature: status_request)" : "Not required"}</Field>
        <Field label="Certificate policies">
          <ListValue items={details.certificatePolicies} />
        </Field>
        <Field label="Embedded SCTs">
          <EmbeddedSctsView embedded={details.embeddedScts} />
        </Field>
        <Field label="SCTs per log operator">
          <SctsPerOperator embedded={details.embeddedScts} />
        </Field>
        <Field label="Extensions">
          <ExtensionsValue extensions={details.extensions} />
        </Field>
      </Fields>
    </>
  );
}

function BasicConstraintsValue({ bc }: { bc: CertificateDetails["basicConstraints"] }) {
  if (!bc) return <span class="muted">absent</span>;
  return <>{`CA: ${bc.ca ? "yes" : "no"}${bc.pathLength === null ? "" : `, path length ${bc.pathLength}`}`}</>;
}

function NameConstraintsValue({ nc }: { nc: CertificateDetails["nameConstraints"] }) {
  if (!nc) return <span class="muted">absent</span>;
  return (
    <>
      <div>Permitted: {nc.permitted.length ? nc.permitted.join(", ") : "none"}</div>
      <div>Excluded: {nc.excluded.length ? nc.excluded.join(", ") : "none"}</div>
    </>
  );
}

function ExtensionsValue({ extensions }: { extensions: CertificateDetails["extensions"] }) {
  if (extensions.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain">
      {extensions.map((e) => (
        <li key={e.oid}>
          {e.name === e.oid ? e.oid : `${e.name} (${e.oid})`}
          {e.critical && <span class="badge tone-info">critical</span>}
        </li>
      ))}
    </ul>
  );
}
