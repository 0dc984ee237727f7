/**
 * Signed Certificate Timestamps embedded in a certificate (RFC 6962 §3.3). The X.509 extension
 * 1.3.6.1.4.1.11129.2.4.2 holds an OCTET STRING whose content is a TLS-encoded
 * SignedCertificateTimestampList: a 2-byte length, then SCTs each behind a 2-byte length.
 *
 * The bytes are the certificate's, so the attacker's: every length is checked against the bytes that
 * hold it, at most MAX_SCTS are read, and a malformed list gives the SCTs read before the fault plus
 * a precise error for each fault, never an exception.
 */
import { DerError, readTlv } from "../der";
import { bytesToBase64, bytesToHex } from "../encoding";

export const OID_SCT_LIST = "1.3.6.1.4.1.11129.2.4.2";

/** Real certificates carry 2 to 5; a list longer than this is not read further. */
export const MAX_SCTS = 64;

/** The largest time a Date holds (ECMA-262 §21.4.1.22): a timestamp past it names no date. */
const MAX_DATE_MS = 8.64e15;

export interface Sct {
  /** 0 is v1, the only version RFC 6962 defines (others are reported as errors, not decoded). */
  version: number;
  /** SHA-256 of the log's public key. */
  logId: { base64: string; hex: string };
  /** Milliseconds since the epoch, as the log signed it. */
  timestamp: number;
  /** The same instant, ISO 8601. */
  time: string;
  /** Length of the CtExtensions field (empty from RFC 6962 logs; static-ct-api logs put the entry's index there). */
  extensionsLength: number;
  /** TLS HashAlgorithm (RFC 5246 §7.4.1.4.1), e.g. "SHA-256". */
  hashAlgorithm: string;
  /** TLS SignatureAlgorithm, e.g. "ECDSA". */
  signatureAlgorithm: string;
  /** Both, e.g. "ECDSA with SHA-256". */
  algorithm: string;
  signatureLength: number;
}

export interface SctList {
  scts: Sct[];
  /** What could not be read, in words; empty when the whole list decoded. */
  errors: string[];
}

const HASH_ALGORITHMS = ["none", "MD5", "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"];
const SIGNATURE_ALGORITHMS = ["anonymous", "RSA", "DSA", "ECDSA"];
const algorithmName = (names: string[], code: number) => names[code] ?? `unknown (${code})`;

class SctError extends Error {}

/** Reads big-endian TLS fields from buf[pos, end), refusing to read past `end`. */
class TlsReader {
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
    private readonly end: number,
    private readonly where: string,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  bytes(count: number, what: string): Uint8Array {
    if (count > this.remaining) {
      throw new SctError(`${this.where}: ${what} needs ${count} bytes but only ${this.remaining} remain (truncated)`);
    }
    const out = this.buf.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  uint(size: 1 | 2 | 4, what: string): number {
    return this.bytes(size, what).reduce((value, byte) => value * 256 + byte, 0);
  }

  /** A TLS opaque<0..2^16-1>: its length, after checking the content is all there. */
  skipVector16(what: string): number {
    const length = this.uint(2, `the length of ${what}`);
    this.bytes(length, what);
    return length;
  }
}

function decodeSct(buf: Uint8Array, start: number, end: number, where: string): Sct {
  const r = new TlsReader(buf, start, end, where);
  const version = r.uint(1, "the version");
  if (version !== 0) throw new SctError(`${where}: version ${version} is not v1 (0), the only one RFC 6962 defines, so it cannot be read`);
  const logId = r.bytes(32, "the log id");
  // uint64 milliseconds: read as two halves, since a Number holds 2^53 exactly and no more.
  const timestamp = r.uint(4, "the timestamp") * 2 ** 32 + r.uint(4, "the timestamp");
  if (timestamp > MAX_DATE_MS) throw new SctError(`${where}: the timestamp ${timestamp} ms is past any date`);
  const extensionsLength = r.skipVector16("the extensions");
  const hash = r.uint(1, "the hash algorithm");
  const signature = r.uint(1, "the signature algorithm");
  const signatureLength = r.skipVector16("the signature");
  if (r.remaining > 0) throw new SctError(`${where}: ${r.remaining} bytes after the signature`);
  const hashAlgorithm = algorithmName(HASH_ALGORITHMS, hash);
  const signatureAlgorithm = algorithmName(SIGNATURE_ALGORITHMS, signature);
  return {
    version,
    logId: { base64: bytesToBase64(logId), hex: bytesToHex(logId) },
    timestamp,
    time: new Date(timestamp).toISOString(),
    extensionsLength,
    hashAlgorithm,
    signatureAlgorithm,
    algorithm: `${signatureAlgorithm} with ${hashAlgorithm}`,
    signatureLength,
  };
}

/** The TLS-encoded SignedCertificateTimestampList (the OCTET STRING's content). */
export function decodeSctList(list: Uint8Array): SctList {
  const scts: Sct[] = [];
  const errors: string[] = [];
  if (list.length < 2) return { scts, errors: [`the SCT list is ${list.length} bytes, too short for its 2-byte length`] };
  const declared = list[0] * 256 + list[1];
  if (declared === 0) return { scts, errors: ["the SCT list is empty (RFC 6962 requires at least one SCT)"] };
  if (2 + declared > list.length) errors.push(`the SCT list claims ${declared} bytes but only ${list.length - 2} follow (truncated)`);
  if (2 + declared < list.length) errors.push(`${list.length - 2 - declared} bytes after the SCT list`);
  const end = Math.min(2 + declared, list.length);

  let pos = 2;
  for (let index = 1; pos < end; index++) {
    if (index > MAX_SCTS) {
      errors.push(`more than ${MAX_SCTS} SCTs: the rest of the list is not read`);
      break;
    }
    const where = `SCT ${index}`;
    if (pos + 2 > end) {
      errors.push(`${where}: truncated before its 2-byte length`);
      break;
    }
    const length = list[pos] * 256 + list[pos + 1];
    const start = pos + 2;
    if (start + length > end) {
      errors.push(`${where} claims ${length} bytes but only ${end - start} remain (truncated)`);
      break;
    }
    try {
      scts.push(decodeSct(list, start, start + length, where));
    } catch (error) {
      if (!(error instanceof SctError)) throw error;
      errors.push(error.message);
    }
    pos = start + length;
  }
  return { scts, errors };
}

/**
 * The SCT extension's extnValue (the DER OCTET STRING wrapping the list), as @peculiar/x509's
 * `Extension.value` gives it.
 *
 * @example decodeSctExtension(new Uint8Array(cert.getExtension(OID_SCT_LIST)!.value)).scts[0].algorithm
 *          // → "ECDSA with SHA-256"
 */
export function decodeSctExtension(extnValue: Uint8Array): SctList {
  try {
    const octets = readTlv(extnValue, 0, extnValue.length, "the SCT list's OCTET STRING");
    if (octets.tag !== 0x04) return { scts: [], errors: [`the extension holds tag 0x${octets.tag.toString(16)} where an OCTET STRING belongs`] };
    const list = decodeSctList(extnValue.subarray(octets.content, octets.end));
    if (octets.end < extnValue.length) list.errors.push(`${extnValue.length - octets.end} bytes after the OCTET STRING`);
    return list;
  } catch (error) {
    if (error instanceof DerError) return { scts: [], errors: [error.message] };
    throw error;
  }
}
