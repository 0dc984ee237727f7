/**
 * The publisher's side of a feed: key generation and signing. Used by `npm run feed` and by the
 * tests; the extension only verifies (src/feeds/verify.ts) and never loads this file.
 */
import { CompactSign, exportJWK, exportSPKI, generateKeyPair, importJWK } from "jose";
import { FEED_TYPE, type FeedAlgorithm, type FeedPayload } from "./model";

export interface FeedKeyPair {
  alg: FeedAlgorithm;
  /** Private JWK (with "d"): keep it offline. */
  privateJwk: JsonWebKey;
  /** Public JWK, for the policy's publicKey. */
  publicJwk: JsonWebKey;
  /** Public key as SPKI PEM, the other form the policy accepts. */
  publicPem: string;
}

/** A new signing key: ES256 (P-256) by default, or ES384 / EdDSA (Ed25519). */
export async function generateFeedKeys(alg: FeedAlgorithm = "ES256"): Promise<FeedKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519", extractable: true } : { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg };
  const publicJwk = { ...(await exportJWK(publicKey)), alg };
  return { alg, privateJwk, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** The algorithm a private (or public) JWK signs with: its "alg" if set, else from its curve. */
export function algorithmOfJwk(jwk: JsonWebKey): FeedAlgorithm {
  if (jwk.alg === "ES256" || jwk.alg === "ES384" || jwk.alg === "EdDSA") return jwk.alg;
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "EC" && jwk.crv === "P-384") return "ES384";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  throw new Error(`unsupported key (kty ${String(jwk.kty)}, crv ${String(jwk.crv)}): feeds are signed with P-256 (ES256), P-384 (ES384) or Ed25519 (EdDSA)`);
}

/**
 * Signs a feed payload as a JWS in compact serialization with the feed type in its header.
 *
 * @example const jws = await signFeed({ label: "Corp", sequence: 2, issuedAt, expiresAt, blocklist: [{ spkiSha256: "…" }] }, keys.privateJwk);
 */
export async function signFeed(payload: FeedPayload, privateJwk: JsonWebKey): Promise<string> {
  const alg = algorithmOfJwk(privateJwk);
  const key = await importJWK(privateJwk, alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg, typ: FEED_TYPE }).sign(key);
}
