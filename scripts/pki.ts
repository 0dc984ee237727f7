/**
 * Generates the test PKI at run time: roots, intermediates and leaves with whatever property a case
 * needs (SHA-1 signature, expired, weak key, re-issued with the same key...). Used by the unit
 * tests, the end-to-end suite, the demo and the benchmark, so nothing certificate-shaped is
 * committed and nothing expires in the repository.
 */
import "@abraham/reflection";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

x509.cryptoProvider.set(webcrypto as Crypto);

export type KeySpec = { type: "EC"; curve?: "P-256" | "P-384" } | { type: "RSA"; bits: number };

export interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  der: Uint8Array;
  pem: string;
  /** PKCS#8 PEM private key, for Node's TLS servers. */
  keyPem: string;
}

export interface IssueOptions {
  subject: string;
  /** Absent: self-signed (a root). */
  issuer?: Issued;
  ca?: boolean;
  /** DNS names and IP addresses for a leaf's subjectAltName. */
  hosts?: string[];
  key?: KeySpec;
  /** Reuse an existing key pair (a re-issued certificate with the same key). */
  keys?: CryptoKeyPair;
  hash?: "SHA-256" | "SHA-1";
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
  /** Added after the usual ones, e.g. a TLS Feature (must-staple) or an SCT list copied from a real certificate. */
  extensions?: x509.Extension[];
}

const DAY = 86_400_000;
let serialCounter = 0;

function algorithmFor(key: KeySpec, hash: string): RsaHashedKeyGenParams | EcKeyGenParams {
  return key.type === "RSA"
    ? { name: "RSASSA-PKCS1-v1_5", modulusLength: key.bits, publicExponent: new Uint8Array([1, 0, 1]), hash }
    : { name: "ECDSA", namedCurve: key.curve ?? "P-256" };
}

/** WebCrypto binds an RSA key to one hash, so signing with another (SHA-1) needs the key re-imported. */
async function signingKey(keys: CryptoKeyPair, hash: string): Promise<{ key: CryptoKey; algorithm: Algorithm | EcdsaParams }> {
  const algorithm = keys.privateKey.algorithm as RsaHashedKeyAlgorithm;
  if (algorithm.name === "ECDSA") return { key: keys.privateKey, algorithm: { name: "ECDSA", hash } as EcdsaParams };
  if (algorithm.hash.name === hash) return { key: keys.privateKey, algorithm };
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  const rehashed = { name: "RSASSA-PKCS1-v1_5", hash };
  return { key: await webcrypto.subtle.importKey("pkcs8", pkcs8, rehashed, false, ["sign"]), algorithm: rehashed };
}

export async function issue(o: IssueOptions): Promise<Issued> {
  const hash = o.hash ?? "SHA-256";
  const key = o.key ?? { type: "EC" };
  const keys = o.keys ?? ((await webcrypto.subtle.generateKey(algorithmFor(key, "SHA-256"), true, ["sign", "verify"])) as CryptoKeyPair);
  const signer = await signingKey(o.issuer?.keys ?? keys, hash);
  const ca = o.ca ?? !o.issuer;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(ca, undefined, true),
    new x509.KeyUsagesExtension(
      ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (o.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.cert));
  if (!ca) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
  if (o.hosts?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(o.hosts.map((h) => ({ type: /^[\d.]+$/.test(h) ? "ip" : "dns", value: h }) as const)));
  }
  extensions.push(...(o.extensions ?? []));
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber:
      o.serial ??
      `${(0x10 + (++serialCounter % 0x70)).toString(16)}${Array.from(webcrypto.getRandomValues(new Uint8Array(15)), (b) => b.toString(16).padStart(2, "0")).join("")}`,
    subject: o.subject,
    issuer: o.issuer?.cert.subject ?? o.subject,
    notBefore: o.notBefore ?? new Date(now - DAY),
    notAfter: o.notAfter ?? new Date(now + (ca ? 3650 : 365) * DAY),
    signingAlgorithm: signer.algorithm,
    publicKey: keys.publicKey,
    signingKey: signer.key,
    extensions,
  });
  const der = new Uint8Array(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  return {
    cert,
    keys,
    der,
    pem: cert.toString("pem") + "\n",
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/.{1,64}/g, "$&\n")}-----END PRIVATE KEY-----\n`,
  };
}
