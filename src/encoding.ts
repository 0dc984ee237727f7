/** Byte/text conversions shared by the core. Pure: atob/btoa are in every JS runtime we target. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: ArrayLike<number>): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] & 0xff];
  return out;
}

/** Lowercase hex without separators → bytes. The caller guarantees the input is valid hex. */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function bytesToBase64(bytes: ArrayLike<number>): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}

/** Throws on characters outside the base64 alphabet. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Base64 in canonical form (padded, as btoa writes it), or null when it is not base64. OneCRL-style
 * tools may drop the trailing "=" or wrap lines; compared as strings, such a name would never equal
 * the base64 of a certificate's own name.
 */
export function canonicalBase64(b64: string): string | null {
  if (typeof b64 !== "string") return null;
  try {
    return bytesToBase64(base64ToBytes(b64));
  } catch {
    return null;
  }
}

/** "AB:CD:..." (Firefox's fingerprint and serial form) → "abcd...". */
export function colonHexToHex(s: string): string {
  return s.replaceAll(":", "").toLowerCase();
}

/** "abcd..." → "AB:CD:..." for display. */
export function hexToColonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

/** A DER INTEGER's value as hex without redundant leading zero bytes, so "00:8f" and "8f" compare equal. */
export function normalizeSerialHex(hex: string): string {
  let i = 0;
  while (i < hex.length - 2 && hex.startsWith("00", i)) i += 2;
  return hex.slice(i);
}

export function pemToDerList(pem: string): Uint8Array[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => base64ToBytes(b.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "")));
}

export function derToPem(der: ArrayLike<number>): string {
  const b64 = bytesToBase64(der);
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`;
}

/** FNV-1a, 32 bits, as 8 hex digits: tells inputs apart for keys and staleness checks; not a security boundary. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}
