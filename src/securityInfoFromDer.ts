/**
 * Builds the SecurityInfo Firefox would report for a chain given as DER certificates (leaf first):
 * for a command-line check of PEM files, for tests, and for benchmarks. Every certificate field is
 * written as Firefox writes it: names as NSS shows them (firefoxName.ts), fingerprints and the
 * serial in uppercase colon hex (the serial's DER bytes as they are, a leading zero kept), the SPKI
 * digest in base64, validity in epoch milliseconds.
 */
import "@abraham/reflection"; // @peculiar/x509 needs a Reflect metadata polyfill at import time
import * as x509 from "@peculiar/x509";
import { readCertificate, readTlv } from "./der";
import { bytesToBase64, bytesToHex, hexToColonHex } from "./encoding";
import { firefoxNameString } from "./firefoxName";
import type { FirefoxCertificate, SecurityInfo } from "./securityInfo";

async function digest(algorithm: "SHA-1" | "SHA-256", data: ArrayBuffer | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, data as BufferSource));
}

/** The serialNumber INTEGER's content bytes, as NSS keeps them (CERT_Hexify shows them all). */
function serialBytes(der: Uint8Array): Uint8Array {
  const tbs = readTlv(der, readTlv(der, 0, der.length, "Certificate").content, der.length, "TBSCertificate");
  const first = readTlv(der, tbs.content, tbs.end, "version or serialNumber");
  const serial = first.tag === 0xa0 ? readTlv(der, first.end, tbs.end, "serialNumber") : first;
  return der.subarray(serial.content, serial.end);
}

export async function firefoxCertificateFromDer(der: Uint8Array, isBuiltInRoot = false): Promise<FirefoxCertificate> {
  const walked = readCertificate(der);
  const cert = new x509.X509Certificate(der as BufferSource);
  const [sha1, sha256, spki] = await Promise.all([digest("SHA-1", der), digest("SHA-256", der), digest("SHA-256", walked.spki)]);
  return {
    subject: firefoxNameString(walked.subject),
    issuer: firefoxNameString(walked.issuer),
    validity: { start: cert.notBefore.getTime(), end: cert.notAfter.getTime() },
    fingerprint: { sha1: hexToColonHex(bytesToHex(sha1)), sha256: hexToColonHex(bytesToHex(sha256)) },
    serialNumber: hexToColonHex(bytesToHex(serialBytes(der))),
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
