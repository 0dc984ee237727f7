/**
 * The certificates a server itself sent, read from the bytes it sent during the handshake: the
 * certificate_list of its Certificate message (RFC 8446 4.4.2, RFC 5246 7.4.2), in wire order,
 * extras and duplicates included. In TLS 1.2 the message is in clear; in TLS 1.3 it is encrypted
 * with the server's handshake traffic key, so the caller passes a function that opens a record.
 *
 * Attacker-sized input is bounded: at most MAX_SENT_CERTIFICATES certificates of at most
 * MAX_CERTIFICATE_BYTES each; anything beyond is an error, never an allocation.
 */
import { MAX_CERTIFICATE_BYTES } from "../protocol";
import type { ScanError } from "./targets";

/** More than any real chain (they hold 2 to 5): a server sending more is reported, not analysed. */
export const MAX_SENT_CERTIFICATES = 20;

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const CONTENT_APPLICATION_DATA = 23;
const HANDSHAKE_CERTIFICATE = 11;
const HANDSHAKE_COMPRESSED_CERTIFICATE = 25;
const RECORD_HEADER = 5;

export type TlsVersion = "TLSv1.2" | "TLSv1.3";

/**
 * Opens one TLS 1.3 record protected with the server's handshake traffic key: the TLSInnerPlaintext
 * (content, then its content type, then zero padding), or null when the record does not
 * authenticate (it was protected with a later key: the handshake part is over).
 * `sequence` counts the protected records, from 0.
 */
export type OpenRecord = (header: Uint8Array, body: Uint8Array, sequence: number) => Uint8Array | null;

export type SentCertificates = { ok: true; certificates: Uint8Array[] } | { ok: false; error: ScanError };

const fail = (code: string, message: string): SentCertificates => ({ ok: false, error: { code, message } });

/** Reads `length` bytes as a big-endian unsigned integer. */
function uint(bytes: Uint8Array, offset: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + bytes[offset + i];
  return value;
}

/** The handshake bytes the server sent, in order, across records (a message may span several). */
function handshakeBytes(flight: Uint8Array, version: TlsVersion, open: OpenRecord | undefined): Uint8Array[] {
  const fragments: Uint8Array[] = [];
  let sequence = 0;
  for (let offset = 0; offset + RECORD_HEADER <= flight.length;) {
    const type = flight[offset];
    const end = offset + RECORD_HEADER + uint(flight, offset + 3, 2);
    if (end > flight.length) break;
    const header = flight.subarray(offset, offset + RECORD_HEADER);
    const body = flight.subarray(offset + RECORD_HEADER, end);
    offset = end;
    if (type === CONTENT_HANDSHAKE) fragments.push(body);
    else if (type === CONTENT_ALERT) break;
    else if (type === CONTENT_CHANGE_CIPHER_SPEC) {
      // TLS 1.2: what follows is encrypted; TLS 1.3 sends a dummy one for middleboxes (RFC 8446 D.4).
      if (version === "TLSv1.2") break;
    } else if (type === CONTENT_APPLICATION_DATA && version === "TLSv1.3" && open) {
      const inner = open(header, body, sequence++);
      if (!inner) break;
      let last = inner.length - 1;
      while (last >= 0 && inner[last] === 0) last--;
      if (inner[last] !== CONTENT_HANDSHAKE) break;
      fragments.push(inner.subarray(0, last));
    } else break;
  }
  return fragments;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * @param flight what the server sent from the start of the connection (at least up to its
 *   Certificate message; more is ignored)
 * @param open for TLS 1.3: opens a record protected with the server's handshake traffic key
 */
export function sentCertificates(flight: Uint8Array, version: TlsVersion, open?: OpenRecord): SentCertificates {
  const messages = concat(handshakeBytes(flight, version, open));
  for (let offset = 0; offset + 4 <= messages.length;) {
    const type = messages[offset];
    const length = uint(messages, offset + 1, 3);
    const body = messages.subarray(offset + 4, offset + 4 + length);
    if (body.length < length) break;
    offset += 4 + length;
    if (type === HANDSHAKE_COMPRESSED_CERTIFICATE)
      return fail("ECERTCOMPRESSED", "the server compressed its certificates (RFC 8879), which the scanner does not offer");
    if (type === HANDSHAKE_CERTIFICATE) return certificateList(body, version);
  }
  return fail("ENOCERTMESSAGE", `the server's Certificate message was not found in the ${flight.length} bytes it sent`);
}

function certificateList(message: Uint8Array, version: TlsVersion): SentCertificates {
  const malformed = (why: string) => fail("EBADCERTMESSAGE", `malformed Certificate message: ${why}`);
  // TLS 1.3 starts with a certificate_request_context, empty from a server.
  let offset = version === "TLSv1.3" ? 1 + (message[0] ?? 0) : 0;
  if (offset + 3 > message.length) return malformed("too short");
  const end = offset + 3 + uint(message, offset, 3);
  if (end > message.length) return malformed("the list is longer than the message");
  offset += 3;
  const certificates: Uint8Array[] = [];
  while (offset < end) {
    if (certificates.length === MAX_SENT_CERTIFICATES) return fail("ETOOMANYCERTS", `the server sent more than ${MAX_SENT_CERTIFICATES} certificates`);
    if (offset + 3 > end) return malformed(`entry ${certificates.length} is cut short`);
    const length = uint(message, offset, 3);
    offset += 3;
    if (length === 0 || offset + length > end) return malformed(`entry ${certificates.length} has a bad length`);
    if (length > MAX_CERTIFICATE_BYTES) {
      return fail(
        "ECERTTOOLARGE",
        `certificate ${certificates.length} is ${length.toLocaleString("en")} bytes, more than the ${MAX_CERTIFICATE_BYTES.toLocaleString("en")} the scanner reads`,
      );
    }
    certificates.push(message.slice(offset, offset + length));
    offset += length;
    if (version === "TLSv1.3") {
      // Each entry carries its extensions (OCSP staple, SCTs) after the certificate.
      if (offset + 2 > end) return malformed(`entry ${certificates.length - 1} has no extensions field`);
      offset += 2 + uint(message, offset, 2);
    }
  }
  if (offset !== end) return malformed("an entry runs past the list");
  return certificates.length ? { ok: true, certificates } : fail("ENOCERTS", "the server sent no certificate");
}
