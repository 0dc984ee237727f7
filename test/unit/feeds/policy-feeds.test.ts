/**
 * The policy's feeds key: each feed validated field by field; a feed that could never be verified
 * (no valid url or publicKey) is left out with a message naming it, the others still apply.
 */
import { generateFeedKeys } from "../../../src/feeds/sign";
import { DEFAULT_FEED_INTERVAL_MINUTES, MAX_FEEDS } from "../../../src/feeds/model";
import { resolveSettings, validatePolicy } from "../../../src/policy";

let keys: Awaited<ReturnType<typeof generateFeedKeys>>;
let ed: Awaited<ReturnType<typeof generateFeedKeys>>;
beforeAll(async () => {
  keys = await generateFeedKeys("ES256");
  ed = await generateFeedKeys("EdDSA");
});

const URL_A = "https://lists.example.com/chain-sentry.jws";

test("a valid feed, JWK or PEM: in effect with its algorithm, label and interval; policy only", () => {
  const policy = validatePolicy({
    feeds: [
      { url: URL_A, publicKey: keys.publicJwk, label: "Corp emergency blocks", intervalMinutes: 15 },
      { url: "http://127.0.0.1:8080/feed.jws", publicKey: ed.publicPem },
    ],
  });
  expect(policy.errors).toEqual([]);
  const { effective, managedKeys } = resolveSettings({}, policy);
  expect(effective.feeds).toEqual([
    {
      url: URL_A,
      publicKey: { alg: "ES256", jwk: { kty: "EC", crv: "P-256", x: keys.publicJwk.x, y: keys.publicJwk.y } },
      label: "Corp emergency blocks",
      intervalMinutes: 15,
    },
    { url: "http://127.0.0.1:8080/feed.jws", publicKey: { alg: "EdDSA", spki: ed.publicPem.trim() }, intervalMinutes: DEFAULT_FEED_INTERVAL_MINUTES },
  ]);
  expect(managedKeys).toContain("feeds");
});

test("a feed without a usable url or key is left out, naming the field; the other feeds apply", () => {
  const policy = validatePolicy({
    feeds: [
      { url: "http://lists.example.com/feed.jws", publicKey: keys.publicJwk },
      { url: URL_A, publicKey: keys.privateJwk },
      { url: URL_A, publicKey: "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----" },
      { url: URL_A, publicKey: keys.publicJwk, intervalMinutes: 0, colour: "red" },
    ],
  });
  expect(policy.values.feeds).toHaveLength(1);
  expect(policy.values.feeds![0].intervalMinutes).toBe(DEFAULT_FEED_INTERVAL_MINUTES);
  expect(policy.errors).toEqual([
    expect.stringMatching(/^feeds\[0\]\.url: http: is allowed only to this computer/),
    "feeds[0]: not fetched: no valid url",
    expect.stringMatching(/^feeds\[1\]\.publicKey: this is a private key/),
    "feeds[1]: not fetched: no valid publicKey",
    expect.stringMatching(/^feeds\[2\]\.publicKey: expected an EC P-256/),
    "feeds[2]: not fetched: no valid publicKey",
    'feeds[3]: unknown field "colour" ignored (expected url, publicKey, label, intervalMinutes)',
    "feeds[3].intervalMinutes: expected a number of minutes from 0.5 to 1440, got 0; checked every 60 minutes",
  ]);
  // The private key's secret never appears in a message shown to users.
  expect(policy.errors.join("\n")).not.toContain(keys.privateJwk.d);
});

test(`not an array: no feed, one message; more than ${MAX_FEEDS}: the first ${MAX_FEEDS} apply`, () => {
  expect(validatePolicy({ feeds: { url: URL_A } }).errors).toEqual([
    'feeds: expected an array such as [{ "url": "https://lists.example.com/chain-sentry.jws", "publicKey": { "kty": "EC", "crv": "P-256", "x": "…", "y": "…" } }], got an object; no feed is fetched',
  ]);
  // Exactly the limit is no excess.
  const most = Array.from({ length: MAX_FEEDS }, (_, i) => ({ url: `${URL_A}?n=${i}`, publicKey: keys.publicJwk }));
  expect(validatePolicy({ feeds: most })).toMatchObject({ errors: [], values: { feeds: expect.any(Array) } });
  expect(validatePolicy({ feeds: most }).values.feeds).toHaveLength(MAX_FEEDS);
  const many = Array.from({ length: MAX_FEEDS + 2 }, (_, i) => ({ url: `${URL_A}?n=${i}`, publicKey: keys.publicJwk }));
  const policy = validatePolicy({ feeds: many });
  expect(policy.values.feeds).toHaveLength(MAX_FEEDS);
  expect(policy.errors).toEqual([`feeds: ${MAX_FEEDS + 2} feeds, at most ${MAX_FEEDS} are fetched; feeds[${MAX_FEEDS}] and after are ignored`]);
});

