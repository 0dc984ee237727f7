/**
 * Worker thread for bench/lib/pool.ts: issues certificates with scripts/pki.ts and turns them into
 * Firefox-shaped certificates with src/securityInfoFromDer.ts. Certificate generation is CPU-bound
 * JavaScript (ASN.1), so the pool is split across threads.
 */
import "@abraham/reflection";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { issue, type Issued, type KeySpec } from "../../scripts/pki";
import { firefoxCertificateFromDer } from "../../src/securityInfoFromDer";
import type { FirefoxCertificate } from "../../src/securityInfo";

export interface IssuerRef {
  der: Uint8Array;
  keyPem: string;
}

export type LeafKey = "EC" | "RSA";

/** RSA key pairs shared by certificates of one size (generating RSA keys takes 0.3-2 s each). */
export interface SharedKeys {
  rsa2048: { pkcs8: Uint8Array; spki: Uint8Array }[];
  rsa4096: { pkcs8: Uint8Array; spki: Uint8Array }[];
}

export type Job = { keys: SharedKeys } & (
  | { type: "leaves"; issuers: IssuerRef[]; leaves: { subject: string; host: string; issuer: number; key: LeafKey }[] }
  | { type: "triples"; first: number; count: number }
);

export interface Made {
  der: Uint8Array;
  /** Without rawDER: the pool keeps the bytes once, as `der`. */
  info: FirefoxCertificate;
}

export type JobResult = { leaves: Made[] } | { triples: Made[][] };

const pemBody = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ""), "base64");

/** Rebuilds an issuer that scripts/pki.ts can sign with, from its DER and PKCS#8 key. */
async function issuerFrom(ref: IssuerRef): Promise<Issued> {
  const cert = new x509.X509Certificate(ref.der as BufferSource);
  const rsa = (cert.publicKey.algorithm as Algorithm).name !== "ECDSA";
  const alg = rsa ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pemBody(ref.keyPem), alg, true, ["sign"]);
  const publicKey = await cert.publicKey.export(alg, ["verify"], webcrypto as Crypto);
  return { cert, keys: { privateKey, publicKey } as CryptoKeyPair, der: ref.der, pem: "", keyPem: ref.keyPem };
}

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
let imported: Promise<{ rsa2048: CryptoKeyPair[]; rsa4096: CryptoKeyPair[] }> | undefined;
function importKeys(keys: SharedKeys) {
  const pair = async (k: { pkcs8: Uint8Array; spki: Uint8Array }) =>
    ({
      privateKey: await webcrypto.subtle.importKey("pkcs8", k.pkcs8, RSA, true, ["sign"]),
      publicKey: await webcrypto.subtle.importKey("spki", k.spki, RSA, true, ["verify"]),
    }) as CryptoKeyPair;
  imported ??= (async () => ({ rsa2048: await Promise.all(keys.rsa2048.map(pair)), rsa4096: await Promise.all(keys.rsa4096.map(pair)) }))();
  return imported;
}

async function made(cert: Issued, builtInRoot = false): Promise<Made> {
  const { rawDER: _omit, ...info } = await firefoxCertificateFromDer(cert.der, builtInRoot);
  return { der: cert.der, info };
}

async function leaves(job: Extract<Job, { type: "leaves" }>): Promise<Made[]> {
  const { rsa2048 } = await importKeys(job.keys);
  const issuers = await Promise.all(job.issuers.map(issuerFrom));
  const out: Made[] = [];
  for (const [i, l] of job.leaves.entries()) {
    const key: KeySpec = l.key === "RSA" ? { type: "RSA", bits: 2048 } : { type: "EC" };
    const keys = l.key === "RSA" ? rsa2048[i % rsa2048.length] : undefined;
    out.push(await made(await issue({ subject: l.subject, issuer: issuers[l.issuer], hosts: [l.host], key, keys })));
  }
  return out;
}

/** Chains whose three certificates (leaf, intermediate, root) appear nowhere else. */
async function triples(job: Extract<Job, { type: "triples" }>): Promise<Made[][]> {
  const { rsa2048, rsa4096 } = await importKeys(job.keys);
  const out: Made[][] = [];
  for (let i = job.first; i < job.first + job.count; i++) {
    const root = await issue({ subject: `CN=Unseen Root ${i},O=Bench Unseen ${i}`, key: { type: "RSA", bits: 4096 }, keys: rsa4096[i % rsa4096.length] });
    const inter = await issue({
      subject: `CN=Unseen Issuing CA ${i},O=Bench Unseen ${i}`,
      issuer: root,
      ca: true,
      key: { type: "RSA", bits: 2048 },
      keys: rsa2048[i % rsa2048.length],
    });
    const leaf = await issue({ subject: `CN=unseen-${i}.example`, issuer: inter, hosts: [`unseen-${i}.example`] });
    out.push([await made(leaf), await made(inter), await made(root, i % 2 === 0)]);
  }
  return out;
}

parentPort!.on("message", async (job: Job) => {
  try {
    const result: JobResult = job.type === "leaves" ? { leaves: await leaves(job) } : { triples: await triples(job) };
    parentPort!.postMessage({ ok: result });
  } catch (error) {
    parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
});
