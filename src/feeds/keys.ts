/**
 * The public key a policy pins for a feed, checked without WebCrypto (policy validation is
 * synchronous): a JWK object or an SPKI PEM, of a type feeds are signed with. The algorithm is
 * decided here, from the key, so a document can never choose how it is checked.
 */
import { readPublicKeyInfo } from "../der";
import { base64ToBytes } from "../encoding";
import { errorMessage } from "../errorMessage";
import type { FeedAlgorithm, FeedKey } from "./model";

export type KeyCheck = { ok: true; value: FeedKey } | { ok: false; error: string };

const SUPPORTED = "an EC P-256 (ES256), EC P-384 (ES384) or Ed25519 (EdDSA) public key";
const EXPECTED = `expected ${SUPPORTED} as a JWK object or an SPKI PEM ("-----BEGIN PUBLIC KEY-----")`;
const PEM = /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----$/;
/** A JWK coordinate: base64url without padding, of a sane length (P-384 coordinates are 64 characters). */
const B64URL = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * Never quotes a private key back (messages are shown to users): a key with private parts is
 * refused outright, since whoever holds it can sign feeds for the whole fleet.
 *
 * @example parseFeedKey({ kty: "EC", crv: "P-256", x: "…", y: "…" }) // → { ok: true, value: { alg: "ES256", jwk: {…} } }
 */
export function parseFeedKey(raw: unknown): KeyCheck {
  if (typeof raw === "string") return pemKey(raw.trim());
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { ok: false, error: `${EXPECTED}, got ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw}` };
  return jwkKey(raw as Record<string, unknown>);
}

function jwkKey(jwk: Record<string, unknown>): KeyCheck {
  if ("d" in jwk) return { ok: false, error: 'this is a private key (it has "d"): the policy takes the public key only; keep the private key offline' };
  const alg = jwkAlgorithm(jwk.kty, jwk.crv);
  if (!alg) return { ok: false, error: `${EXPECTED}, got a JWK with kty ${JSON.stringify(jwk.kty)} and crv ${JSON.stringify(jwk.crv)}` };
  if (jwk.alg !== undefined && jwk.alg !== alg) return { ok: false, error: `the JWK says alg ${JSON.stringify(jwk.alg)} but its curve signs with ${alg}` };
  const coordinates = alg === "EdDSA" ? ["x"] : ["x", "y"];
  for (const c of coordinates) {
    if (typeof jwk[c] !== "string" || !B64URL.test(jwk[c] as string)) return { ok: false, error: `the JWK's "${c}" is missing or not base64url` };
  }
  // Only the public members: nothing else from the policy reaches the key import.
  const value: JsonWebKey = { kty: jwk.kty as string, crv: jwk.crv as string, x: jwk.x as string, ...(alg !== "EdDSA" && { y: jwk.y as string }) };
  return { ok: true, value: { alg, jwk: value } };
}

function jwkAlgorithm(kty: unknown, crv: unknown): FeedAlgorithm | null {
  if (kty === "EC" && crv === "P-256") return "ES256";
  if (kty === "EC" && crv === "P-384") return "ES384";
  if (kty === "OKP" && crv === "Ed25519") return "EdDSA";
  return null;
}

function pemKey(text: string): KeyCheck {
  if (/PRIVATE KEY-----/.test(text)) return { ok: false, error: "this is a private key: the policy takes the public key only; keep the private key offline" };
  const body = PEM.exec(text)?.[1];
  if (!body) return { ok: false, error: EXPECTED };
  try {
    const key = readPublicKeyInfo(base64ToBytes(body.replace(/\s+/g, "")));
    const alg =
      key.type === "Ed25519" ? "EdDSA" : key.type === "EC" && key.curve === "P-256" ? "ES256" : key.type === "EC" && key.curve === "P-384" ? "ES384" : null;
    if (!alg) return { ok: false, error: `${EXPECTED}, got a ${key.type}${key.curve ? ` ${key.curve}` : ""} key` };
    return { ok: true, value: { alg, spki: text } };
  } catch (e) {
    return { ok: false, error: `the PEM is not a readable SubjectPublicKeyInfo (${errorMessage(e)})` };
  }
}

/** A short, stable identity of a pinned key: what distinguishes two feeds at one URL (key rotation). */
export function keyIdentity(key: FeedKey): string {
  return "jwk" in key ? `${key.alg}:${key.jwk.x}${key.jwk.y ?? ""}` : `${key.alg}:${key.spki.replace(/-----[A-Z ]+-----|\s+/g, "")}`;
}
