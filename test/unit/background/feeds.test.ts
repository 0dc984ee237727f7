/**
 * The background's feed manager with a fake server, alarms and storage (what a unit test cannot get
 * from a browser; the real-Firefox behaviour is in test/e2e/feeds.test.ts): a good document applies
 * at once; a failure of any kind leaves the last good one in force; a restart re-verifies what was
 * kept; an expired document keeps its blocks and loses its allowances.
 */
import { FEED_ALARM_PREFIX, FEED_SESSION_KEY, FEED_STATE_KEY, FeedManager, type FeedAlarmsApi } from "../../../background/feeds";
import { Problems } from "../../../background/problems";
import { parseFeedKey } from "../../../src/feeds/keys";
import { MAX_FEED_BYTES, type FeedConfig, type FeedPayload } from "../../../src/feeds/model";
import { generateFeedKeys, signFeed, type FeedKeyPair } from "../../../src/feeds/sign";
import { fakeStorageArea } from "../support/fakeStorage";

const START = Date.UTC(2026, 11, 2, 6);
const HOUR = 3_600_000;
const URL_A = "https://lists.example.test/feed.jws";
const SPKI = "5a".repeat(32);
const KNOWN = "0b".repeat(32);
const ALLOWED = "ac".repeat(32);

let keys: FeedKeyPair;
let otherKeys: FeedKeyPair;
beforeAll(async () => {
  keys = await generateFeedKeys("ES256");
  otherKeys = await generateFeedKeys("ES256");
});

const configFor = (pair: FeedKeyPair, over: Partial<FeedConfig> = {}): FeedConfig => {
  const key = parseFeedKey(pair.publicJwk);
  if (!key.ok) throw new Error(key.error);
  return { url: URL_A, publicKey: key.value, intervalMinutes: 60, ...over };
};

const payload = (sequence: number, over: Partial<FeedPayload> = {}): FeedPayload => ({
  label: "Corp emergency blocks",
  sequence,
  issuedAt: new Date(START - HOUR).toISOString(),
  expiresAt: new Date(START + 24 * HOUR).toISOString(),
  blocklist: [{ spkiSha256: SPKI, label: "Leaked interception CA" }],
  allowlist: [{ sha256: ALLOWED, label: "Corp root" }],
  knownIntermediates: [KNOWN],
  ...over,
});

/** A feed server: answers the current document (or a failure); counts requests. */
function server() {
  let answer: { body?: string; status?: number; fail?: boolean; headers?: Record<string, string> } = { status: 404 };
  const requests: RequestInit[] = [];
  const fetch = jest.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    requests.push(init!);
    if (answer.fail) throw new TypeError("NetworkError when attempting to fetch resource.");
    return new Response(answer.body ?? "", { status: answer.status ?? 200, headers: answer.headers });
  });
  return {
    fetch: fetch as unknown as typeof globalThis.fetch,
    requests,
    publish: (body: string) => void (answer = { body }),
    answer: (a: typeof answer) => void (answer = a),
  };
}

function fakeAlarms(): FeedAlarmsApi & { created: string[]; periods: Map<string, number> } {
  const periods = new Map<string, number>();
  const created: string[] = [];
  return {
    created,
    periods,
    create: (name, info) => {
      created.push(name);
      periods.set(name, info.periodInMinutes);
    },
    get: async (name) => (periods.has(name) ? { name, scheduledTime: START + HOUR, periodInMinutes: periods.get(name) } : undefined),
    getAll: async () => [...periods.keys()].map((name) => ({ name })),
    clear: async (name) => periods.delete(name),
  };
}

/** One background instance; `storage`/`session`/`alarms` shared between instances model a restart. */
function start(
  shared: {
    storage?: ReturnType<typeof fakeStorageArea>;
    session?: ReturnType<typeof fakeStorageArea>;
    alarms?: ReturnType<typeof fakeAlarms>;
    feed?: ReturnType<typeof server>;
  } = {},
) {
  const env = {
    storage: shared.storage ?? fakeStorageArea(),
    session: shared.session ?? fakeStorageArea(),
    alarms: shared.alarms ?? fakeAlarms(),
    feed: shared.feed ?? server(),
    problems: new Problems({ warn: () => undefined }),
    now: START,
    changes: 0,
  };
  const manager = new FeedManager({
    storage: env.storage,
    session: env.session,
    fetch: env.feed.fetch,
    alarms: env.alarms,
    problems: env.problems,
    onChange: () => void env.changes++,
    now: () => env.now,
  });
  // One object, so that a test's `s.now = …` is the time the manager reads and `s.changes` counts.
  return Object.assign(env, { manager });
}

