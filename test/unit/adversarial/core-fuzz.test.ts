/**
 * Fail closed (issue 9): the core under corrupted certificates, hostile but well-formed ones, and
 * SecurityInfo shapes Firefox should never send. What must hold whatever the input:
 * - analyze() never throws, and every finding points at a certificate the verdict shows;
 * - a certificate Firefox identifies as blocked (by the fingerprints it computes itself) stays
 *   blocked however its bytes are corrupted, and whatever else the chain holds;
 * - readCertificate returns or throws a DerError; describeCertificate resolves or rejects with an Error.
 * Seeded and bounded: see fuzz.ts for FUZZ_SEED and replaying one iteration.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { types } from "node:util";
import { ChainAnalyzer } from "../../../src/analyzer";
import { describeCertificate } from "../../../src/certificateView";
import { DerError, readCertificate } from "../../../src/der";
import { bytesToHex, base64ToBytes, colonHexToHex } from "../../../src/encoding";
import { parseListText } from "../../../src/listText";
import type { FirefoxCertificate, SecurityInfo } from "../../../src/securityInfo";
import { parseList, type AnalyzerLists, type CustomBlocklistEntry } from "../../../src/settings";
import { worstLevel, type Verdict } from "../../../src/verdict";
import { bundledIndex, chromiumCertificate, DIGINOTAR_ROOT, firefoxCertificate, makePki } from "../support/chains";
import { hostileCertificates } from "../support/hostileCertificates";
import { corrupt, firefoxEntryForBytes, fuzz, Rng, truncationPoints, tlvSpans, LENGTH_REWRITES, type FuzzStep } from "./fuzz";

/** A real certificate, as Firefox reports it, and whether the bundled blocklist enforces an entry for it. */
interface Source {
  name: string;
  der: Uint8Array;
  firefox: FirefoxCertificate;
  bundled: boolean;
}

let sources: Source[] = [];
let hostile: { name: string; der: Uint8Array; firefox: FirefoxCertificate }[] = [];
/** All DER inputs that corruption starts from: real certificates, then the hand-built ones. */
let seeds: { name: string; der: Uint8Array }[] = [];

const enforced = bundledIndex.entries.filter((e) => e.enforced !== false);
const bundledSha256 = new Set(enforced.map((e) => e.sha256).filter(Boolean));
const bundledSha1 = new Set(enforced.map((e) => e.sha1).filter(Boolean));
const bundledSpki = new Set(enforced.map((e) => e.spkiSha256).filter(Boolean));

beforeAll(async () => {
  const dir = join(__dirname, "..", "..", "..", "data", "sources", "chromium-blocklist");
  const chromium = readdirSync(dir)
    .filter((f) => f.endsWith(".pem"))
    .sort()
    .map((f) => ({ name: `chromium ${f.slice(0, 12)}`, der: chromiumCertificate(f.slice(0, -4)) }));
  const ec = await makePki();
  const rsaSha1 = await makePki({ intermediate: { key: { type: "RSA", bits: 2048 } }, leaf: { hash: "SHA-1" } });
  const generated = [
    { name: "EC leaf", der: ec.leaf.der },
    { name: "EC intermediate", der: ec.intermediate.der },
    { name: "EC root", der: ec.root.der },
    { name: "SHA-1 leaf", der: rsaSha1.leaf.der },
    { name: "RSA intermediate", der: rsaSha1.intermediate.der },
  ];
  sources = await Promise.all(
    [...generated, ...chromium].map(async ({ name, der }) => {
      const firefox = await firefoxCertificate(der);
      const bundled =
        bundledSha256.has(colonHexToHex(firefox.fingerprint.sha256)) ||
        bundledSha1.has(colonHexToHex(firefox.fingerprint.sha1)) ||
        bundledSpki.has(bytesToHex(base64ToBytes(firefox.subjectPublicKeyInfoDigest.sha256)));
      return { name, der, firefox, bundled };
    }),
  );
  hostile = hostileCertificates().map((h) => ({ ...h, firefox: firefoxEntryForBytes(h.der) }));
  seeds = [...sources, ...hostile];
});

// What must hold --------------------------------------------------------------------------------

const LEVELS = ["ok", "notice", "warning", "blocked"];

