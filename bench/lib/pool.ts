/**
 * The core benchmark's certificate pool, generated with scripts/pki.ts and src/securityInfoFromDer.ts
 * (worker threads, one per core; kept in node_modules/.cache for 30 days, see loadPool):
 *  - 4 roots (3 reported as Firefox built-in roots, 1 not: an enterprise root);
 *  - 300 intermediates: 200 under the roots, 100 second-level under those (chains of 4);
 *  - `hosts` leaves (default 5,000), each issued by an intermediate chosen with a Zipf law (a few CAs
 *    issue most certificates), half EC P-256 and half RSA-2048; roots RSA-4096, intermediates RSA-2048,
 *    so rawDER arrays are as long as real ones (3-5 KB per chain);
 *  - `triples` chains (default 500) of a leaf, an intermediate and a root seen nowhere else.
 */
import { webcrypto } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { Worker } from "node:worker_threads";
import { issue, type Issued } from "../../scripts/pki";
import { firefoxCertificateFromDer } from "../../src/securityInfoFromDer";
import type { FirefoxCertificate, SecurityInfo } from "../../src/securityInfo";
import type { Job, JobResult, LeafKey, Made, SharedKeys } from "./pool-worker";
import { prng, shuffle, zipf } from "./stats";

export interface PoolCertificate {
  der: Uint8Array;
  info: FirefoxCertificate;
}

export interface Pool {
  /** Per host: its chain, leaf first, root last. */
  hostChains: PoolCertificate[][];
  /** Chains of three certificates that appear nowhere else. */
  unseenTriples: PoolCertificate[][];
  counts: { roots: number; intermediates: number; leaves: number; triples: number; certificates: number };
  generationMs: number;
}

/** What Firefox reports besides the chain (kept so cloned objects are as big as real ones). */
const CONNECTION: Omit<SecurityInfo, "certificates"> = {
  state: "secure",
  protocolVersion: "TLSv1.3",
  cipherSuite: "TLS_AES_128_GCM_SHA256",
  keaGroupName: "x25519",
  signatureSchemeName: "ecdsa_secp256r1_sha256",
  secretKeyLength: 128,
  certificateTransparencyStatus: "not_configured",
  isExtendedValidation: false,
  hsts: false,
  hpkp: false,
  usedEch: false,
  usedDelegatedCredentials: false,
  usedOcsp: false,
  usedPrivateDns: false,
  weaknessReasons: [],
};

/** getSecurityInfo(id, {certificateChain: true, rawDER}) for `chain`: fresh objects every call, as Firefox's are. */
export function securityInfo(chain: PoolCertificate[], rawDER: boolean): SecurityInfo {
  const info = structuredClone({ ...CONNECTION, certificates: chain.map((c) => c.info) }) as SecurityInfo;
  if (rawDER) info.certificates.forEach((c, i) => (c.rawDER = Array.from(chain[i].der)));
  return info;
}

function runJobs(jobs: Job[], threads: number): Promise<JobResult[]> {
  const results: JobResult[] = new Array(jobs.length);
  let next = 0;
  const workerUrl = new URL("./pool-worker.mjs", import.meta.url);
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerUrl);
      const take = () => {
        if (next >= jobs.length) return void worker.terminate().then(() => resolve());
        const i = next++;
        worker.once("message", (m: { ok?: JobResult; error?: string }) => {
          if (m.error) return reject(new Error(`pool worker: ${m.error}`));
          results[i] = m.ok!;
          take();
        });
        worker.postMessage(jobs[i]);
      };
      worker.once("error", reject);
      take();
    });
  return Promise.all(Array.from({ length: threads }, one)).then(() => results);
}

/**
 * The key pairs of the roots and intermediates, made here since they sign everything else: shared
 * within a size (one RSA-4096 for the roots, four RSA-2048 for the intermediates), and as exported for the workers.
 */
async function caKeyPairs(): Promise<{ rootKey: CryptoKeyPair; caKeys: CryptoKeyPair[]; keys: SharedKeys }> {
  const generate = (bits: number) =>
    webcrypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, [
      "sign",
      "verify",
    ]) as Promise<CryptoKeyPair>;
  const [rootKey, ...caKeys] = await Promise.all([generate(4096), generate(2048), generate(2048), generate(2048), generate(2048)]);
  const exported = async (k: CryptoKeyPair) => ({
    pkcs8: new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", k.privateKey)),
    spki: new Uint8Array(await webcrypto.subtle.exportKey("spki", k.publicKey)),
  });
  return { rootKey, caKeys, keys: { rsa4096: [await exported(rootKey)], rsa2048: await Promise.all(caKeys.map(exported)) } };
}

/** 4 roots, 200 intermediates under them and 100 second-level ones under the first 100 of those. */
async function issueCas(rootKey: CryptoKeyPair, caKeys: CryptoKeyPair[]): Promise<{ roots: Issued[]; level1: Issued[]; level2: Issued[] }> {
  const rsa = (bits: number) => ({ type: "RSA" as const, bits });
  const roots: Issued[] = [];
  for (let i = 0; i < 4; i++) {
    roots.push(await issue({ subject: `CN=Bench Root ${i},O=Bench Trust ${i}`, key: rsa(4096), keys: rootKey }));
  }
  const level1: Issued[] = [];
  for (let i = 0; i < 200; i++) {
    level1.push(
      await issue({
        subject: `CN=Bench Issuing CA ${i},O=Bench Trust ${i % 4}`,
        issuer: roots[i % 4],
        ca: true,
        key: rsa(2048),
        keys: caKeys[i % caKeys.length],
      }),
    );
  }
  const level2: Issued[] = [];
  for (let i = 0; i < 100; i++) {
    level2.push(
      await issue({
        subject: `CN=Bench Sub CA ${i},O=Bench Trust ${i % 4}`,
        issuer: level1[i],
        ca: true,
        key: rsa(2048),
        keys: caKeys[(i + 1) % caKeys.length],
      }),
    );
  }
  return { roots, level1, level2 };
}