/** Resolves once every feed was checked at the instance's current time (the checks `configure` starts run on their own). */
async function checked(s: ReturnType<typeof start>): Promise<void> {
  for (let i = 0; i < 500 && !s.manager.status().every((f) => f.lastCheck === s.now); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(s.manager.status().map((f) => f.lastCheck)).toEqual(s.manager.status().map(() => s.now));
}

/** Configures and waits for the start-up checks it started. */
async function configured(s: ReturnType<typeof start>, configs: FeedConfig[]) {
  await s.manager.configure(configs);
  await checked(s);
}

test("a good document applies at once: its blocks, allowances and known intermediates, tagged as the feed's", async () => {
  const s = start();
  s.feed.publish(await signFeed(payload(1), keys.privateJwk));
  await configured(s, [configFor(keys)]);

  const lists = s.manager.lists();
  expect(lists.blocklist).toEqual([
    {
      spkiSha256: SPKI,
      label: "Leaked interception CA",
      source: "feed",
      reason: 'Listed by your organisation\'s signed feed "Corp emergency blocks" (sequence 1)',
    },
  ]);
  expect(lists.allowlist).toEqual([{ sha256: ALLOWED, label: "Corp root", source: "feed" }]);
  expect(lists.knownIntermediates).toEqual([KNOWN]);
  expect(s.changes).toBeGreaterThan(0);
  const [status] = s.manager.status();
  expect(status).toMatchObject({ url: URL_A, label: "Corp emergency blocks", algorithm: "ES256", lastError: null, lastCheck: START, lastSuccess: START });
  expect(status.document).toMatchObject({ sequence: 1, expired: false, counts: { blocklist: 1, allowlist: 1, knownIntermediates: 1 } });
  // No cookies, no HTTP cache.
  expect(s.feed.requests[0]).toMatchObject({ credentials: "omit", cache: "no-store" });
});

test("every refusal leaves the last good document in force and says why", async () => {
  const s = start();
  s.feed.publish(await signFeed(payload(5), keys.privateJwk));
  await configured(s, [configFor(keys)]);
  const inForce = s.manager.lists();
  const good = await signFeed(payload(6, { blocklist: [] }), keys.privateJwk);
  const [head, body, signature] = good.split(".");
  const tampered = `${head}.${body.slice(0, 10)}${body[10] === "A" ? "B" : "A"}${body.slice(11)}.${signature}`;

  const cases: [string, () => Promise<void>, string][] = [
    ["tampered", async () => s.feed.publish(tampered), "bad-signature"],
    ["another key", async () => s.feed.publish(await signFeed(payload(7, { blocklist: [] }), otherKeys.privateJwk)), "bad-signature"],
    ["lower sequence", async () => s.feed.publish(await signFeed(payload(4, { blocklist: [] }), keys.privateJwk)), "rollback"],
    ["same sequence, other content", async () => s.feed.publish(await signFeed(payload(5, { blocklist: [] }), keys.privateJwk)), "rollback"],
    [
      "expired",
      async () => s.feed.publish(await signFeed(payload(8, { blocklist: [], expiresAt: new Date(START - 1).toISOString() }), keys.privateJwk)),
      "expired",
    ],
    ["unreachable", async () => s.feed.answer({ fail: true }), "unreachable"],
    ["HTTP 500", async () => s.feed.answer({ status: 500, body: "oops" }), "unreachable"],
    ["too large, declared", async () => s.feed.answer({ body: "x", headers: { "content-length": String(MAX_FEED_BYTES + 1) } }), "too-large"],
    ["too large, undeclared", async () => s.feed.answer({ body: "x".repeat(MAX_FEED_BYTES + 1) }), "too-large"],
    ["not a JWS", async () => s.feed.answer({ body: "<html>captive portal</html>" }), "malformed"],
  ];
  for (const [what, publish, kind] of cases) {
    await publish();
    const [status] = await s.manager.checkAll();
    expect({ what, kind: status.lastError?.kind }).toEqual({ what, kind });
    expect({ what, sequence: status.document?.sequence }).toEqual({ what, sequence: 5 });
    expect(s.manager.lists()).toEqual(inForce);
  }
  // A good one again clears the error.
  s.feed.publish(good);
  const [status] = await s.manager.checkAll();
  expect(status.lastError).toBeNull();
  expect(status.document?.sequence).toBe(6);
  expect(s.manager.lists().blocklist).toEqual([]);
});

test("after a browser restart with the server down, the kept document still applies (re-verified), and the error shows", async () => {
  const first = start();
  first.feed.publish(await signFeed(payload(3), keys.privateJwk));
  await configured(first, [configFor(keys)]);

  // A restart: same storage.local, a fresh storage.session, the server unreachable.
  const feed = server();
  feed.answer({ fail: true });
  const second = start({ storage: first.storage, feed });
  second.now = START + 60_000;
  await second.manager.configure([configFor(keys)]);
  // In force before any check completes: the listener waits for this, not for the network.
  expect(second.manager.lists().blocklist.map((e) => e.spkiSha256)).toEqual([SPKI]);
  await checked(second);
  expect(feed.requests).toHaveLength(1); // checked at start-up
  const [status] = second.manager.status();
  expect(status.lastError?.kind).toBe("unreachable");
  expect(status.document?.sequence).toBe(3);
  expect(second.manager.lists().blocklist.map((e) => e.spkiSha256)).toEqual([SPKI]);
});

test("an event-page wake within the interval does not fetch again; the alarm is kept, not restarted", async () => {
  const first = start();
  first.feed.publish(await signFeed(payload(1), keys.privateJwk));
  await configured(first, [configFor(keys)]);
  expect(first.alarms.created).toHaveLength(1);
  expect(first.session.data[FEED_SESSION_KEY]).toHaveLength(1);

  const wake = start({ storage: first.storage, session: first.session, alarms: first.alarms, feed: first.feed });
  wake.now = START + 10 * 60_000;
  await wake.manager.configure([configFor(keys)]);
  expect(first.feed.requests).toHaveLength(1); // a check would have fetched by now: the fetch starts synchronously
  expect(first.alarms.created).toHaveLength(1);
  expect(wake.manager.lists().blocklist).toHaveLength(1);

  // The alarm fires: the feed is checked.
  const [alarm] = first.alarms.periods.keys();
  expect(alarm.startsWith(FEED_ALARM_PREFIX)).toBe(true);
  await wake.manager.onAlarm(alarm);
  expect(first.feed.requests).toHaveLength(2);
  expect(wake.manager.status()[0].lastCheck).toBe(wake.now);
});

test("a pinned key replaced in the policy: the document signed by the old key no longer applies", async () => {
  const first = start();
  first.feed.publish(await signFeed(payload(2), keys.privateJwk));
  await configured(first, [configFor(keys)]);
  expect(first.manager.lists().blocklist).toHaveLength(1);

  first.now = START + 60_000;
  await configured(first, [configFor(otherKeys)]);
  expect(first.manager.lists().blocklist).toEqual([]);
  const [status] = first.manager.status();
  expect(status.document).toBeNull();
  expect(status.lastError?.kind).toBe("bad-signature");
  // The old feed's alarm and stored document are gone.
  expect(first.alarms.periods.size).toBe(1);
  expect(Object.keys(first.storage.data).filter((k) => k.startsWith("feeds:document:"))).toHaveLength(0);
});

test("a stored document altered in storage is not applied after a restart", async () => {
  const first = start();
  first.feed.publish(await signFeed(payload(2), keys.privateJwk));
  await configured(first, [configFor(keys)]);
  const key = Object.keys(first.storage.data).find((k) => k.startsWith("feeds:document:"))!;
  const [head, , signature] = String(first.storage.data[key]).split(".");
  first.storage.data[key] = `${head}.${Buffer.from(JSON.stringify(payload(99, { blocklist: [] }))).toString("base64url")}.${signature}`;

  const feed = server();
  feed.answer({ fail: true });
  const second = start({ storage: first.storage, feed });
  await second.manager.configure([configFor(keys)]);
  expect(second.manager.lists().blocklist).toEqual([]);
  expect(second.manager.status()[0].document).toBeNull();
  expect(second.problems.list().map((p) => p.message)).toEqual([expect.stringMatching(/no longer verifies/)]);
});

test("an expired last good document keeps blocking, but its allowances and known intermediates lapse", async () => {
  const s = start();
  s.feed.publish(await signFeed(payload(1), keys.privateJwk));
  await configured(s, [configFor(keys)]);
  const changes = s.changes;

  s.now = START + 25 * HOUR; // past expiresAt; the publisher is gone
  s.feed.answer({ fail: true });
  const [status] = await s.manager.checkAll();
  expect(status.document).toMatchObject({ sequence: 1, expired: true });
  expect(s.changes).toBe(changes + 1);
  expect(s.manager.lists()).toEqual({ blocklist: [expect.objectContaining({ spkiSha256: SPKI })], allowlist: [], knownIntermediates: [] });
});

test("the last check's outcome is kept in storage.local for the next start", async () => {
  const s = start();
  s.feed.answer({ status: 404 });
  await configured(s, [configFor(keys)]);
  const state = s.storage.data[FEED_STATE_KEY] as Record<string, { lastError: { kind: string } }>;
  expect(Object.values(state).map((f) => f.lastError.kind)).toEqual(["unreachable"]);
});

test("a failed check says what happened in words; the size limit is a limit, not one byte less; the request carries no cookies and skips the cache", async () => {
  const s = start();
  s.feed.answer({ status: 503, body: "down" });
  await configured(s, [configFor(keys)]);
  expect(s.feed.requests[0]).toMatchObject({ credentials: "omit", cache: "no-store", headers: { Accept: "application/jose" } });
  const cases: [() => void, string, RegExp][] = [
    [() => s.feed.answer({ status: 503 }), "unreachable", /^the server answered HTTP 503$/],
    [() => s.feed.answer({ fail: true }), "unreachable", /^the server could not be reached \(NetworkError/],
    [
      () => s.feed.answer({ body: "x", headers: { "content-length": String(MAX_FEED_BYTES + 1) } }),
      "too-large",
      new RegExp(`^the document is ${(MAX_FEED_BYTES + 1).toLocaleString("en")} bytes, more than the ${MAX_FEED_BYTES.toLocaleString("en")} `),
    ],
    [
      () => s.feed.answer({ body: "x".repeat(MAX_FEED_BYTES + 1) }),
      "too-large",
      new RegExp(`^the document is over ${MAX_FEED_BYTES.toLocaleString("en")} bytes`),
    ],
    // At the limit: read, then refused for what it says, not for its size.
    [() => s.feed.answer({ body: "x", headers: { "content-length": String(MAX_FEED_BYTES) } }), "malformed", /./],
    [() => s.feed.answer({ body: "x".repeat(MAX_FEED_BYTES) }), "malformed", /./],
  ];
  for (const [answer, kind, message] of cases) {
    answer();
    const [status] = await s.manager.checkAll();
    expect(status.lastError).toMatchObject({ kind, message: expect.stringMatching(message) });
  }
});

test("a feed the policy no longer names loses its alarm and its stored state; the others keep theirs and their documents", async () => {
  const s = start();
  s.feed.publish(await signFeed(payload(1), keys.privateJwk));
  const other = configFor(otherKeys, { url: "https://other.example.test/feed.jws" });
  await configured(s, [configFor(keys), other]);
  // The server's document is signed by the first feed's key only: the other feed keeps none.
  const ids = Object.keys(s.storage.data[FEED_STATE_KEY] as object);
  expect([...s.alarms.periods.keys()].sort()).toEqual(ids.map((id) => `${FEED_ALARM_PREFIX}${id}`).sort());
  const kept = ids.find((id) => `feeds:document:${id}` in s.storage.data)!;
  const dropped = ids.find((id) => id !== kept)!;
  expect(dropped).toBeDefined();

  await s.manager.configure([configFor(keys)]);
  expect([...s.alarms.periods.keys()]).toEqual([`${FEED_ALARM_PREFIX}${kept}`]);
  expect(Object.keys(s.storage.data[FEED_STATE_KEY] as object)).toEqual([kept]);
  expect(Object.keys(s.storage.data)).toContain(`feeds:document:${kept}`);
  expect(Object.keys(s.storage.data).filter((k) => k.includes(dropped))).toEqual([]);
});
