/**
 * The analyst's view of one certificate: every field worth reading, decoded with @peculiar/x509.
 * Parsing is lazy: the analyzer never calls this; it runs when someone opens a certificate, and
 * the caller caches the result by SHA-256.
 */
import "@abraham/reflection"; // @peculiar/x509 (via tsyringe) needs a Reflect metadata polyfill at import time
import { AsnConvert } from "@peculiar/asn1-schema";
import { NameConstraints } from "@peculiar/asn1-x509";
import * as x509 from "@peculiar/x509";
import { describeEmbeddedScts, type EmbeddedScts } from "./ct/embedded";
import { OID_SCT_LIST } from "./ct/sct";
import { readCertificate, readTlv, signatureAlgorithmName, type KeyInfo } from "./der";
import { bytesToBase64, bytesToHex, hexToColonHex } from "./encoding";

export interface CertificateDetails {
  subject: string;
  issuer: string;
  /** "DNS:example.com", "IP:127.0.0.1", "email:…", "URI:…" */
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  /** Uppercase hex with colons. */
  serialNumber: string;
  sha1: string;
  sha256: string;
  /** Base64 (Firefox, OneCRL, HPKP form) and hex. */
  spkiSha256: { base64: string; hex: string };
  publicKey: KeyInfo;
  signatureAlgorithm: string;
  basicConstraints: { ca: boolean; pathLength: number | null } | null;
  keyUsage: string[];
  extendedKeyUsage: string[];
  nameConstraints: { permitted: string[]; excluded: string[] } | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  authorityInfoAccess: { ocsp: string[]; caIssuers: string[] };
  crlDistributionPoints: string[];
  certificatePolicies: string[];
  /** Signed Certificate Timestamps embedded in the certificate (Certificate Transparency); null: no SCT extension. */
  embeddedScts: EmbeddedScts | null;
  /** The TLS Feature extension lists status_request: a server must staple an OCSP response (RFC 7633). */
  mustStaple: boolean;
  /** Every extension, by name where known. */
  extensions: { oid: string; name: string; critical: boolean }[];
}

const OID_NAME_CONSTRAINTS = "2.5.29.30";
const OID_TLS_FEATURE = "1.3.6.1.5.5.7.1.24";
/** TLS extension number of status_request (RFC 6066), the feature that makes a certificate must-staple. */
const TLS_STATUS_REQUEST = 5;

const EXTENSION_NAMES: Record<string, string> = {
  "2.5.29.14": "Subject Key Identifier",
  "2.5.29.15": "Key Usage",
  "2.5.29.17": "Subject Alternative Name",
  "2.5.29.19": "Basic Constraints",
  "2.5.29.30": "Name Constraints",
  "2.5.29.31": "CRL Distribution Points",
  "2.5.29.32": "Certificate Policies",
  "2.5.29.35": "Authority Key Identifier",
  "2.5.29.37": "Extended Key Usage",
  "1.3.6.1.5.5.7.1.1": "Authority Information Access",
  [OID_SCT_LIST]: "Embedded SCTs (Certificate Transparency)",
  [OID_TLS_FEATURE]: "TLS Feature (OCSP Must-Staple)",
};

const EKU_NAMES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.4.1.311.10.3.3": "Microsoft Server Gated Crypto",
  "2.16.840.1.113730.4.1": "Netscape Server Gated Crypto",
};

const POLICY_NAMES: Record<string, string> = {
  "2.23.140.1.2.1": "domain validated",
  "2.23.140.1.2.2": "organization validated",
  "2.23.140.1.2.3": "individual validated",
  "2.23.140.1.1": "extended validation",
  "2.5.29.32.0": "any policy",
};

const KEY_USAGES: [x509.KeyUsageFlags, string][] = [
  [x509.KeyUsageFlags.digitalSignature, "digitalSignature"],
  [x509.KeyUsageFlags.nonRepudiation, "nonRepudiation"],
  [x509.KeyUsageFlags.keyEncipherment, "keyEncipherment"],
  [x509.KeyUsageFlags.dataEncipherment, "dataEncipherment"],
  [x509.KeyUsageFlags.keyAgreement, "keyAgreement"],
  [x509.KeyUsageFlags.keyCertSign, "keyCertSign"],
  [x509.KeyUsageFlags.cRLSign, "cRLSign"],
  [x509.KeyUsageFlags.encipherOnly, "encipherOnly"],
  [x509.KeyUsageFlags.decipherOnly, "decipherOnly"],
];

/** The prefixes of CertificateDetails.subjectAltNames (@peculiar/x509 calls a URI "url"); other kinds keep its name. */
const GENERAL_NAME_KINDS: Record<string, string> = { dns: "DNS", ip: "IP", url: "URI" };
const generalName = (n: x509.GeneralName) => `${GENERAL_NAME_KINDS[n.type] ?? n.type}:${n.value}`;
const withName = (oid: string, names: Record<string, string>) => (names[oid] ? `${names[oid]} (${oid})` : oid);

/**
 * Whether a TLS Feature extension value (Features ::= SEQUENCE OF INTEGER, RFC 7633) lists
 * status_request. A value that is not that structure lists nothing: false.
 */