test("the policy's blocklist takes OneCRL-style entries (issuer+serial, subject+SPKI), as feeds do", () => {
  const issuer = "MBIxEDAOBgNVBAMMB1Rlc3QgQ0E="; // DER of CN=Test CA
  const policy = validatePolicy({
    blocklist: [
      { issuerSerial: { issuer, serial: "04:00:AB" } },
      { subjectSpki: { subject: issuer, spkiSha256: "ab".repeat(32) } },
      { issuerSerial: { issuer: "not a name", serial: "1" } },
    ],
  });
  expect(policy.values.blocklist).toEqual([
    { issuerSerial: { issuer, serial: "0400ab" }, source: "policy" },
    { subjectSpki: { subject: issuer, spkiSha256: "ab".repeat(32) }, source: "policy" },
  ]);
  expect(policy.errors).toEqual([
    expect.stringMatching(/^blocklist\[2\]\.issuerSerial\.issuer: expected the base64 of a DER-encoded name/),
    expect.stringMatching(/^blocklist\[2\]: entry ignored/),
  ]);
});

test("an item that is not an object is reported and skipped; the feeds after it apply", () => {
  const policy = validatePolicy({ feeds: ["https://lists.example.com/feed.jws", null, { url: URL_A, publicKey: keys.publicJwk }] });
  expect(policy.errors).toEqual([
    'feeds[0]: expected an object with url and publicKey, got "https://lists.example.com/feed.jws"; ignored',
    "feeds[1]: expected an object with url and publicKey, got null; ignored",
  ]);
  expect(policy.values.feeds!.map((f) => f.url)).toEqual([URL_A]);
});

test("a bad label is reported and the feed applies without it (its document's label is shown); a good one is trimmed", () => {
  const policy = validatePolicy({
    feeds: [
      { url: URL_A, publicKey: keys.publicJwk, label: "Corp\nblocks" },
      { url: URL_A, publicKey: ed.publicJwk, label: "  Corp blocks " },
    ],
  });
  expect(policy.errors).toEqual(['feeds[0].label: expected one line of text of 1 to 200 characters, got "Corp\\nblocks"; the feed\'s own label is shown']);
  expect(policy.values.feeds).toHaveLength(2);
  expect(policy.values.feeds![0]).not.toHaveProperty("label");
  expect(policy.values.feeds![1].label).toBe("Corp blocks");
});

test("intervalMinutes: 0.5 and 1440 are the bounds; beyond them, or not a number, the default with a message", () => {
  const feeds = [0.5, 1440, 1441, "15"].map((intervalMinutes, i) => ({ url: `${URL_A}?n=${i}`, publicKey: keys.publicJwk, intervalMinutes }));
  const policy = validatePolicy({ feeds });
  expect(policy.values.feeds!.map((f) => f.intervalMinutes)).toEqual([0.5, 1440, DEFAULT_FEED_INTERVAL_MINUTES, DEFAULT_FEED_INTERVAL_MINUTES]);
  expect(policy.errors).toEqual([
    "feeds[2].intervalMinutes: expected a number of minutes from 0.5 to 1440, got 1441; checked every 60 minutes",
    'feeds[3].intervalMinutes: expected a number of minutes from 0.5 to 1440, got "15"; checked every 60 minutes',
  ]);
});

test("the same url and key twice is one feed; the same url with another key (a rotation) or the key at another url is another", () => {
  const policy = validatePolicy({
    feeds: [
      { url: URL_A, publicKey: keys.publicJwk, label: "first" },
      { url: URL_A, publicKey: keys.publicJwk, label: "again" },
      { url: URL_A, publicKey: ed.publicJwk },
      { url: `${URL_A}?mirror`, publicKey: keys.publicJwk },
    ],
  });
  expect(policy.errors).toEqual(["feeds[1]: the same url and publicKey as an earlier feed; ignored"]);
  expect(policy.values.feeds!.map((f) => [f.url, f.publicKey.alg, f.label])).toEqual([
    [URL_A, "ES256", "first"],
    [URL_A, "EdDSA", undefined],
    [`${URL_A}?mirror`, "ES256", undefined],
  ]);
});
