/**
 * Seeded, bounded fuzzing for the adversarial suite: a small deterministic PRNG, DER mutators that
 * aim at the places a decoder trips (TLV boundaries, length fields), and a loop that stops at an
 * iteration count or a time budget, whichever comes first, and names its seed when it fails.
 *
 * Every iteration has its own seed, derived from FUZZ_SEED, the loop's name and the iteration
 * number, so a failure replays alone whatever the time budget let run before it:
 *   FUZZ_SEED=<seed> FUZZ_ITERATION=<i> npx jest test/unit/adversarial
 * FUZZ_ITERATIONS and FUZZ_TIME_MS raise (or lower) every loop's bounds for a longer run.
 */
import { createHash } from "node:crypto";
import { bytesToBase64, hexToColonHex } from "../../../src/encoding";
import type { FirefoxCertificate } from "../../../src/securityInfo";

const envNumber = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
};

export const FUZZ_SEED = envNumber("FUZZ_SEED") ?? 20_260_902;
const REPLAY = envNumber("FUZZ_ITERATION");

/** mulberry32: tiny, fast, and good enough to pick mutations. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  /** Four bytes per draw: 1 MiB of garbage stays cheap. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length + 3);
    const words = new Uint32Array(out.buffer, 0, (length + 3) >> 2);
    for (let i = 0; i < words.length; i++) words[i] = this.uint32();
    return out.subarray(0, length);
  }
}

/** FNV-1a: turns (seed, loop, iteration) into an independent seed per iteration. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface FuzzStep {
  rng: Rng;
  /** Records what the iteration built, for the failure message. */
  note(step: string): void;
}

/**
 * Runs `body` for up to `iterations` iterations or `ms` milliseconds. The budget only stops the
 * loop (nothing asserts how long anything took). Returns how many iterations ran.
 */
export async function fuzz(
  name: string,
  limits: { iterations: number; ms: number },
  body: (step: FuzzStep, i: number) => void | Promise<void>,
): Promise<number> {
  const iterations = envNumber("FUZZ_ITERATIONS") ?? limits.iterations;
  const ms = envNumber("FUZZ_TIME_MS") ?? limits.ms;
  const first = REPLAY ?? 0;
  const last = REPLAY ?? iterations - 1;
  const started = Date.now();
  let i = first;
  for (; i <= last; i++) {
    if (REPLAY === undefined && Date.now() - started > ms) break;
    const steps: string[] = [];
    const rng = new Rng(hash32(`${FUZZ_SEED}:${name}:${i}`));
    try {
      await body({ rng, note: (s) => steps.push(s) }, i);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `fuzz "${name}" failed at iteration ${i}; replay with FUZZ_SEED=${FUZZ_SEED} FUZZ_ITERATION=${i} npx jest test/unit/adversarial\n` +
          `input: ${steps.join(" → ") || "(nothing noted)"}\n${message}`,
      );
    }
  }
  return i - first;
}

// DER structure -------------------------------------------------------------------------------

export interface TlvSpan {
  start: number;
  /** Offset of the first length octet. */
  lengthAt: number;
  content: number;
  end: number;
}

/**
 * The TLVs of a DER value, nested ones included (also inside BIT and OCTET STRINGs, where
 * certificates keep keys and extension values). Lenient: stops where the bytes stop parsing.
 */
export function tlvSpans(der: Uint8Array, max = 20_000): TlvSpan[] {
  const out: TlvSpan[] = [];
  const walk = (from: number, to: number, depth: number) => {
    let pos = from;
    while (pos + 2 <= to && out.length < max) {
      const tag = der[pos];
      let length = der[pos + 1];
      let content = pos + 2;
      if (length & 0x80) {
        const n = length & 0x7f;
        if (n === 0 || n > 4 || content + n > to) return;
        length = 0;
        for (let i = 0; i < n; i++) length = length * 256 + der[content + i];
        content += n;
      }
      if (content + length > to) return;
      out.push({ start: pos, lengthAt: pos + 1, content, end: content + length });
      if (depth < 40) {
        if (tag & 0x20) walk(content, content + length, depth + 1);
        else if (tag === 0x04) walk(content, content + length, depth + 1);
        else if (tag === 0x03) walk(content + 1, content + length, depth + 1);
      }
      pos = content + length;
    }
  };
  walk(0, der.length, 0);
  return out;
}