function listsStatusRequest(extnValue: Uint8Array): boolean {
  try {
    const features = readTlv(extnValue, 0, extnValue.length, "TLS Features");
    if (features.tag !== 0x30) return false;
    for (let pos = features.content; pos < features.end;) {
      const feature = readTlv(extnValue, pos, features.end, "TLS feature");
      if (feature.tag === 0x02 && feature.end - feature.content === 1 && extnValue[feature.content] === TLS_STATUS_REQUEST) return true;
      pos = feature.end;
    }
    return false;
  } catch {
    return false; // readTlv throws only DerError: the value is not that structure
  }
}

/**
 * The certificate's embedded SCTs, logs named; null when it has no SCT extension. Throws like
 * describeCertificate when the bytes are not a certificate.
 */
export function readEmbeddedScts(der: Uint8Array): EmbeddedScts | null {
  return sctsOf(new x509.X509Certificate(der as BufferSource));
}

function sctsOf(cert: x509.X509Certificate): EmbeddedScts | null {
  const sct = cert.getExtension(OID_SCT_LIST);
  return sct ? describeEmbeddedScts(new Uint8Array(sct.value)) : null;
}

async function digest(algorithm: "SHA-1" | "SHA-256", data: ArrayBuffer | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, data as BufferSource));
}

/**
 * Decodes a DER certificate for display. Throws an Error with a readable message when the bytes
 * are not a certificate (the caller shows it; the analyzer reports the same as a finding).
 *
 * @example const details = await describeCertificate(Uint8Array.from(firefoxCert.rawDER));
 *          details.subjectAltNames // → ["DNS:localhost", "IP:127.0.0.1"]
 */
export async function describeCertificate(der: Uint8Array): Promise<CertificateDetails> {
  const walked = readCertificate(der);
  const cert = new x509.X509Certificate(der as BufferSource);
  const ext = <T extends x509.Extension>(type: new (raw: BufferSource) => T) => cert.getExtension(type);

  const basic = ext(x509.BasicConstraintsExtension);
  const keyUsage = ext(x509.KeyUsagesExtension);
  const aki = ext(x509.AuthorityKeyIdentifierExtension);
  const ski = ext(x509.SubjectKeyIdentifierExtension);
  const aia = ext(x509.AuthorityInfoAccessExtension);
  const crl = ext(x509.CRLDistributionPointsExtension);
  const nc = cert.getExtension(OID_NAME_CONSTRAINTS);
  const tlsFeature = cert.getExtension(OID_TLS_FEATURE);
  const ncValue = nc ? AsnConvert.parse(nc.value, NameConstraints) : null;
  const subtrees = (list?: { base: unknown }[]) =>
    (list ?? []).map((s) => generalName(new x509.GeneralName(s.base as ConstructorParameters<typeof x509.GeneralName>[0] & object)));
  const spki = cert.publicKey.rawData;
  const [sha1, sha256, spkiHash] = await Promise.all([digest("SHA-1", der), digest("SHA-256", der), digest("SHA-256", spki)]);

  return {
    subject: cert.subject,
    issuer: cert.issuer,
    subjectAltNames: ext(x509.SubjectAlternativeNameExtension)?.names.items.map(generalName) ?? [],
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    serialNumber: hexToColonHex(walked.serial),
    sha1: hexToColonHex(bytesToHex(sha1)),
    sha256: hexToColonHex(bytesToHex(sha256)),
    spkiSha256: { base64: bytesToBase64(spkiHash), hex: bytesToHex(spkiHash) },
    publicKey: walked.key,
    signatureAlgorithm: signatureAlgorithmName(walked),
    basicConstraints: basic ? { ca: basic.ca, pathLength: basic.pathLength ?? null } : null,
    keyUsage: keyUsage ? KEY_USAGES.filter(([flag]) => keyUsage.usages & flag).map(([, name]) => name) : [],
    extendedKeyUsage: ext(x509.ExtendedKeyUsageExtension)?.usages.map((u) => withName(String(u), EKU_NAMES)) ?? [],
    nameConstraints: ncValue ? { permitted: subtrees(ncValue.permittedSubtrees), excluded: subtrees(ncValue.excludedSubtrees) } : null,
    subjectKeyId: ski ? hexToColonHex(ski.keyId) : null,
    authorityKeyId: aki?.keyId ? hexToColonHex(aki.keyId) : null,
    authorityInfoAccess: { ocsp: aia?.ocsp.map((n) => n.value) ?? [], caIssuers: aia?.caIssuers.map((n) => n.value) ?? [] },
    crlDistributionPoints:
      crl?.distributionPoints.flatMap((p) => p.distributionPoint?.fullName?.map((n) => n.uniformResourceIdentifier ?? "").filter(Boolean) ?? []) ?? [],
    certificatePolicies: ext(x509.CertificatePolicyExtension)?.policies.map((p) => withName(p, POLICY_NAMES)) ?? [],
    embeddedScts: sctsOf(cert),
    mustStaple: tlsFeature ? listsStatusRequest(new Uint8Array(tlsFeature.value)) : false,
    extensions: cert.extensions.map((e) => ({ oid: e.type, name: EXTENSION_NAMES[e.type] ?? e.type, critical: e.critical })),
  };
}
