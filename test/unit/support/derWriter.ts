/**
 * A tiny DER writer, for certificates no CA library would produce: hostile but well-formed
 * structures (huge OIDs, thousands of RDNs, odd keys) built field by field. Lengths are always
 * minimal definite DER; malformed encodings are made by corrupting these bytes afterwards.
 */

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The minimal DER length octets for `n`. */
export function lengthOctets(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content);
  return concat([Uint8Array.of(tag), lengthOctets(body.length), body]);
}

export const seq = (...content: Uint8Array[]) => tlv(0x30, ...content);
export const set = (...content: Uint8Array[]) => tlv(0x31, ...content);
/** [n] EXPLICIT */
export const explicit = (n: number, ...content: Uint8Array[]) => tlv(0xa0 | n, ...content);
export const nul = () => Uint8Array.of(0x05, 0x00);
export const octets = (content: Uint8Array) => tlv(0x04, content);
export const utf8 = (text: string) => tlv(0x0c, new TextEncoder().encode(text));
export const bool = (value: boolean) => Uint8Array.of(0x01, 0x01, value ? 0xff : 0x00);
/** BIT STRING with no unused bits. */
export const bits = (content: Uint8Array) => tlv(0x03, Uint8Array.of(0), content);
/** INTEGER with exactly these content bytes (sign and padding are the caller's business). */
export const int = (content: Uint8Array | readonly number[]) => tlv(0x02, Uint8Array.from(content));

/** An OBJECT IDENTIFIER from dotted text or arcs. */
export function oid(value: string | readonly number[]): Uint8Array {
  const arcs = typeof value === "string" ? value.split(".").map(Number) : value;
  const out: number[] = [];
  const base128 = (n: number) => {
    const digits = [n % 128];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) digits.unshift(0x80 | (v % 128));
    out.push(...digits);
  };
  base128(arcs[0] * 40 + arcs[1]);
  for (let i = 2; i < arcs.length; i++) base128(arcs[i]);
  return tlv(0x06, Uint8Array.from(out));
}

export const algorithm = (id: string | Uint8Array, params?: Uint8Array) => seq(typeof id === "string" ? oid(id) : id, ...(params ? [params] : []));

/** A Name with one RDN per attribute: [["2.5.4.3", "Example"], …]. */
export const name = (attributes: readonly (readonly [string, string])[]) => seq(...attributes.map(([type, value]) => set(seq(oid(type), utf8(value)))));

const utcTime = (date: string) => tlv(0x17, new TextEncoder().encode(date));

export const OID = {
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha1WithRSA: "1.2.840.113549.1.1.5",
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  dsa: "1.2.840.10040.4.1",
  dsaWithSha256: "2.16.840.1.101.3.4.3.2",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  sha256: "2.16.840.1.101.3.4.2.1",
  commonName: "2.5.4.3",
  certificatePolicies: "2.5.29.32",
} as const;

/** An EC P-256 key with a fixed (not on-curve: nothing here verifies) uncompressed point. */
export const P256_SPKI = seq(algorithm(OID.ecPublicKey, oid(OID.p256)), bits(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : i))));

export interface CertificateParts {
  serial: Uint8Array;
  /** Both signature AlgorithmIdentifiers (the TBS one and the outer one), unless `outerSignature` is set. */
  signature: Uint8Array;
  outerSignature?: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  /** Each a full Extension SEQUENCE; none → no [3] field. */
  extensions: Uint8Array[];
  signatureValue: Uint8Array;
}

/** A v3 certificate from parts, every part defaulting to something ordinary. */
export function certificate(parts: Partial<CertificateParts> = {}): Uint8Array {
  const p: CertificateParts = {
    serial: int([0x01]),
    signature: algorithm(OID.sha256WithRSA, nul()),
    issuer: name([[OID.commonName, "Hand-built Issuer"]]),
    subject: name([[OID.commonName, "Hand-built Subject"]]),
    spki: P256_SPKI,
    extensions: [],
    signatureValue: bits(new Uint8Array(64).fill(0x5a)),
    ...parts,
  };
  const tbs = seq(
    explicit(0, int([0x02])),
    p.serial,
    p.signature,
    p.issuer,
    seq(utcTime("250101000000Z"), utcTime("350101000000Z")),
    p.subject,
    p.spki,
    ...(p.extensions.length ? [explicit(3, seq(...p.extensions))] : []),
  );
  return seq(tbs, p.outerSignature ?? p.signature, p.signatureValue);
}

export const extension = (id: string | Uint8Array, value: Uint8Array, critical = false) =>
  seq(typeof id === "string" ? oid(id) : id, ...(critical ? [bool(true)] : []), octets(value));

/** `depth` SEQUENCEs, each holding the next, the innermost empty; written in one pass (no re-copying per level). */
export function nested(depth: number): Uint8Array {
  const sizes = [2]; // encoded size of each level, innermost first
  for (let k = 1; k < depth; k++) sizes.push(1 + lengthOctets(sizes[k - 1]).length + sizes[k - 1]);
  const out = new Uint8Array(sizes[depth - 1]);
  let at = 0;
  for (let k = depth - 1; k >= 1; k--) {
    out[at++] = 0x30;
    const length = lengthOctets(sizes[k - 1]);
    out.set(length, at);
    at += length.length;
  }
  out.set([0x30, 0x00], at);
  return out;
}
