/**
 * A minimal DER walk over an X.509 certificate: just the fields the rules and the blocklist need
 * (serial, issuer and subject names, key type and size, signature algorithm). Full parsing with
 * @peculiar/x509 waits until an analyst opens the certificate (see certificateView.ts); this walk
 * is what runs, once per never-seen certificate, on the hot path.
 */
import { bytesToHex, normalizeSerialHex } from "./encoding";

export class DerError extends Error {}

export interface KeyInfo {
  /** "RSA", "EC", "Ed25519", "Ed448", "DSA", or the algorithm OID when unknown. */
  type: string;
  /** Modulus bits (RSA, DSA), field size (EC), or null when it cannot be told. */
  bits: number | null;
  /** Named curve for EC keys, e.g. "P-256". */
  curve?: string;
}

export interface DerCertificate {
  /** Serial as lowercase hex without leading zero bytes. */
  serial: string;
  /**
   * The full DER encodings (tag and length included) of the issuer and subject names and of the
   * SubjectPublicKeyInfo, exactly as in the certificate; views into the input, not copies.
   */
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  key: KeyInfo;
  /** Outer signatureAlgorithm OID, and for RSASSA-PSS the OID of its hash. */
  signatureAlgorithm: string;
  signatureHash: string | null;
}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  content: number;
  /** Offset just past the content. */
  end: number;
}

export function readTlv(buf: Uint8Array, pos: number, limit: number, what: string): Tlv {
  if (pos + 2 > limit) throw new DerError(`truncated before ${what} (offset ${pos})`);
  const tag = buf[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported multi-byte tag at ${what} (offset ${pos})`);
  let length = buf[pos + 1];
  let content = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at ${what} (offset ${pos}): not DER`);
    if (n > 4) throw new DerError(`length of ${n} bytes at ${what} (offset ${pos})`);
    if (content + n > limit) throw new DerError(`truncated length at ${what} (offset ${pos})`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[content + i];
    content += n;
  }
  const end = content + length;
  if (end > limit) throw new DerError(`${what} claims ${length} bytes but only ${limit - content} remain (truncated)`);
  return { tag, start: pos, content, end };
}

