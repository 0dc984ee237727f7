// The publisher's side (npm run feed): keys an organisation can put in its policy, and feeds signed so
// that the extension, and any JOSE library, accept them.
import { compactVerify, decodeProtectedHeader, importJWK, importSPKI } from "jose";
import { FEED_TYPE, type FeedAlgorithm } from "../../../src/feeds/model";
import { algorithmOfJwk, generateFeedKeys, signFeed } from "../../../src/feeds/sign";

const payload = {
  label: "Corp",
  sequence: 7,
  issuedAt: "2026-12-01T00:00:00Z",
  expiresAt: "2026-12-31T00:00:00Z",
  blocklist: [{ spkiSha256: "ab".repeat(32) }],
};

describe.each([
  ["ES256", "EC", "P-256"],
  ["ES384", "EC", "P-384"],
  ["EdDSA", "OKP", "Ed25519"],
] as const)("%s", (alg, kty, crv) => {
  test("a new key pair: a private JWK to keep, a public JWK and a PEM for the policy, all of one key", async () => {
    const keys = await generateFeedKeys(alg as FeedAlgorithm);
    expect(keys.alg).toBe(alg);
    expect(keys.privateJwk).toMatchObject({ alg, kty, crv, d: expect.any(String) });
    expect(keys.publicJwk).toMatchObject({ alg, kty, crv });
    expect(keys.publicJwk).not.toHaveProperty("d");
    expect(keys.publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/);

    const jws = await signFeed(payload, keys.privateJwk);
    expect(decodeProtectedHeader(jws)).toEqual({ alg, typ: FEED_TYPE });
    for (const key of [await importJWK(keys.publicJwk, alg), await importSPKI(keys.publicPem, alg)]) {
      const { payload: signed } = await compactVerify(jws, key);
      expect(JSON.parse(new TextDecoder().decode(signed))).toEqual(payload);
    }
  });

  test("a JWK without alg is signed with its curve's algorithm", async () => {
    const { privateJwk } = await generateFeedKeys(alg as FeedAlgorithm);
    const { alg: _, ...withoutAlg } = privateJwk;
    expect(algorithmOfJwk(withoutAlg)).toBe(alg);
    expect(decodeProtectedHeader(await signFeed(payload, withoutAlg)).alg).toBe(alg);
  });
});

test("ES256 is the default", async () => {
  expect((await generateFeedKeys()).publicJwk).toMatchObject({ alg: "ES256", crv: "P-256" });
});

test.each([
  [{ kty: "RSA" }, "kty RSA, crv undefined"],
  [{ kty: "EC", crv: "P-521" }, "kty EC, crv P-521"],
  [{ kty: "OKP", crv: "Ed448" }, "kty OKP, crv Ed448"],
  [{ kty: "OKP", crv: "P-256" }, "kty OKP, crv P-256"],
  [{ kty: "EC", crv: "Ed25519" }, "kty EC, crv Ed25519"],
  [{ alg: "RS256", kty: "RSA" }, "kty RSA"],
])("a key feeds cannot use (%j) is refused, naming it and the three that work", (jwk, named) => {
  expect(() => algorithmOfJwk(jwk as JsonWebKey)).toThrow(named);
  expect(() => algorithmOfJwk(jwk as JsonWebKey)).toThrow("P-256 (ES256), P-384 (ES384) or Ed25519 (EdDSA)");
});
