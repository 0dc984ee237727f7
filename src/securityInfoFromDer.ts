/**
 * Builds the SecurityInfo Firefox would report for a chain given as DER certificates (leaf first):
 * for a command-line check of PEM files, for tests, and for benchmarks. Fingerprints are computed
 * here exactly as Firefox reports them (uppercase colon hex; SPKI digest in base64).
 */
import "@abraham/reflection"; // @peculiar/x509 needs a Reflect metadata polyfill at import time
import * as x509 from "@peculiar/x509";
import { bytesToBase64, bytesToHex, hexToColonHex } from "./encoding";
import type { FirefoxCertificate, SecurityInfo } from "./securityInfo";

async function digest(algorithm: "SHA-1" | "SHA-256", data: ArrayBuffer | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, data as BufferSource));
}

export async function firefoxCertificateFromDer(der: Uint8Array, isBuiltInRoot = false): Promise<FirefoxCertificate> {
  const cert = new x509.X509Certificate(der as BufferSource);
  const [sha1, sha256, spki] = await Promise.all([
    digest("SHA-1", der),
    digest("SHA-256", der),
    digest("SHA-256", cert.publicKey.rawData),
  ]);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    validity: { start: cert.notBefore.getTime(), end: cert.notAfter.getTime() },
    fingerprint: { sha1: hexToColonHex(bytesToHex(sha1)), sha256: hexToColonHex(bytesToHex(sha256)) },
    serialNumber: hexToColonHex(cert.serialNumber),
    isBuiltInRoot,
    subjectPublicKeyInfoDigest: { sha256: bytesToBase64(spki) },
    rawDER: Array.from(der),
  };
}

/** `builtInRoot`: whether the last certificate should count as one of Firefox's own roots. */
export async function securityInfoFromDer(chain: Uint8Array[], { builtInRoot = false } = {}): Promise<SecurityInfo> {
  return {
    state: "secure",
    certificates: await Promise.all(chain.map((der, i) => firefoxCertificateFromDer(der, builtInRoot && i === chain.length - 1))),
  };
}