/** Where a truncation is most likely to confuse a decoder: around every tag, length and end. */
export function truncationPoints(der: Uint8Array): number[] {
  const points = new Set<number>([0, 1, der.length - 1]);
  for (const s of tlvSpans(der)) {
    for (const p of [s.start, s.lengthAt, s.lengthAt + 1, s.content - 1, s.content, s.content + 1, s.end - 1, s.end]) {
      if (p >= 0 && p < der.length) points.add(p);
    }
  }
  return [...points].sort((a, b) => a - b);
}

const lengthOctets = (n: number): number[] => {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
};

/** Length-field rewrites: each keeps the content and lies about it in its own way. */
export const LENGTH_REWRITES: readonly { name: string; octets(actual: number, rng: Rng): number[] }[] = [
  { name: "non-minimal long form", octets: (n) => [0x84, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff] },
  { name: "past the end", octets: (n, rng) => lengthOctets(n + rng.between(1, 1000)) },
  { name: "one short", octets: (n) => lengthOctets(Math.max(0, n - 1)) },
  { name: "indefinite (0x80)", octets: () => [0x80] },
  { name: "huge (0x84 ffffffff)", octets: () => [0x84, 0xff, 0xff, 0xff, 0xff] },
  { name: "2^31 (0x84 80000000)", octets: () => [0x84, 0x80, 0, 0, 0] },
  { name: "8 length octets", octets: (_, rng) => [0x88, ...rng.bytes(8)] },
  { name: "127 length octets", octets: () => [0xff] },
  { name: "zero", octets: () => [0x00] },
  { name: "random byte", octets: (_, rng) => [rng.int(256)] },
];

const splice = (der: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(der.length - remove + insert.length);
  out.set(der.subarray(0, at), 0);
  out.set(insert, at);
  out.set(der.subarray(at + remove), at + insert.length);
  return out;
};

type Mutator = (der: Uint8Array, rng: Rng, donor: Uint8Array) => { der: Uint8Array; what: string };

const spanOf = (der: Uint8Array, rng: Rng): TlvSpan | null => {
  const spans = tlvSpans(der);
  return spans.length ? rng.pick(spans) : null;
};