function expect(buf: Uint8Array, pos: number, limit: number, tag: number, what: string): Tlv {
  const tlv = readTlv(buf, pos, limit, what);
  if (tlv.tag !== tag) throw new DerError(`expected ${what} (tag 0x${tag.toString(16)}) at offset ${pos}, found tag 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** Above this, one more base-128 digit would pass Number.MAX_SAFE_INTEGER. */
const MAX_ARC_BEFORE_SHIFT = Math.floor((Number.MAX_SAFE_INTEGER - 127) / 128);

/**
 * OBJECT IDENTIFIER content → dotted string. Strict, since the string is compared with known OIDs:
 * a non-minimal arc (leading 0x80) or a truncated last arc would otherwise decode to the same
 * string as the real OID, and an arc beyond 2^53 would be rounded into another value.
 */
export function decodeOid(buf: Uint8Array, tlv: Tlv): string {
  if (tlv.content === tlv.end) throw new DerError(`empty OBJECT IDENTIFIER (offset ${tlv.start})`);
  const parts: number[] = [];
  let value = 0;
  let arcStart = true;
  for (let i = tlv.content; i < tlv.end; i++) {
    if (arcStart && buf[i] === 0x80) throw new DerError(`OBJECT IDENTIFIER arc with a leading zero byte (offset ${i}): not DER`);
    if (value > MAX_ARC_BEFORE_SHIFT) throw new DerError(`OBJECT IDENTIFIER arc too large (offset ${i})`);
    value = value * 128 + (buf[i] & 0x7f);
    arcStart = !(buf[i] & 0x80);
    if (arcStart) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  if (!arcStart) throw new DerError(`OBJECT IDENTIFIER ends inside an arc (offset ${tlv.start})`);
  return parts.join(".");
}

/** Bit length of an INTEGER's content read as unsigned; `what` is the field, for the error. */
function integerBits(buf: Uint8Array, tlv: Tlv, what: string): number {
  if (tlv.content === tlv.end) throw new DerError(`empty INTEGER for ${what} (offset ${tlv.start})`);
  let i = tlv.content;
  while (i < tlv.end - 1 && buf[i] === 0) i++;
  const first = buf[i];
  return (tlv.end - i - 1) * 8 + (first === 0 ? 0 : 32 - Math.clz32(first));
}

/** A key size: a positive INTEGER (a negative modulus or prime is no key, so its size means nothing). */
function keyBits(buf: Uint8Array, tlv: Tlv, what: string): number {
  if (tlv.end > tlv.content && buf[tlv.content] & 0x80) throw new DerError(`negative ${what} (offset ${tlv.start})`);
  return integerBits(buf, tlv, what);
}

const OID_SHA1 = "1.3.14.3.2.26";
const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";

const CURVES: Record<string, [string, number]> = {
  "1.2.840.10045.3.1.1": ["P-192", 192],
  "1.3.132.0.33": ["P-224", 224],
  "1.2.840.10045.3.1.7": ["P-256", 256],
  "1.3.132.0.34": ["P-384", 384],
  "1.3.132.0.35": ["P-521", 521],
  "1.3.132.0.10": ["secp256k1", 256],
  "1.3.36.3.3.2.8.1.1.7": ["brainpoolP256r1", 256],
  "1.3.36.3.3.2.8.1.1.11": ["brainpoolP384r1", 384],
  "1.3.36.3.3.2.8.1.1.13": ["brainpoolP512r1", 512],
};

function readKey(buf: Uint8Array, spki: Tlv): KeyInfo {
  const alg = expect(buf, spki.content, spki.end, 0x30, "SubjectPublicKeyInfo.algorithm");
  const oidTlv = expect(buf, alg.content, alg.end, 0x06, "public key algorithm OID");
  const oid = decodeOid(buf, oidTlv);
  const params = oidTlv.end < alg.end ? readTlv(buf, oidTlv.end, alg.end, "algorithm parameters") : null;
  const bits = expect(buf, alg.end, spki.end, 0x03, "subjectPublicKey");
  switch (oid) {
    case "1.2.840.113549.1.1.1":
    case OID_RSASSA_PSS: {
      // BIT STRING: one byte of unused bits, then RSAPublicKey ::= SEQUENCE { modulus, exponent }
      const rsa = expect(buf, bits.content + 1, bits.end, 0x30, "RSAPublicKey");
      return { type: "RSA", bits: keyBits(buf, expect(buf, rsa.content, rsa.end, 0x02, "RSA modulus"), "RSA modulus") };
    }
    case "1.2.840.10045.2.1": {
      if (params?.tag === 0x06) {
        const curveOid = decodeOid(buf, params);
        const known = CURVES[curveOid];
        if (known) return { type: "EC", curve: known[0], bits: known[1] };
        return { type: "EC", curve: curveOid, bits: pointBits(buf, bits) };
      }
      return { type: "EC", bits: null };
    }
    case "1.3.101.112":
      return { type: "Ed25519", bits: 256 };
    case "1.3.101.113":
      return { type: "Ed448", bits: 456 };
    case "1.2.840.10040.4.1": {
      if (params?.tag !== 0x30) return { type: "DSA", bits: null };
      return { type: "DSA", bits: keyBits(buf, expect(buf, params.content, params.end, 0x02, "DSA p"), "DSA p") };
    }
    default:
      return { type: oid, bits: null };
  }
}

/** The key type, size and curve of a bare SubjectPublicKeyInfo (e.g. a feed's pinned SPKI PEM). */
export function readPublicKeyInfo(der: Uint8Array): KeyInfo {
  const spki = expect(der, 0, der.length, 0x30, "SubjectPublicKeyInfo");
  if (spki.end !== der.length) throw new DerError(`${der.length - spki.end} trailing bytes after the SubjectPublicKeyInfo`);
  return readKey(der, spki);
}

/**
 * Field size of an EC point in a subjectPublicKey BIT STRING (unused-bits byte, then the point):
 * uncompressed 04 || X || Y, or compressed 02/03 || X. Anything else has no size to tell.
 */
function pointBits(buf: Uint8Array, bits: Tlv): number | null {
  const length = bits.end - bits.content - 2; // without the unused-bits byte and the point's format byte
  if (length <= 0) return null;
  const format = buf[bits.content + 1];
  if (format === 0x04 && length % 2 === 0) return (length / 2) * 8;
  if (format === 0x02 || format === 0x03) return length * 8;
  return null;
}

/** RSASSA-PSS names its hash in parameters; absent means SHA-1 (RFC 4055). */
function pssHash(buf: Uint8Array, alg: Tlv, oidEnd: number): string {
  if (oidEnd >= alg.end) return OID_SHA1;
  const params = readTlv(buf, oidEnd, alg.end, "RSASSA-PSS parameters");
  if (params.tag !== 0x30 || params.content >= params.end) return OID_SHA1;
  const first = readTlv(buf, params.content, params.end, "RSASSA-PSS hashAlgorithm");
  if (first.tag !== 0xa0) return OID_SHA1;
  const hashAlg = expect(buf, first.content, first.end, 0x30, "hashAlgorithm");
  return decodeOid(buf, expect(buf, hashAlg.content, hashAlg.end, 0x06, "hash OID"));
}

/**
 * Walks the certificate; throws DerError with a precise message on anything that is not a
 * well-formed DER certificate (truncation, trailing bytes, wrong structure).
 */
export function readCertificate(der: Uint8Array): DerCertificate {
  const cert = expect(der, 0, der.length, 0x30, "Certificate");
  if (cert.end !== der.length) throw new DerError(`${der.length - cert.end} trailing bytes after the certificate`);
  const tbs = expect(der, cert.content, cert.end, 0x30, "TBSCertificate");
  let pos = tbs.content;
  if (der[pos] === 0xa0) pos = readTlv(der, pos, tbs.end, "version").end;
  const serial = expect(der, pos, tbs.end, 0x02, "serialNumber");
  if (serial.content === serial.end) throw new DerError(`empty serialNumber (offset ${serial.start})`);
  const innerSig = expect(der, serial.end, tbs.end, 0x30, "signature");
  const issuer = expect(der, innerSig.end, tbs.end, 0x30, "issuer");
  const validity = expect(der, issuer.end, tbs.end, 0x30, "validity");
  const subject = expect(der, validity.end, tbs.end, 0x30, "subject");
  const spki = expect(der, subject.end, tbs.end, 0x30, "subjectPublicKeyInfo");

  const sigAlg = expect(der, tbs.end, cert.end, 0x30, "signatureAlgorithm");
  const sigOidTlv = expect(der, sigAlg.content, sigAlg.end, 0x06, "signature algorithm OID");
  const signatureAlgorithm = decodeOid(der, sigOidTlv);
  expect(der, sigAlg.end, cert.end, 0x03, "signatureValue");

  return {
    serial: normalizeSerialHex(bytesToHex(der.subarray(serial.content, serial.end))),
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    spki: der.subarray(spki.start, spki.end),
    key: readKey(der, spki),
    signatureAlgorithm,
    signatureHash: signatureAlgorithm === OID_RSASSA_PSS ? pssHash(der, sigAlg, sigOidTlv.end) : null,
  };
}

/** Signature algorithms by OID, for explanations and the certificate view. */
export const SIGNATURE_ALGORITHMS: Record<string, string> = {
  "1.2.840.113549.1.1.2": "MD2 with RSA",
  "1.2.840.113549.1.1.4": "MD5 with RSA",
  "1.2.840.113549.1.1.5": "SHA-1 with RSA",
  "1.3.14.3.2.29": "SHA-1 with RSA",
  "1.2.840.113549.1.1.11": "SHA-256 with RSA",
  "1.2.840.113549.1.1.12": "SHA-384 with RSA",
  "1.2.840.113549.1.1.13": "SHA-512 with RSA",
  "1.2.840.113549.1.1.14": "SHA-224 with RSA",
  [OID_RSASSA_PSS]: "RSASSA-PSS",
  "1.2.840.10045.4.1": "ECDSA with SHA-1",
  "1.2.840.10045.4.3.1": "ECDSA with SHA-224",
  "1.2.840.10045.4.3.2": "ECDSA with SHA-256",
  "1.2.840.10045.4.3.3": "ECDSA with SHA-384",
  "1.2.840.10045.4.3.4": "ECDSA with SHA-512",
  "1.2.840.10040.4.3": "DSA with SHA-1",
  "2.16.840.1.101.3.4.3.2": "DSA with SHA-256",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
};

/** Signature algorithms whose hash is SHA-1 or weaker (MD2, MD5), collisions being practical. */
const BROKEN_HASH_SIGNATURES = new Set([
  "1.2.840.113549.1.1.2",
  "1.2.840.113549.1.1.4",
  "1.2.840.113549.1.1.5",
  "1.3.14.3.2.29",
  "1.2.840.10045.4.1",
  "1.2.840.10040.4.3",
]);

export function usesBrokenHash(c: Pick<DerCertificate, "signatureAlgorithm" | "signatureHash">): boolean {
  return BROKEN_HASH_SIGNATURES.has(c.signatureAlgorithm) || c.signatureHash === OID_SHA1;
}

export function signatureAlgorithmName(c: Pick<DerCertificate, "signatureAlgorithm" | "signatureHash">): string {
  const name = SIGNATURE_ALGORITHMS[c.signatureAlgorithm] ?? c.signatureAlgorithm;
  return c.signatureHash === OID_SHA1 ? `${name} (SHA-1)` : name;
}
