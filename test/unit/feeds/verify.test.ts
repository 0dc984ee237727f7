/**
 * src/feeds/verify.ts and keys.ts: a feed document is checked for size, then its signature against
 * the pinned key (whose algorithm decides, never the document), and only then parsed; rollback and
 * expiry are refused; bad entries are left out one by one.
 */
import { CompactSign, exportPKCS8, generateKeyPair, importJWK } from "jose";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { keyIdentity, parseFeedKey } from "../../../src/feeds/keys";
import { FEED_TYPE, MAX_FEED_BYTES, type FeedAlgorithm, type FeedKey, type FeedPayload } from "../../../src/feeds/model";
import { generateFeedKeys, signFeed, type FeedKeyPair } from "../../../src/feeds/sign";
import { verifyFeed } from "../../../src/feeds/verify";

const HOUR = 3_600_000;
const SHA256_A = "9f2c6d1e0b7a4c3d8e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5";
const SHA256_B = "0c5b3a2e1f4d6c7b8a9e0f1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7";

const keys = {} as Record<FeedAlgorithm, FeedKeyPair>;
let otherEs256: FeedKeyPair;
beforeAll(async () => {
  for (const alg of ["ES256", "ES384", "EdDSA"] as const) keys[alg] = await generateFeedKeys(alg);
  otherEs256 = await generateFeedKeys("ES256");
});