const MUTATORS: readonly Mutator[] = [
  (der, rng) => {
    const out = der.slice();
    const flips = rng.between(1, 8);
    for (let i = 0; i < flips && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return { der: out, what: `${flips} bit flip(s)` };
  },
  (der, rng) => {
    const at = rng.int(der.length + 1);
    const n = rng.between(1, 16);
    return { der: splice(der, at, 0, rng.bytes(n)), what: `${n} byte(s) inserted at ${at}` };
  },
  (der, rng) => {
    const at = rng.int(der.length + 1);
    const n = Math.min(rng.between(1, 16), der.length - at);
    return { der: splice(der, at, n, []), what: `${n} byte(s) deleted at ${at}` };
  },
  (der, rng) => {
    const points = truncationPoints(der);
    const at = points.length ? rng.pick(points) : 0;
    return { der: der.slice(0, at), what: `truncated at ${at} (a TLV boundary)` };
  },
  (der, rng) => {
    const at = rng.int(der.length + 1);
    return { der: der.slice(0, at), what: `truncated at ${at}` };
  },
  (der, rng) => {
    const span = spanOf(der, rng);
    if (!span) return { der: der.slice(), what: "no TLV to rewrite" };
    const rewrite = rng.pick(LENGTH_REWRITES);
    const octets = rewrite.octets(span.end - span.content, rng);
    return { der: splice(der, span.lengthAt, span.content - span.lengthAt, octets), what: `length at ${span.lengthAt} rewritten: ${rewrite.name}` };
  },
  (der, rng) => {
    const span = spanOf(der, rng);
    if (!span) return { der: der.slice(), what: "no TLV to retag" };
    const tag = rng.pick([0x1f, 0xff, 0x00, 0x05, 0x30, 0x31, 0xa0, 0xa3, 0x02, 0x06, 0x03, 0x04, rng.int(256)]);
    const out = der.slice();
    out[span.start] = tag;
    return { der: out, what: `tag at ${span.start} → 0x${tag.toString(16)}` };
  },
  (der, rng, donor) => {
    const span = spanOf(der, rng);
    const from = spanOf(donor, rng);
    if (!span || !from) return { der: der.slice(), what: "no TLV to splice" };
    return {
      der: splice(der, span.start, span.end - span.start, donor.subarray(from.start, from.end)),
      what: `TLV at ${span.start} replaced by a TLV of another certificate`,
    };
  },
  (der, rng) => {
    const span = spanOf(der, rng);
    if (!span) return { der: der.slice(), what: "no TLV to duplicate" };
    return { der: splice(der, span.end, 0, der.subarray(span.start, span.end)), what: `TLV at ${span.start} duplicated` };
  },
  (der, rng) => {
    const n = rng.between(1, 4096);
    return { der: splice(der, der.length, 0, rng.bytes(n)), what: `${n} garbage byte(s) appended` };
  },
  (der, rng) => {
    const span = spanOf(der, rng);
    if (!span) return { der: der.slice(), what: "no TLV to empty" };
    return { der: splice(der, span.content, span.end - span.content, []), what: `content of TLV at ${span.start} removed` };
  },
];

/** Whole-input replacements: sizes and shapes no certificate has. */
const REPLACEMENTS: readonly ((rng: Rng, der: Uint8Array) => { der: Uint8Array; what: string })[] = [
  () => ({ der: new Uint8Array(0), what: "empty" }),
  (rng) => {
    const b = rng.pick([0x30, 0x00, 0xff, rng.int(256)]);
    return { der: Uint8Array.of(b), what: `the single byte 0x${b.toString(16)}` };
  },
  (rng) => ({ der: rng.bytes(rng.between(2, 2048)), what: "random garbage" }),
  (rng) => {
    const out = rng.bytes(1 << 20);
    if (rng.chance(0.5)) out.set([0x30, 0x83, 0x0f, 0xff, 0xfb]); // a SEQUENCE claiming exactly the rest
    return { der: out, what: "1 MiB of garbage" };
  },
  (rng, der) => {
    const n = rng.pick([1, 1 << 10, 1 << 20]);
    const out = new Uint8Array(der.length + n);
    out.set(der);
    return { der: out, what: `a valid certificate padded with ${n} zero byte(s)` };
  },
  (_, der) => {
    const out = new Uint8Array(der.length + 4);
    out.set([0x30, 0x82, der.length >> 8, der.length & 0xff]);
    out.set(der, 4);
    return { der: out, what: "the certificate wrapped in another SEQUENCE" };
  },
];

/** One to three mutations of `der`, or (sometimes) a whole replacement; always a new array. */
export function corrupt(der: Uint8Array, rng: Rng, donor: Uint8Array): { der: Uint8Array; what: string } {
  if (rng.chance(0.08)) {
    // The 1 MiB replacement is costly to analyse: keep it rare.
    const replacement = rng.chance(0.15) ? REPLACEMENTS[3] : rng.pick(REPLACEMENTS.filter((_, i) => i !== 3));
    return replacement(rng, der);
  }
  let out = der;
  const whats: string[] = [];
  for (let n = rng.between(1, 3); n > 0; n--) {
    const step = rng.pick(MUTATORS)(out, rng, donor);
    out = step.der;
    whats.push(step.what);
  }
  return { der: out, what: whats.join(", ") };
}

// Firefox-like entries ------------------------------------------------------------------------

const digest = (algorithm: "sha1" | "sha256", data: Uint8Array) => createHash(algorithm).update(data).digest();

/**
 * The certificate entry Firefox would report for bytes no X.509 library can read (it computes
 * fingerprints over the bytes itself). The SPKI digest stands in for the key's: any well-formed
 * base64 SHA-256 will do, since these bytes may have no readable key.
 */
export function firefoxEntryForBytes(der: Uint8Array, rawDER: ArrayLike<number> = Array.from(der)): FirefoxCertificate {
  return {
    subject: "CN=Hostile",
    issuer: "CN=Hostile",
    validity: { start: Date.UTC(2025, 0, 1), end: Date.UTC(2035, 0, 1) },
    fingerprint: { sha1: hexToColonHex(digest("sha1", der).toString("hex")), sha256: hexToColonHex(digest("sha256", der).toString("hex")) },
    serialNumber: "01",
    isBuiltInRoot: false,
    subjectPublicKeyInfoDigest: { sha256: bytesToBase64(digest("sha256", Uint8Array.of(...Buffer.from("spki"), ...digest("sha256", der)))) },
    rawDER,
  };
}