export async function makePool({ hosts = 5000, triples = 500, seed = 6 } = {}): Promise<Pool> {
  const started = performance.now();
  const mark = (what: string) => process.env.BENCH_DEBUG && console.error(`pool: ${what} at ${Math.round(performance.now() - started)} ms`);
  const random = prng(seed);
  const { rootKey, caKeys, keys } = await caKeyPairs();
  mark("keys");
  const { roots, level1, level2 } = await issueCas(rootKey, caKeys);
  mark("CAs issued");
  const toPool = async (c: Issued, builtIn = false): Promise<PoolCertificate> => {
    const { rawDER: _omit, ...info } = await firefoxCertificateFromDer(c.der, builtIn);
    return { der: c.der, info };
  };
  // Root 3 is an enterprise root (isBuiltInRoot false), the others are reported as built in.
  const rootCerts = await Promise.all(roots.map((r, i) => toPool(r, i !== 3)));
  const l1Certs = await Promise.all(level1.map((c) => toPool(c)));
  const l2Certs = await Promise.all(level2.map((c) => toPool(c)));
  const caChain = (ca: number): PoolCertificate[] =>
    ca < 200 ? [l1Certs[ca], rootCerts[ca % 4]] : [l2Certs[ca - 200], l1Certs[ca - 200], rootCerts[(ca - 200) % 4]];
  const caIssued = (ca: number) => (ca < 200 ? level1[ca] : level2[ca - 200]);

  // Which CA issued each host's leaf: a quarter of hosts sit under a second-level CA (chains of 4);
  // within each level a Zipf law over the CAs, in a shuffled order (a few CAs issue most leaves).
  const order = (n: number) =>
    shuffle(
      Array.from({ length: n }, (_, i) => i),
      random,
    );
  const [l1Order, l2Order] = [order(200), order(100)];
  const [pickL1, pickL2] = [zipf(200, 1, random), zipf(100, 1, random)];
  const pickCa = () => (random() < 0.25 ? 200 + l2Order[pickL2()] : l1Order[pickL1()]);
  const leafSpecs = Array.from({ length: hosts }, (_, h) => ({
    subject: `CN=host-${h}.example`,
    host: `host-${h}.example`,
    ca: pickCa(),
    key: (h % 2 === 0 ? "EC" : "RSA") as LeafKey,
  }));

  const threads = Math.max(1, availableParallelism());
  const jobs: Job[] = [];
  const perJob = 250;
  for (let first = 0; first < hosts; first += perJob) {
    const specs = leafSpecs.slice(first, first + perJob);
    const used = [...new Set(specs.map((s) => s.ca))];
    jobs.push({
      type: "leaves",
      keys,
      issuers: used.map((ca) => ({ der: caIssued(ca).der, keyPem: caIssued(ca).keyPem })),
      leaves: specs.map((s) => ({ subject: s.subject, host: s.host, issuer: used.indexOf(s.ca), key: s.key })),
    });
  }
  const perTripleJob = 50;
  for (let first = 0; first < triples; first += perTripleJob) jobs.push({ type: "triples", keys, first, count: Math.min(perTripleJob, triples - first) });
  mark("CA infos");
  const results = await runJobs(jobs, threads);
  mark("workers done");

  const leaves: Made[] = results.flatMap((r) => ("leaves" in r ? r.leaves : []));
  const tripleChains: Made[][] = results.flatMap((r) => ("triples" in r ? r.triples : []));
  const hostChains = leaves.map((leaf, h) => [leaf, ...caChain(leafSpecs[h].ca)]);
  return {
    hostChains,
    unseenTriples: tripleChains,
    counts: { roots: 4, intermediates: 300, leaves: hosts, triples, certificates: 4 + 300 + hosts + 3 * triples },
    generationMs: performance.now() - started,
  };
}

const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/chain-sentry-bench/", import.meta.url));
const CACHE_MAX_AGE_MS = 30 * 86_400_000;

/**
 * The pool from node_modules/.cache when one of the same shape was generated in the last 30 days
 * (generation takes 40-90 s on 2 cores; the certificates are valid for a year), else a fresh one.
 * BENCH_FRESH_POOL=1 forces generation.
 */
export async function loadPool(options: { hosts?: number; triples?: number; seed?: number } = {}): Promise<Pool & { cached: boolean }> {
  const { hosts = 5000, triples = 500, seed = 6 } = options;
  const file = path.join(CACHE_DIR, `pool-v1-${hosts}-${triples}-${seed}.bin`);
  if (!process.env.BENCH_FRESH_POOL && existsSync(file) && Date.now() - statSync(file).mtimeMs < CACHE_MAX_AGE_MS) {
    try {
      return { ...(v8.deserialize(readFileSync(file)) as Pool), cached: true };
    } catch {
      // unreadable: generate again
    }
  }
  const pool = await makePool({ hosts, triples, seed });
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(file, v8.serialize(pool));
  return { ...pool, cached: false };
}