function pinned(pair: FeedKeyPair, form: "jwk" | "pem" = "jwk"): FeedKey {
  const parsed = parseFeedKey(form === "jwk" ? pair.publicJwk : pair.publicPem);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function payload(overrides: Partial<FeedPayload> & Record<string, unknown> = {}): FeedPayload {
  const now = Date.now();
  return {
    label: "Example Corp",
    sequence: 5,
    issuedAt: new Date(now - HOUR).toISOString(),
    expiresAt: new Date(now + 7 * 24 * HOUR).toISOString(),
    blocklist: [{ sha256: SHA256_A, label: "Old proxy CA" }],
    allowlist: [{ spkiSha256: SHA256_B, label: "Corp root" }],
    knownIntermediates: [SHA256_B],
    ...overrides,
  };
}

/** A JWS with any header and payload bytes, signed by the ES256 test key: what a hostile or careless signer could make. */
async function signRaw(header: Record<string, unknown>, body: string | Uint8Array, pair = keys.ES256): Promise<string> {
  const key = await importJWK(pair.privateJwk, pair.alg);
  return new CompactSign(typeof body === "string" ? new TextEncoder().encode(body) : body).setProtectedHeader(header as { alg: string }).sign(key);
}

/** A payload signed as a feed by the ES256 test key, verified against that key. */
async function verifySigned(body: unknown, options: Parameters<typeof verifyFeed>[2] = {}) {
  return verifyFeed(await signRaw({ alg: "ES256", typ: FEED_TYPE }, JSON.stringify(body)), pinned(keys.ES256), options);
}

const b64url = (text: string) => Buffer.from(text).toString("base64url");

describe("a good document", () => {
  test.each([
    ["ES256", "jwk"],
    ["ES256", "pem"],
    ["ES384", "jwk"],
    ["ES384", "pem"],
    ["EdDSA", "jwk"],
    ["EdDSA", "pem"],
  ] as const)("%s, key pinned as %s: accepted with its fields, entries marked as from the feed", async (alg, form) => {
    const jws = await signFeed(payload(), keys[alg].privateJwk);
    const result = await verifyFeed(jws, pinned(keys[alg], form));
    if (!result.ok) throw new Error(`${result.kind}: ${result.message}`);
    expect(pinned(keys[alg], form).alg).toBe(alg);
    expect(result.document).toMatchObject({ label: "Example Corp", sequence: 5, knownIntermediates: [SHA256_B] });
    expect(result.document.blocklist).toEqual([
      expect.objectContaining({ sha256: SHA256_A, source: "feed", reason: expect.stringMatching(/signed feed "Example Corp" \(sequence 5\)/) }),
    ]);
    expect(result.document.allowlist).toEqual([expect.objectContaining({ spkiSha256: SHA256_B, source: "feed" })]);
    expect(result.entryErrors).toEqual([]);
    expect(result.payload).toBe(jws.split(".")[1]);
  });

  test("surrounding whitespace (a trailing newline from a web server) does not matter", async () => {
    const jws = await signFeed(payload(), keys.ES256.privateJwk);
    expect((await verifyFeed(`\n${jws}\r\n`, pinned(keys.ES256))).ok).toBe(true);
  });
});

describe("refused before the payload is read", () => {
  test("a payload byte changed, the signature kept: bad-signature", async () => {
    const [header, body, signature] = (await signFeed(payload(), keys.ES256.privateJwk)).split(".");
    const tampered = Buffer.from(body, "base64url").toString("utf8").replace(SHA256_A, SHA256_A.replace(/^9/, "8"));
    const result = await verifyFeed([header, b64url(tampered), signature].join("."), pinned(keys.ES256));
    expect(result).toMatchObject({ ok: false, kind: "bad-signature" });
  });

  test("signed with another key of the same algorithm: bad-signature", async () => {
    const result = await verifyFeed(await signFeed(payload(), otherEs256.privateJwk), pinned(keys.ES256));
    expect(result).toMatchObject({ ok: false, kind: "bad-signature" });
  });

  test("larger than the limit: too-large, with nothing parsed (not even the header) and the signature not checked", async () => {
    const jws = await signFeed(payload({ padding: "x".repeat(MAX_FEED_BYTES) }), keys.ES256.privateJwk);
    const parse = jest.spyOn(JSON, "parse");
    const verify = jest.spyOn(crypto.subtle, "verify");
    try {
      const result = await verifyFeed(jws, pinned(keys.ES256));
      expect(result).toMatchObject({ ok: false, kind: "too-large" });
      expect(parse).not.toHaveBeenCalled();
      expect(verify).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
      verify.mockRestore();
    }
  });

  test("signed with ES384 against an ES256-pinned key: wrong-algorithm, naming the pinned key's algorithm", async () => {
    const result = await verifyFeed(await signFeed(payload(), keys.ES384.privateJwk), pinned(keys.ES256));
    expect(result).toEqual({ ok: false, kind: "wrong-algorithm", message: "the feed is not signed with ES256, the algorithm of the pinned key" });
  });

  test.each([
    ["alg none, empty signature", ""],
    ["alg none, some signature", "AAAA"],
  ])("hand-made %s: wrong-algorithm", async (_, signature) => {
    const jws = `${b64url(JSON.stringify({ alg: "none", typ: FEED_TYPE }))}.${b64url(JSON.stringify(payload()))}.${signature}`;
    expect(await verifyFeed(jws, pinned(keys.ES256))).toMatchObject({ ok: false, kind: "wrong-algorithm" });
  });

  test("hand-made HS256 keyed with the public key (the algorithm-confusion attack): wrong-algorithm", async () => {
    const signingInput = `${b64url(JSON.stringify({ alg: "HS256", typ: FEED_TYPE }))}.${b64url(JSON.stringify(payload()))}`;
    const mac = createHmac("sha256", keys.ES256.publicPem).update(signingInput).digest("base64url");
    expect(await verifyFeed(`${signingInput}.${mac}`, pinned(keys.ES256, "pem"))).toMatchObject({ ok: false, kind: "wrong-algorithm" });
  });

  test.each(["", "not a feed", "a.b", "a.b.c.d", "eyJ.eyJ.sig=="])("%j: malformed, saying what a feed looks like", async (text) => {
    expect(await verifyFeed(text, pinned(keys.ES256))).toEqual({
      ok: false,
      kind: "malformed",
      message: "not a JWS in compact serialization (three base64url parts separated by dots)",
    });
  });

  test("the too-large message gives the feed's size and the limit", async () => {
    // Nothing is read beyond the length, so any text one byte over the limit will do.
    expect(await verifyFeed("a".repeat(MAX_FEED_BYTES + 1), pinned(keys.ES256))).toEqual({
      ok: false,
      kind: "too-large",
      message: "the feed is 4,194,305 bytes, more than the 4,194,304 a feed may have",
    });
  });

  test("three base64url parts whose header is not JSON: malformed, with the reason (not a bad signature)", async () => {
    const jws = `${b64url("not json")}.${b64url(JSON.stringify(payload()))}.AAAA`;
    expect(await verifyFeed(jws, pinned(keys.ES256))).toEqual({ ok: false, kind: "malformed", message: "not a valid JWS: JWS Protected Header is invalid" });
  });

  test("a header that makes the JWS library quote it at length: the reason shown is cut at 200 characters", async () => {
    const name = "x".repeat(300);
    const jws = `${b64url(JSON.stringify({ alg: "ES256", typ: FEED_TYPE, crit: [name] }))}.${b64url(JSON.stringify(payload()))}.AAAA`;
    const result = await verifyFeed(jws, pinned(keys.ES256));
    expect(result).toMatchObject({ ok: false, kind: "malformed", message: expect.stringMatching(/^not a valid JWS: Extension Header Parameter "x+$/) });
    expect((result as { message: string }).message).toHaveLength("not a valid JWS: ".length + 200);
  });

  test("a pinned key that passed the policy check but is not a point on its curve: refused as a key problem", async () => {
    // The policy check is syntactic (base64url coordinates); only the import finds a wrong coordinate.
    const key = parseFeedKey({ ...keys.ES256.publicJwk, y: "A".repeat(43) });
    if (!key.ok) throw new Error(key.error);
    const result = await verifyFeed(await signFeed(payload(), keys.ES256.privateJwk), key.value);
    expect(result).toMatchObject({ ok: false, kind: "key", message: expect.stringMatching(/^the pinned public key cannot be used for ES256: \S/) });
  });
});

describe("the signed content", () => {
  test.each([
    ["JWT", { alg: "ES256", typ: "JWT" }, '"JWT"'],
    ["no typ", { alg: "ES256" }, "null"],
    // "application/" is dropped as a prefix only: elsewhere it makes another media type.
    ["with application/ inside", { alg: "ES256", typ: "chain-sentry-application/feed+json" }, '"chain-sentry-application/feed+json"'],
  ])("typ %s: wrong-type (signed by the key, but for another purpose), quoting the typ", async (_, header, quoted) => {
    const result = await verifyFeed(await signRaw(header, JSON.stringify(payload())), pinned(keys.ES256));
    expect(result).toEqual({
      ok: false,
      kind: "wrong-type",
      message: `signed by the pinned key, but for another purpose (typ ${quoted}, expected "chain-sentry-feed+json")`,
    });
  });

  test('typ with the "application/" prefix, in any case, is the same media type (RFC 7515 4.1.9)', async () => {
    const jws = await signRaw({ alg: "ES256", typ: `Application/${FEED_TYPE.toUpperCase()}` }, JSON.stringify(payload()));
    expect((await verifyFeed(jws, pinned(keys.ES256))).ok).toBe(true);
  });

  test.each([
    ["not JSON", "label: Example Corp", /not JSON/],
    ["a JSON array", "[]", /expected a JSON object/],
    ["no sequence", JSON.stringify({ ...payload(), sequence: undefined }), /sequence/],
    ["a negative sequence", JSON.stringify(payload({ sequence: -1 })), /sequence/],
    ["no label", JSON.stringify({ ...payload(), label: undefined }), /label/],
    ["a date without a zone", JSON.stringify(payload({ issuedAt: "2026-12-01T06:00:00" })), /issuedAt/],
    ["expiry before issue", JSON.stringify(payload({ issuedAt: "2026-12-09T06:00:00Z", expiresAt: "2026-12-02T06:00:00Z" })), /later than issuedAt/],
    ["a blocklist that is not an array", JSON.stringify(payload({ blocklist: { sha256: SHA256_A } as unknown as unknown[] })), /blocklist: expected an array/],
  ])("%s: invalid", async (_, body, message) => {
    const result = await verifyFeed(await signRaw({ alg: "ES256", typ: FEED_TYPE }, body), pinned(keys.ES256));
    expect(result).toMatchObject({ ok: false, kind: "invalid", message: expect.stringMatching(message) });
  });

  test("a payload that is not UTF-8 is refused, not read with replacement characters", async () => {
    const [before, after] = JSON.stringify(payload({ label: "Example|Corp" })).split("|");
    const body = Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]);
    const result = await verifyFeed(await signRaw({ alg: "ES256", typ: FEED_TYPE }, new Uint8Array(body)), pinned(keys.ES256));
    expect(result).toMatchObject({ ok: false, kind: "invalid", message: expect.stringMatching(/^the signed payload is not JSON: /) });
  });

  test("bad entries and an unknown key are reported one by one; the good entries apply", async () => {
    const jws = await signFeed(
      payload({
        blocklist: [{ sha256: SHA256_A }, { sha1: "nope" }, { issuerSerial: { issuer: "MA==", serial: "zz" } }],
        allowlist: [{ sha1: SHA256_B.slice(0, 40) }, { spkiSha256: SHA256_B }],
        knownIntermediates: ["zz", SHA256_B],
        comment: "hello",
      }),
      keys.ES256.privateJwk,
    );
    const result = await verifyFeed(jws, pinned(keys.ES256));
    if (!result.ok) throw new Error(result.message);
    expect(result.document.blocklist.map((e) => e.sha256)).toEqual([SHA256_A]);
    expect(result.document.allowlist.map((e) => e.spkiSha256)).toEqual([SHA256_B]);
    expect(result.document.knownIntermediates).toEqual([SHA256_B]);
    expect(result.entryErrors).toEqual([
      'unknown key "comment" ignored',
      expect.stringMatching(/^blocklist\[1\]\.sha1: /),
      expect.stringMatching(/^blocklist\[1\]: entry ignored/),
      // Both parts of the pair are reported: "MA==" is one byte, too short for a DER name.
      expect.stringMatching(/^blocklist\[2\]\.issuerSerial\.issuer: expected the base64 of a DER-encoded name/),
      expect.stringMatching(/^blocklist\[2\]\.issuerSerial\.serial: /),
      expect.stringMatching(/^blocklist\[2\]: entry ignored/),
      expect.stringMatching(/^allowlist\[0\]: unknown key "sha1" ignored/),
      expect.stringMatching(/^allowlist\[0\]: entry ignored/),
      expect.stringMatching(/^knownIntermediates\[0\]: /),
    ]);
  });
});

describe("the document's fields", () => {
  const LABEL = "label: expected one line of text of 1 to 200 characters";
  const SEQUENCE = "sequence: expected a whole number, 0 or more";
  test.each([
    ["null", null, "expected a JSON object"],
    ["a number", 5, "expected a JSON object"],
    ["a string", "Example Corp", "expected a JSON object"],
    ["a label of spaces", payload({ label: "   " }), LABEL],
    ["a label of 201 characters", payload({ label: "x".repeat(201) }), LABEL],
    ["a fractional sequence", payload({ sequence: 1.5 }), SEQUENCE],
    ["a sequence past 2^53 (no longer exact)", payload({ sequence: 2 ** 53 }), SEQUENCE],
    ["an expiry without a zone", payload({ expiresAt: "2026-12-09T06:00:00" }), "expiresAt: expected an ISO 8601 date and time such as 2026-12-09T06:00:00Z"],
    [
      "an expiry equal to the issue time",
      payload({ issuedAt: "2026-12-02T06:00:00Z", expiresAt: "2026-12-02T06:00:00Z" }),
      "expiresAt: must be later than issuedAt",
    ],
    ["50,001 known intermediates", payload({ knownIntermediates: new Array(50_001).fill(0) }), "knownIntermediates: more than 50,000 entries"],
  ])("%s: refused as a whole, saying which field is wrong", async (_, body, message) => {
    expect(await verifySigned(body, { checkExpiry: false })).toEqual({ ok: false, kind: "invalid", message: `signed, but not a feed document: ${message}` });
  });

  test("the bounds themselves are accepted: a 200-character label, sequence 0, 50,000 entries in a list", async () => {
    const label = "x".repeat(200);
    // Bad entries, since 50,000 fingerprints would be over the size limit: each is left out and counted.
    const result = await verifySigned(payload({ label, sequence: 0, knownIntermediates: new Array(50_000).fill(0) }));
    expect(result).toMatchObject({ ok: true, document: { label, sequence: 0, knownIntermediates: [] } });
    expect((result as { entryErrors: string[] }).entryErrors.at(-1)).toBe("… and 49950 more");
  });

  test("dates with a UTC offset, and without seconds, are ISO 8601 too: accepted, kept as signed", async () => {
    const issuedAt = "2026-12-01T07:00+01:00";
    const expiresAt = "2026-12-08T01:00:00.000-05:00";
    const result = await verifySigned(payload({ issuedAt, expiresAt }), { now: Date.parse("2026-12-02T06:00:00Z") });
    expect(result).toMatchObject({ ok: true, document: { issuedAt, expiresAt } });
    // Read as instants: the document expires at 06:00 UTC, not 01:00.
    expect((await verifySigned(payload({ issuedAt, expiresAt }), { now: Date.parse("2026-12-08T05:59:59Z") })).ok).toBe(true);
    expect(await verifySigned(payload({ issuedAt, expiresAt }), { now: Date.parse("2026-12-08T06:00:00Z") })).toMatchObject({ ok: false, kind: "expired" });
  });

  test("the label is shown trimmed, in the document and in the reason of each blocked entry", async () => {
    const result = await verifySigned(payload({ label: "  Example Corp " }));
    if (!result.ok) throw new Error(result.message);
    expect(result.document.label).toBe("Example Corp");
    expect(result.document.blocklist[0].reason).toBe('Listed by your organisation\'s signed feed "Example Corp" (sequence 5)');
  });

  test("a document with no lists at all is a valid, empty feed", async () => {
    const { blocklist: _b, allowlist: _a, knownIntermediates: _k, ...bare } = payload();
    const result = await verifySigned(bare);
    expect(result).toMatchObject({ ok: true, document: { blocklist: [], allowlist: [], knownIntermediates: [] }, entryErrors: [] });
  });

  test("an unknown key is quoted by its first 40 characters only", async () => {
    const result = await verifySigned({ ...payload(), ["k".repeat(40) + "-and-the-rest-of-a-long-name"]: 1 });
    expect(result).toMatchObject({ ok: true, entryErrors: [`unknown key "${"k".repeat(40)}" ignored`] });
  });

  test("50 entry errors are all listed; from 51, the first 50 and a count of the rest", async () => {
    const fifty = await verifySigned(payload({ knownIntermediates: new Array(50).fill("zz") }));
    if (!fifty.ok) throw new Error(fifty.message);
    expect(fifty.entryErrors).toHaveLength(50);
    expect(fifty.entryErrors[49]).toMatch(/^knownIntermediates\[49\]: /);
    const many = await verifySigned(payload({ knownIntermediates: new Array(53).fill("zz") }));
    if (!many.ok) throw new Error(many.message);
    expect(many.entryErrors).toHaveLength(51);
    expect(many.entryErrors[49]).toMatch(/^knownIntermediates\[49\]: /);
    expect(many.entryErrors[50]).toBe("… and 3 more");
  });
});

describe("sequence and expiry", () => {
  test("a lower sequence than the last accepted is a rollback; a higher one is accepted", async () => {
    const jws = await signFeed(payload({ sequence: 5 }), keys.ES256.privateJwk);
    expect(await verifyFeed(jws, pinned(keys.ES256), { last: { sequence: 6, payload: "x" } })).toMatchObject({
      ok: false,
      kind: "rollback",
      message: expect.stringMatching(/older than sequence 6/),
    });
    expect((await verifyFeed(jws, pinned(keys.ES256), { last: { sequence: 4, payload: "x" } })).ok).toBe(true);
  });

  test("the same sequence: accepted with the same payload (unchanged), a rollback with another", async () => {
    const first = await signFeed(payload({ sequence: 5 }), keys.ES256.privateJwk);
    const changed = await signFeed(payload({ sequence: 5, label: "Example Corp (edited)" }), keys.ES256.privateJwk);
    const last = { sequence: 5, payload: first.split(".")[1] };
    expect((await verifyFeed(first, pinned(keys.ES256), { last })).ok).toBe(true);
    expect(await verifyFeed(changed, pinned(keys.ES256), { last })).toMatchObject({
      ok: false,
      kind: "rollback",
      message: expect.stringMatching(/other content/),
    });
  });

  test("past expiresAt: expired; accepted with checkExpiry false (the stored last good document)", async () => {
    const issuedAt = "2026-12-01T06:00:00Z";
    const expiresAt = "2026-12-08T06:00:00Z";
    const jws = await signFeed(payload({ issuedAt, expiresAt }), keys.EdDSA.privateJwk);
    const before = Date.parse(expiresAt) - 1;
    expect((await verifyFeed(jws, pinned(keys.EdDSA), { now: before })).ok).toBe(true);
    expect(await verifyFeed(jws, pinned(keys.EdDSA), { now: Date.parse(expiresAt) })).toEqual({
      ok: false,
      kind: "expired",
      message: "sequence 5 expired at 2026-12-08T06:00:00Z: the publisher has not signed a newer one",
    });
    const stored = await verifyFeed(jws, pinned(keys.EdDSA), { now: Date.parse(expiresAt) + HOUR, checkExpiry: false });
    expect(stored).toMatchObject({ ok: true, document: { expiresAt } });
  });
});

describe("parseFeedKey", () => {
  test("a private JWK is refused without quoting it", async () => {
    const result = parseFeedKey(keys.ES256.privateJwk);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/private key/) });
    const error = (result as { error: string }).error;
    expect(error).not.toContain(keys.ES256.privateJwk.d!);
    expect(error).not.toContain(keys.ES256.privateJwk.x!);
  });

  test.each(["ES256", "EdDSA"] as const)("a private %s PEM (PKCS#8) is refused without quoting it", async (alg) => {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const result = parseFeedKey(pem);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/private key/) });
    const body = pem.split("\n")[1];
    expect((result as { error: string }).error).not.toContain(body.slice(0, 16));
  });

  test("an RSA key is refused, as a JWK and as a PEM", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = publicKey.export({ format: "jwk" });
    expect(parseFeedKey(jwk)).toMatchObject({ ok: false, error: expect.stringMatching(/kty "RSA"/) });
    const pem = publicKey.export({ format: "pem", type: "spki" }) as string;
    expect(parseFeedKey(pem)).toMatchObject({ ok: false, error: expect.stringMatching(/got a RSA key/) });
  });

  test.each([
    ["not base64", "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----"],
    ["not a SubjectPublicKeyInfo", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"],
    ["a certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
    ["no PEM at all", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"],
  ])("garbage PEM (%s) is refused", (_, text) => {
    expect(parseFeedKey(text)).toMatchObject({ ok: false });
  });

  test("a JWK whose alg contradicts its curve, or without a coordinate, is refused", () => {
    const { x, y } = keys.ES256.publicJwk;
    expect(parseFeedKey({ kty: "EC", crv: "P-256", x, y, alg: "ES384" })).toMatchObject({ ok: false, error: expect.stringMatching(/alg "ES384"/) });
    expect(parseFeedKey({ kty: "EC", crv: "P-256", x })).toMatchObject({ ok: false, error: expect.stringMatching(/"y"/) });
  });

  test("only the public members of a JWK are kept", () => {
    const result = parseFeedKey({ ...keys.ES256.publicJwk, kid: "2026", use: "sig", key_ops: ["sign"] });
    expect(result).toMatchObject({ ok: true, value: { alg: "ES256", jwk: { kty: "EC", crv: "P-256", x: keys.ES256.publicJwk.x, y: keys.ES256.publicJwk.y } } });
    expect(Object.keys((result as { value: { jwk: object } }).value.jwk).sort()).toEqual(["crv", "kty", "x", "y"]);
  });
});

describe("parseFeedKey: what a policy may pin, and what it is told otherwise", () => {
  const EXPECTED = 'expected an EC P-256 (ES256), EC P-384 (ES384) or Ed25519 (EdDSA) public key as a JWK object or an SPKI PEM ("-----BEGIN PUBLIC KEY-----")';

  test.each([
    ["null", null, "null"],
    ["an array", [{ kty: "EC", crv: "P-256" }], "an array"],
    ["a number", 256, "number"],
  ])("%s: refused, saying what it got", (_, raw, got) => {
    expect(parseFeedKey(raw)).toEqual({ ok: false, error: `${EXPECTED}, got ${got}` });
  });

  // Keys of the right family but for another curve or purpose: none may stand in for a supported one.
  test.each([
    ["an EC P-521 key", "ec", { namedCurve: "P-521" }, 'kty "EC" and crv "P-521"', "EC P-521"],
    ["an X25519 key (key agreement, not signing)", "x25519", {}, 'kty "OKP" and crv "X25519"', "1.3.101.110"],
  ] as const)("%s is refused, as a JWK and as a PEM", (_, type, options, jwkGot, pemGot) => {
    const { publicKey } = generateKeyPairSync(type as "ec", options as { namedCurve: string });
    expect(parseFeedKey(publicKey.export({ format: "jwk" }))).toEqual({ ok: false, error: `${EXPECTED}, got a JWK with ${jwkGot}` });
    expect(parseFeedKey(publicKey.export({ format: "pem", type: "spki" }))).toEqual({ ok: false, error: `${EXPECTED}, got a ${pemGot} key` });
  });

  test("an EC JWK without its y coordinate is refused (an EdDSA key has none)", () => {
    const { kty, crv, x } = keys.ES384.publicJwk;
    expect(parseFeedKey({ kty, crv, x })).toEqual({ ok: false, error: `the JWK's "y" is missing or not base64url` });
    expect(parseFeedKey({ kty: "OKP", crv: "Ed25519", x: keys.EdDSA.publicJwk.x })).toMatchObject({ ok: true, value: { alg: "EdDSA" } });
  });

  test("a PEM whose body is not a SubjectPublicKeyInfo says why it could not be read", () => {
    expect(parseFeedKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")).toEqual({
      ok: false,
      error: expect.stringMatching(/^the PEM is not a readable SubjectPublicKeyInfo \(.+\)$/),
    });
  });
});

describe("keyIdentity: which pinned key a feed's state belongs to", () => {
  function pemKey(pem: string): FeedKey {
    const parsed = parseFeedKey(pem);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  }

  test("the same PEM wrapped otherwise is the same key; another key is another", () => {
    const pem = keys.ES256.publicPem.trim();
    const body = pem.split("\n").slice(1, -1).join("");
    const oneLine = `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`;
    const rewrapped = `-----BEGIN PUBLIC KEY-----\n${body.replace(/.{40}/g, "$&\n  ")}\n-----END PUBLIC KEY-----`;
    expect(keyIdentity(pemKey(oneLine))).toBe(keyIdentity(pemKey(pem)));
    expect(keyIdentity(pemKey(rewrapped))).toBe(keyIdentity(pemKey(pem)));
    expect(keyIdentity(pemKey(otherEs256.publicPem))).not.toBe(keyIdentity(pemKey(pem)));
  });

  test("JWKs: another key is another, whatever the algorithm", () => {
    const identities = [keys.ES256, otherEs256, keys.ES384, keys.EdDSA].map((pair) => keyIdentity(pinned(pair)));
    expect(new Set(identities).size).toBe(4);
  });
});