/** A plain check: runs thousands of times per loop, where expect() would dominate the budget. */
function must(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/** The verdict is one the views, the history and the block page can use as it is. */
function checkVerdict(verdict: Verdict, info: unknown): void {
  must(LEVELS.includes(verdict?.level), () => `level ${String(verdict?.level)}`);
  must(Array.isArray(verdict.findings) && Array.isArray(verdict.chain), () => "findings and chain are arrays");
  const certificates = (info as { certificates?: unknown } | null | undefined)?.certificates;
  // Every presented certificate has its place, so findings and stored DER (indexed by it) line up.
  if (Array.isArray(certificates))
    must(verdict.chain.length === certificates.length, () => `chain of ${verdict.chain.length} for ${certificates.length} certificates`);
  verdict.chain.forEach((c, i) => must(c.index === i, () => `chain[${i}].index is ${c.index}`));
  for (const f of verdict.findings) {
    if (f.certIndex !== null) {
      must(
        Number.isInteger(f.certIndex) && f.certIndex >= 0 && f.certIndex < verdict.chain.length,
        () => `${f.ruleId} finding points at certificate ${f.certIndex} of ${verdict.chain.length}`,
      );
      must(verdict.chain[f.certIndex].flags.includes(f.ruleId), () => `certificate ${f.certIndex} is not flagged ${f.ruleId}`);
    }
    must(typeof f.title === "string" && typeof f.explanation === "string", () => `${f.ruleId} finding without text`);
  }
  // The level is the worst finding: nothing is decided that the analyst cannot read.
  must(
    verdict.level === worstLevel(verdict.findings.map((f) => f.severity)),
    () => `level ${verdict.level} but findings ${verdict.findings.map((f) => f.severity)}`,
  );
  // Verdicts go to storage and to the pages.
  structuredClone(verdict);
}

function expectBlockedAt(verdict: Verdict, index: number): void {
  must(
    verdict.level === "blocked" && verdict.findings.some((f) => f.ruleId === "blocked-certificate" && f.severity === "blocked" && f.certIndex === index),
    () => `certificate ${index} is not blocked: level ${verdict.level}, findings ${verdict.findings.map((f) => `${f.ruleId}@${f.certIndex}`).join(", ")}`,
  );
}

function analyzeSafely(analyzer: ChainAnalyzer, info: unknown, step?: FuzzStep): Verdict {
  const needs = analyzer.needsRawDer(info as SecurityInfo);
  must(typeof needs === "boolean", () => `needsRawDer gave ${String(needs)}`);
  const verdict = analyzer.analyze(info as SecurityInfo);
  checkVerdict(verdict, info);
  step?.note(`level ${verdict.level}`);
  return verdict;
}

/** An Error from this realm or another (WebCrypto and Node raise theirs outside jest's sandbox). */
const isError = (e: unknown): boolean => e instanceof Error || types.isNativeError(e) || e instanceof DOMException;

// Building inputs -------------------------------------------------------------------------------

type BlockWay = "bundled" | "policy sha256" | "policy sha1" | "policy spki" | "user sha256" | "user spki";

/** A blocklist entry for `cert` made from Firefox's own strings, through the path a real one takes. */
async function blockEntry(way: BlockWay, cert: FirefoxCertificate): Promise<CustomBlocklistEntry[]> {
  switch (way) {
    case "bundled":
      return [];
    case "policy sha256":
      return parseList([{ sha256: cert.fingerprint.sha256 }], "blocklist", "policy").entries;
    case "policy sha1":
      return parseList([{ sha1: cert.fingerprint.sha1 }], "blocklist", "policy").entries;
    case "policy spki":
      return parseList([{ spkiSha256: cert.subjectPublicKeyInfoDigest.sha256 }], "blocklist", "policy").entries;
    case "user sha256":
      return (await parseListText(`sha256:${cert.fingerprint.sha256} # fuzz`, "blocklist", "user")).entries;
    case "user spki":
      return (await parseListText(cert.subjectPublicKeyInfoDigest.sha256, "blocklist", "user")).entries;
  }
}

/** rawDER as Firefox sends it (a plain array), as a Uint8Array, or with values outside 0..255. */
function rawForm(der: Uint8Array, rng: Rng): { raw: ArrayLike<number>; what: string } {
  switch (rng.int(4)) {
    case 0:
      return { raw: der, what: "Uint8Array" };
    case 1:
      return { raw: Array.from(der, (b) => b + 256 * rng.between(-2, 2)), what: "array with values outside 0..255" };
    default:
      return { raw: Array.from(der), what: "plain array" };
  }
}

const HOSTILE_VALUES: readonly unknown[] = [
  undefined,
  null,
  0,
  -1,
  NaN,
  Infinity,
  1e308,
  "",
  "garbage",
  "AB:CD",
  "=====",
  "€€",
  "x".repeat(100_000),
  [],
  [1, 2],
  {},
  { sha256: 5 },
  true,
];

/** A certificate entry with one field removed or replaced by something Firefox never sends. */
function hostileShape(base: FirefoxCertificate, rng: Rng, step: FuzzStep): unknown {
  const roll = rng.int(10);
  if (roll === 0) {
    const whole = rng.pick<unknown>([{}, null, undefined, 0, "certificate", [], [base]]);
    step.note(`certificate ${JSON.stringify(whole)}`);
    return whole;
  }
  const cert = structuredClone(base) as unknown as Record<string, unknown>;
  const paths = [
    "fingerprint",
    "fingerprint.sha256",
    "fingerprint.sha1",
    "subjectPublicKeyInfoDigest",
    "subjectPublicKeyInfoDigest.sha256",
    "serialNumber",
    "validity",
    "validity.start",
    "validity.end",
    "subject",
    "issuer",
    "isBuiltInRoot",
    "rawDER",
  ];
  for (let n = rng.between(1, 3); n > 0; n--) {
    const path = rng.pick(paths);
    const value =
      path === "rawDER" && rng.chance(0.6)
        ? rng.pick<unknown>([[256, -1, 1.5, NaN, 1e9], "MIIB", 12, { length: 3 }, { length: -1 }, new ArrayBuffer(8), [0x30, 0x80, 0x00, 0x00], null])
        : rng.pick(HOSTILE_VALUES);
    const [head, tail] = path.split(".");
    const target = tail ? (cert[head] as Record<string, unknown> | null) : cert;
    if (target && typeof target === "object") {
      if (value === undefined) delete target[tail ?? head];
      else target[tail ?? head] = value;
    }
    step.note(`${path} = ${typeof value === "string" && value.length > 20 ? `${value.length} chars` : show(value)}`);
  }
  return cert;
}

const show = (v: unknown) => {
  if (typeof v === "number" || v === undefined) return String(v);
  try {
    return JSON.stringify(v)?.slice(0, 40) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
};

// The loops -------------------------------------------------------------------------------------

describe("corrupted bytes never unblock a certificate Firefox identifies as blocked", () => {
  test("random corruption of real certificates, blocked by bundled, policy or user entries", async () => {
    const ran = await fuzz("blocked stays blocked", { iterations: 2000, ms: 800 }, async (step) => {
      const { rng } = step;
      const target = rng.pick(sources);
      const ways: BlockWay[] = ["policy sha256", "policy sha1", "policy spki", "user sha256", "user spki"];
      const way: BlockWay | null = rng.chance(0.15) ? null : target.bundled && rng.chance(0.5) ? "bundled" : rng.pick(ways);
      const corrupted = corrupt(target.der, rng, rng.pick(seeds).der);
      const raw = rawForm(corrupted.der, rng);
      step.note(`${target.name} blocked by ${way ?? "nothing"}; bytes: ${corrupted.what}; rawDER as ${raw.what}`);

      // The chain around it: other real certificates, some corrupted too, the target anywhere.
      const length = rng.between(1, 4);
      const at = rng.int(length);
      const certificates: FirefoxCertificate[] = [];
      for (let k = 0; k < length; k++) {
        if (k === at) {
          certificates.push({ ...target.firefox, rawDER: raw.raw });
          continue;
        }
        const other = rng.pick(sources.filter((s) => !s.bundled));
        certificates.push(rng.chance(0.3) ? { ...other.firefox, rawDER: corrupt(other.der, rng, target.der).der } : other.firefox);
      }
      const settings: AnalyzerLists = {
        blocklist: way ? await blockEntry(way, target.firefox) : [],
        // Nothing silences a blocked certificate, not even allowlisting it.
        allowlist: rng.chance(0.3) ? parseList([{ sha256: target.firefox.fingerprint.sha256 }], "allowlist", "policy").entries : [],
      };
      if (way && way !== "bundled") expect(settings.blocklist).toHaveLength(1);
      step.note(`at ${at} of ${length}${settings.allowlist.length ? ", also allowlisted" : ""}`);

      // A fresh analyzer: its certificate cache would otherwise answer from an earlier iteration's bytes.
      const analyzer = new ChainAnalyzer(bundledIndex, settings);
      const info: SecurityInfo = { state: "secure", certificates };
      const first = analyzeSafely(analyzer, info, step);
      const again = analyzeSafely(analyzer, info, step); // the cached path
      if (way) {
        expectBlockedAt(first, at);
        expectBlockedAt(again, at);
      }
      // The analyst sees which certificate it was, by Firefox's own fingerprint.
      must(first.chain[at].sha256 === target.firefox.fingerprint.sha256, () => `chain[${at}] shows ${first.chain[at].sha256}`);
    });
    expect(ran).toBeGreaterThan(0);
  });
});

describe("the hot-path DER walk", () => {
  function checkRead(der: Uint8Array): void {
    let result: ReturnType<typeof readCertificate> | undefined;
    try {
      result = readCertificate(der);
    } catch (error) {
      // A precise, catchable error, never a TypeError from reading past the end.
      must(error instanceof DerError && error.message !== "", () => `threw ${String(error)} (${(error as Error)?.constructor?.name}), not a DerError`);
      return;
    }
    must(/^[0-9a-f]+$/.test(result.serial), () => `serial "${result.serial}"`);
    must(/^\d+(\.\d+)+$/.test(result.signatureAlgorithm), () => `signature algorithm "${result.signatureAlgorithm.slice(0, 80)}"`);
    const bits = result.key.bits;
    must(bits === null || (Number.isSafeInteger(bits) && bits >= 0), () => `key of ${bits} bits`);
    for (const name of [result.issuer, result.subject, result.spki]) {
      // Views into the input, each a whole SEQUENCE.
      must(
        name.buffer === der.buffer && name[0] === 0x30 && name.byteOffset + name.length <= der.byteOffset + der.length,
        () => "a name or key outside the input, or not a SEQUENCE",
      );
    }
  }

  test("random corruption: returns facts or throws a DerError", async () => {
    const ran = await fuzz("readCertificate", { iterations: 20_000, ms: 400 }, ({ rng, note }) => {
      const seed = rng.pick(seeds);
      const corrupted = corrupt(seed.der, rng, rng.pick(seeds).der);
      note(`${seed.name}: ${corrupted.what}`);
      checkRead(corrupted.der);
    });
    expect(ran).toBeGreaterThan(0);
  });

  test("every truncation point and every length rewrite of generated certificates", () => {
    const rng = new Rng(1);
    for (const { der } of sources.slice(0, 3)) {
      for (const at of truncationPoints(der)) checkRead(der.subarray(0, at));
      for (const span of tlvSpans(der)) {
        for (const rewrite of LENGTH_REWRITES) {
          const octets = rewrite.octets(span.end - span.content, rng);
          checkRead(Uint8Array.from([...der.subarray(0, span.lengthAt), ...octets, ...der.subarray(span.content)]));
        }
      }
    }
  });

  test.each(hostileCertificates().map((h) => [h.name, h.der] as const))("hostile but well-formed: %s", (_, der) => {
    checkRead(der);
  });
});

describe("hostile certificates and SecurityInfo shapes in a long-lived analyzer", () => {
  test("mixed hostile chains: never a throw, findings always point at a shown certificate", async () => {
    // The hostile certificates are on the policy's blocklist (by Firefox's SHA-256 of their bytes).
    const policy = parseList(
      hostile.map((h) => ({ sha256: h.firefox.fingerprint.sha256 })),
      "blocklist",
      "policy",
    );
    expect(policy.issues).toEqual([]);
    // Small caches, so that eviction runs too.
    const analyzer = new ChainAnalyzer(bundledIndex, { blocklist: policy.entries, allowlist: [] }, { certificateCacheSize: 16, verdictCacheSize: 8 });
    const blocked = sources.filter((s) => s.bundled);
    const ran = await fuzz("mixed hostile chains", { iterations: 5000, ms: 700 }, (step) => {
      const { rng } = step;
      if (rng.chance(0.05)) {
        const info = rng.pick<unknown>([
          undefined,
          null,
          {},
          5,
          "info",
          { certificates: null },
          { certificates: {} },
          { certificates: "abc" },
          { certificates: { length: 3 } },
          { state: "secure", certificates: [] },
        ]);
        step.note(`info ${show(info)}`);
        analyzeSafely(analyzer, info, step);
        return;
      }
      const length = rng.chance(0.02) ? rng.between(100, 1000) : rng.between(1, 5);
      const certificates: unknown[] = [];
      const blockedAt: number[] = [];
      for (let k = 0; k < length; k++) {
        const kind = rng.int(5);
        if (kind === 0) {
          blockedAt.push(k);
          const b = rng.pick(blocked);
          certificates.push(rng.chance(0.5) ? b.firefox : { ...b.firefox, rawDER: corrupt(b.der, rng, b.der).der });
          if (length < 10) step.note(`${k}: blocked ${b.name}`);
        } else if (kind === 1) {
          const h = rng.pick(hostile);
          blockedAt.push(k);
          certificates.push(h.firefox);
          if (length < 10) step.note(`${k}: hostile "${h.name}"`);
        } else if (kind === 2) {
          // Corrupted bytes with the fingerprints Firefox would compute over them: new to the cache.
          const s = rng.pick(seeds);
          const corrupted = corrupt(s.der, rng, rng.pick(seeds).der);
          certificates.push(firefoxEntryForBytes(corrupted.der, rawForm(corrupted.der, rng).raw));
          if (length < 10) step.note(`${k}: ${s.name} ${corrupted.what}`);
        } else if (kind === 3) {
          if (length < 10) step.note(`${k}: shape`);
          certificates.push(hostileShape(rng.pick(sources).firefox, rng, step));
        } else {
          certificates.push(rng.pick(sources.filter((s) => !s.bundled)).firefox);
        }
      }
      if (rng.chance(0.05)) {
        const hole = rng.int(length);
        delete certificates[hole];
        step.note(`with a hole at ${hole}`);
        blockedAt.splice(blockedAt.indexOf(hole) >>> 0, blockedAt.includes(hole) ? 1 : 0);
      }
      const info = { state: "secure", certificates };
      const verdict = analyzeSafely(analyzer, info, step);
      for (const k of blockedAt) expectBlockedAt(verdict, k);
      if (rng.chance(0.3)) {
        const again = analyzeSafely(analyzer, info, step);
        for (const k of blockedAt) expectBlockedAt(again, k);
      }
    });
    expect(ran).toBeGreaterThan(0);
  });

  test("Firefox's {} for a null server certificate, next to a blocked root", () => {
    const diginotar = sources.find((s) => colonHexToHex(s.firefox.fingerprint.sha256) === DIGINOTAR_ROOT)!;
    const analyzer = new ChainAnalyzer(bundledIndex);
    analyzeSafely(analyzer, { state: "secure", certificates: [{}] });
    const verdict = analyzeSafely(analyzer, { state: "secure", certificates: [{}, diginotar.firefox] });
    expectBlockedAt(verdict, 1);
    expect(verdict.findings).toContainEqual(expect.objectContaining({ ruleId: "analysis-error", certIndex: 0 }));
  });

  test("1,000 certificates, one of them blocked", () => {
    const diginotar = sources.find((s) => colonHexToHex(s.firefox.fingerprint.sha256) === DIGINOTAR_ROOT)!;
    const certificates = Array.from({ length: 1000 }, (_, i) => (i === 777 ? diginotar.firefox : sources[i % 5].firefox));
    expectBlockedAt(analyzeSafely(new ChainAnalyzer(bundledIndex), { state: "secure", certificates }), 777);
  });

  test("a blocked certificate whose rawDER is missing, empty, out of range or 1 MiB of zeros", () => {
    const diginotar = sources.find((s) => colonHexToHex(s.firefox.fingerprint.sha256) === DIGINOTAR_ROOT)!;
    for (const rawDER of [undefined, [], [256, -1, 1e9, NaN], Array.from(diginotar.der, (b) => b - 256), new Uint8Array(1 << 20)]) {
      expectBlockedAt(analyzeSafely(new ChainAnalyzer(bundledIndex), { state: "secure", certificates: [{ ...diginotar.firefox, rawDER }] }), 0);
    }
  });
});

describe("the analyst's certificate view", () => {
  async function checkDescribe(der: Uint8Array): Promise<void> {
    let details;
    try {
      details = await describeCertificate(der);
    } catch (error) {
      expect(isError(error)).toBe(true);
      expect(typeof (error as Error).message).toBe("string");
      return;
    }
    expect(typeof details.subject).toBe("string");
    expect(details.sha256).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  }

  test("random corruption: resolves or rejects with an Error", async () => {
    const ran = await fuzz("describeCertificate", { iterations: 2000, ms: 400 }, async ({ rng, note }) => {
      const seed = rng.pick(sources);
      const corrupted = corrupt(seed.der, rng, rng.pick(sources).der);
      note(`${seed.name}: ${corrupted.what}`);
      await checkDescribe(corrupted.der);
    });
    expect(ran).toBeGreaterThan(0);
  });

  test("hostile but well-formed certificates resolve or reject with an Error", async () => {
    // Not the hot path, and its decoder (asn1js) spends about 15 µs per OID arc: the 100,000-arc
    // cases take seconds there, so the view gets the same shapes at a fiftieth of the size.
    for (const h of hostileCertificates({ scale: 0.02 })) await checkDescribe(h.der);
  });
});
