/**
 * Forgiving parsing of fingerprints typed or pasted by people (options page, enterprise policy):
 * hex with or without colons, spaces or dashes, any case; SPKI SHA-256 also as base64 (the form
 * Firefox, OneCRL and HPKP use). Anything else is rejected with a message saying what was expected.
 *
 * Canonical form everywhere in the core: lowercase hex without separators.
 */
import { base64ToBytes, bytesToHex } from "./encoding";

export type FingerprintKind = "sha256" | "sha1" | "spkiSha256";

const HEX_LENGTH: Record<FingerprintKind, number> = { sha256: 64, sha1: 40, spkiSha256: 64 };
const DESCRIPTION: Record<FingerprintKind, string> = {
  sha256: "a certificate SHA-256 fingerprint: 64 hex digits (colons, spaces and case do not matter)",
  sha1: "a certificate SHA-1 fingerprint: 40 hex digits (colons, spaces and case do not matter)",
  spkiSha256: 'an SPKI SHA-256 hash: 64 hex digits, or 44 characters of base64 such as "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw="',
};

export type ParseResult = { ok: true; value: string } | { ok: false; error: string };

/**
 * @example parseFingerprint("2A:83:E9:02:05:91:A5:5F:C6:DD:AD:3F:B1:02:79:4C:52:B2:4E:70", "sha1")
 *          // → { ok: true, value: "2a83e9020591a55fc6ddad3fb102794c52b24e70" }
 */
export function parseFingerprint(input: unknown, kind: FingerprintKind): ParseResult {
  const expected = DESCRIPTION[kind];
  if (typeof input !== "string") return { ok: false, error: `expected ${expected}, got ${describe(input)}` };
  const trimmed = input.trim();
  if (trimmed === "") return { ok: false, error: `expected ${expected}, got an empty string` };

  const hex = trimmed.replace(/[\s:-]/g, "");
  const isHex = /^[0-9a-fA-F]+$/.test(hex);
  if (isHex && hex.length === HEX_LENGTH[kind]) return { ok: true, value: hex.toLowerCase() };
  if (kind === "spkiSha256" && /^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    return { ok: true, value: bytesToHex(base64ToBytes(trimmed.length === 43 ? `${trimmed}=` : trimmed)) };
  }
  if (isHex) return { ok: false, error: `expected ${expected}, got ${hex.length} hex digits` };
  return { ok: false, error: `expected ${expected}, got "${trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed}"` };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
