import { Problems } from "../../../background/problems";
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  MAX_QUEUED_BYTES,
  MAX_QUEUED_EVENTS,
  Reporter,
  REPORTING_ALARM,
  RETRY_AFTER_CAP_MS,
  retryAfterMs,
  retryAfterSpreadMs,
  SETTLE_MS,
  type ReporterDeps,
} from "../../../background/reporting";
import { droppedEvent } from "../../../src/reporting/events";
import type { ReportEvent, ReportingConfig } from "../../../src/reporting/model";
import { fakeStorageArea } from "../support/fakeStorage";

const START = Date.UTC(2026, 0, 1);
const config = (over: Partial<ReportingConfig> = {}): ReportingConfig => ({
  endpoint: "https://collector.test/ingest",
  format: "ndjson",
  headers: {},
  minLevel: "warning",
  url: "origin",
  includeChain: false,
  batchSize: 10,
  intervalSeconds: 30,
  ...over,
});

let serial = 0;
/** Ids of one fixed shape, so the ids a request carried can be read from its body whatever the format. */
const event = (over: Partial<ReportEvent> = {}): ReportEvent => ({
  id: `ev-${String(++serial).padStart(8, "0")}`,
  time: START,
  kind: "finding",
  level: "blocked",
  ruleId: "blocked-certificate",
  title: "A blocked certificate",
  url: "https://site.test",
  serverAddress: "site.test",
  stopped: false,
  blocklistVersion: "b1",
  extensionVersion: "0.1.0",
  browserVersion: "Firefox 140",
  ...over,
});
const events = (n: number) => Array.from({ length: n }, () => event());

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** The request fails as a network error does. */
  fail?: boolean;
}

/** A collector: answers from `script` in order (then 200), and records each request's body. */
function collector(script: Answer[] = []) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), init: init! });
    const answer = script.shift() ?? {};
    if (answer.fail) throw new TypeError("NetworkError when attempting to fetch resource.");
    return new Response(answer.body ?? "", { status: answer.status ?? 200, headers: answer.headers });
  });
  const sentIds = (all: ReportEvent[]) => {
    const known = new Set(all.map((e) => e.id));
    return requests.map((r) => (String(r.init.body).match(/ev-\d{8}/g) ?? []).filter((id, i, list) => known.has(id) && list.indexOf(id) === i));
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests, sentIds };
}

function setup(options: { storage?: ReturnType<typeof fakeStorageArea>; script?: Answer[]; random?: () => number } = {}) {
  const storage = options.storage ?? fakeStorageArea();
  const server = collector(options.script);
  const alarms = { create: jest.fn(), clear: jest.fn(async () => true) };
  const problems = new Problems({ warn: () => undefined });
  const dropped: ReporterDeps["dropped"] = (count, time, c) =>
    droppedEvent(
      count,
      { time, extensionVersion: "0.1.0", browserVersion: "Firefox 140", blocklistVersion: "b1" },
      c,
      () => `dropped-${String(++serial).padStart(8, "0")}`,
    );
  const reporter = new Reporter({ storage, fetch: server.fetch, alarms, problems, random: options.random ?? (() => 0.5), dropped });
  return { reporter, storage, server, alarms, problems };
}

async function started(options: Parameters<typeof setup>[0] & { config?: ReportingConfig | null } = {}) {
  const s = setup(options);
  await s.reporter.restore();
  s.reporter.configure(options.config === undefined ? config() : options.config);
  return s;
}

/** Runs timers and the promises they start, until `ms` of fake time passed. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

/** Runs time forward until the reporter's queue is empty (or `limitMs` passed). */
async function drain(reporter: Reporter, limitMs = 60 * 60_000): Promise<void> {
  for (let waited = 0; (reporter.status()?.queued ?? 0) > 0 && waited < limitMs; waited += 1000) await advance(1000);
  await reporter.settled();
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on("unhandledRejection", onUnhandled));
afterAll(() => process.off("unhandledRejection", onUnhandled));
beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(async () => {
  jest.useRealTimers();
  // A rejection nobody handled surfaces on the next turns of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(unhandled).toEqual([]);
});

test("events are sent in batches of batchSize, as POSTs that carry no cookies, follow no redirect and skip the cache", async () => {
  const { reporter, server } = await started({ config: config({ batchSize: 4 }) });
  const sent = events(10);
  reporter.enqueue(sent);
  await drain(reporter);
  expect(server.sentIds(sent)).toEqual([sent.slice(0, 4), sent.slice(4, 8), sent.slice(8)].map((b) => b.map((e) => e.id)));
  for (const { url, init } of server.requests) {
    expect(url).toBe("https://collector.test/ingest");
    expect(init).toMatchObject({ method: "POST", credentials: "omit", cache: "no-store", redirect: "error" });
    expect(init.signal).toBeInstanceOf(AbortSignal);
  }
  expect(reporter.status()).toMatchObject({ queued: 0, lastSuccess: expect.any(Number), lastError: null, nextAttempt: null });
});

test("a page's findings wait a moment to go together, and a delivery is also set as an alarm to wake a suspended background", async () => {
  const { reporter, server, alarms } = await started();
  reporter.enqueue(events(2));
  reporter.enqueue(events(3));
  expect(alarms.create).toHaveBeenCalledWith(REPORTING_ALARM, { when: START + SETTLE_MS });
  await advance(SETTLE_MS);
  await reporter.settled();
  expect(server.requests).toHaveLength(1);
  expect(alarms.clear).toHaveBeenCalledWith(REPORTING_ALARM);
});

test("the queue survives a restart (a suspended event page, a browser restart) and is sent afterwards", async () => {
  const first = await started({ script: Array(50).fill({ fail: true }) });
  const queued = events(25);
  first.reporter.enqueue(queued);
  await advance(SETTLE_MS);
  await first.reporter.flush();
  expect(first.reporter.status()?.queued).toBe(25);

  // A new background on the same storage: the old one's timers are gone with it.
  jest.clearAllTimers();
  const second = setup({ storage: first.storage });
  await second.reporter.restore();
  second.reporter.configure(config());
  expect(second.reporter.status()).toMatchObject({ queued: 25, lastError: { message: expect.stringMatching(/could not be reached/) } });
  second.reporter.onAlarm();
  await drain(second.reporter);
  expect(second.server.sentIds(queued).flat()).toEqual(queued.map((e) => e.id));
  await second.reporter.flush();
  const third = setup({ storage: first.storage });
  await third.reporter.restore();
  third.reporter.configure(config());
  expect(third.reporter.status()?.queued).toBe(0);
});

test("unreadable stored data is reported to Problems and dropped; restore never rejects", async () => {
  const storage = fakeStorageArea({
    "reporting:meta": { chunks: [0, 1], dropped: 0, unreported: 0, notice: null, lastSuccess: null, lastError: null, failures: 0, nextAttempt: null },
    "reporting:queue:0": [event(), { id: 5 }],
    "reporting:queue:1": "garbage",
  });
  const { reporter, problems } = setup({ storage });
  await expect(reporter.restore()).resolves.toBeUndefined();
  reporter.configure(config());
  expect(reporter.status()?.queued).toBe(1);
  expect(problems.list()).toEqual([
    expect.objectContaining({
      area: "reporting",
      message: expect.stringMatching(/1 event\(s\) in "reporting:queue:0" of the wrong shape; "reporting:queue:1" is not a list/),
    }),
  ]);

  const broken = fakeStorageArea();
  broken.get = () => Promise.reject(new Error("disk gone"));
  const b = setup({ storage: broken });
  await expect(b.reporter.restore()).resolves.toBeUndefined();
  expect(b.problems.list()).toEqual([expect.objectContaining({ area: "reporting", message: expect.stringMatching(/starts empty: disk gone/) })]);
});

test("when full, the oldest are dropped and counted, and delivery resumes with one 'dropped N events' event first", async () => {
  const { reporter, server } = await started({ config: config({ batchSize: 500 }), script: [{ fail: true }] });
  const all = events(MAX_QUEUED_EVENTS + 30);
  reporter.enqueue(all);
  expect(reporter.status()).toMatchObject({ queued: MAX_QUEUED_EVENTS, dropped: 30 });
  await drain(reporter);

  const delivered = server.requests.slice(1).map((r) => String(r.init.body));
  expect(delivered[0].split("\n")[0]).toMatch(/dropped 30 events/);
  expect(delivered.join("").match(/dropped \d+ events/g)).toHaveLength(1);
  expect(server.sentIds(all).slice(1).flat()).toEqual(all.slice(30).map((e) => e.id));
});

test("the queue is bounded by bytes as well", async () => {
  const { reporter } = await started();
  const big = "x".repeat(100_000);
  const sent = Array.from({ length: 80 }, () => event({ title: big }));
  reporter.enqueue(sent);
  const { queued, dropped } = reporter.status()!;
  expect(queued + dropped).toBe(80);
  expect(queued * big.length).toBeLessThanOrEqual(MAX_QUEUED_BYTES);
  expect(dropped).toBeGreaterThan(0);
});

test("a burst of 5,000 events costs a bounded number of storage writes", async () => {
  const { reporter, storage } = await started({ script: Array(20).fill({ fail: true }) });
  const set = jest.spyOn(storage, "set");
  for (let i = 0; i < 5000; i++) reporter.enqueue([event()]);
  await advance(2000);
  await reporter.flush();
  expect(set.mock.calls.length).toBeLessThanOrEqual(3);
  // Every event is in storage, in order.
  const reopened = setup({ storage });
  await reopened.reporter.restore();
  reopened.reporter.configure(config());
  expect(reopened.reporter.status()?.queued).toBe(5000);
});

test("network errors, 5xx and 408 are retried with exponential backoff and full jitter, within bounds", async () => {
  const draws = [1, 0.5, 1, 1, 1, 1, 1, 1, 1, 0.25];
  const script: Answer[] = [{ fail: true }, { status: 500 }, { status: 408 }, { status: 502 }, ...Array(6).fill({ fail: true })];
  const { reporter, server } = await started({ script, random: () => draws.shift()! });
  reporter.enqueue(events(1));
  const waits: number[] = [];
  let last = START + SETTLE_MS;
  for (let failures = 1; failures <= 10; failures++) {
    await advance(last - Date.now());
    await reporter.settled();
    expect(server.requests).toHaveLength(failures);
    const next = reporter.status()!.nextAttempt!;
    waits.push(next - Date.now());
    last = next;
  }
  const ceilings = waits.map((_, i) => Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** i));
  waits.forEach((wait, i) => {
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(ceilings[i]);
  });
  // With the largest draw the wait is the ceiling: it doubles, then stops at the cap.
  expect(waits[0]).toBe(ceilings[0]);
  expect(waits[3]).toBe(2 * waits[2]);
  expect(waits[8]).toBe(BACKOFF_CAP_MS);
  expect(waits[1]).toBeLessThan(ceilings[1]);
  expect(waits[9]).toBeLessThan(waits[8]);
  await drain(reporter);
  expect(reporter.status()).toMatchObject({ queued: 0, rejected: 0 });
});

test.each([
  ["seconds", "120", 120_000],
  ["an HTTP date", new Date(START + SETTLE_MS + 90_000).toUTCString(), 90_000],
  ["a wait over the cap", String(24 * 3600), RETRY_AFTER_CAP_MS],
])("429 and 503 honour Retry-After given as %s, spread a little later across a fleet", async (_, retryAfter, asked) => {
  // The test's random() is 0.5: half of the largest spread.
  const wait = asked + retryAfterSpreadMs(asked, () => 0.5);
  expect(wait).toBeGreaterThan(asked);
  expect(wait).toBeLessThanOrEqual(asked + 15_000);
  for (const status of [429, 503]) {
    jest.setSystemTime(START);
    const { reporter, server } = await started({ script: [{ status, headers: { "Retry-After": retryAfter } }] });
    reporter.enqueue(events(1));
    await advance(SETTLE_MS);
    await reporter.settled();
    expect(reporter.status()?.nextAttempt).toBe(START + SETTLE_MS + wait);
    await advance(wait - 1);
    expect(server.requests).toHaveLength(1);
    await advance(1);
    await reporter.settled();
    expect(server.requests).toHaveLength(2);
    expect(reporter.status()?.queued).toBe(0);
    jest.clearAllTimers();
  }
});

test("another 4xx is not retried: the batch is set aside, counted, its error shown, and the rest goes on", async () => {
  const { reporter, server } = await started({ config: config({ batchSize: 2 }), script: [{ status: 400, body: "bad field" }] });
  const sent = events(5);
  reporter.enqueue(sent);
  await drain(reporter);
  expect(server.sentIds(sent)).toEqual([[sent[0].id, sent[1].id], [sent[2].id, sent[3].id], [sent[4].id]]);
  expect(reporter.status()).toMatchObject({ queued: 0, rejected: 2, lastError: { message: expect.stringMatching(/HTTP 400: bad field/) } });
  await advance(60 * 60_000);
  expect(server.requests).toHaveLength(3);

  // A new collector (or token) from the policy: what was refused is tried there.
  reporter.configure(config({ batchSize: 2, token: "new" }));
  await drain(reporter);
  await advance(SETTLE_MS);
  expect(server.sentIds(sent).at(-1)).toEqual([sent[0].id, sent[1].id]);
  expect(reporter.status()).toMatchObject({ rejected: 0, queued: 0 });
});

test("one delivery at a time", async () => {
  const { server } = setup();
  const answer = server.fetch;
  let inFlight = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  // Each request waits until released, so enqueues and alarms arrive while one is under way.
  const slow = async (...args: Parameters<typeof fetch>) => {
    most = Math.max(most, ++inFlight);
    await new Promise<void>((resolve) => releases.push(resolve));
    inFlight--;
    return answer(...args);
  };
  const r = new Reporter({
    storage: fakeStorageArea(),
    fetch: slow,
    alarms: { create: jest.fn(), clear: jest.fn(async () => true) },
    problems: new Problems(),
    dropped: () => event(),
  });
  await r.restore();
  r.configure(config({ batchSize: 1 }));
  r.enqueue(events(3));
  await advance(SETTLE_MS);
  r.onAlarm();
  r.enqueue(events(1));
  r.onAlarm();
  while (releases.length) {
    releases.shift()!();
    await advance(SETTLE_MS);
  }
  await r.settled();
  expect(server.requests).toHaveLength(4);
  expect(most).toBe(1);
  expect(r.status()?.queued).toBe(0);
});

test("nothing is queued or sent while reporting is off, and turning it off drops the queue", async () => {
  const off = await started({ config: null });
  off.reporter.enqueue(events(5));
  await advance(60 * 60_000);
  expect(off.server.requests).toHaveLength(0);
  expect(off.reporter.status()).toBeNull();

  const { reporter, server, storage } = await started({ script: [{ fail: true }] });
  reporter.enqueue(events(5));
  await advance(SETTLE_MS);
  await reporter.flush();
  expect(Object.keys(storage.data).some((k) => k.startsWith("reporting:queue:"))).toBe(true);
  reporter.configure(null);
  await advance(60 * 60_000);
  await reporter.flush();
  expect(server.requests).toHaveLength(1);
  expect(Object.keys(storage.data).filter((k) => k.startsWith("reporting:"))).toEqual([]);

  // A stored queue found at start under a policy without reporting is dropped too.
  const again = setup({
    storage: fakeStorageArea({
      "reporting:queue:0": [event()],
      "reporting:meta": { chunks: [0], dropped: 0, unreported: 0, notice: null, lastSuccess: null, lastError: null, failures: 0, nextAttempt: null },
    }),
  });
  again.reporter.configure(null);
  await again.reporter.restore();
  await again.reporter.flush();
  expect(again.storage.data).toEqual({});
});

test("a storage failure is reported, the queue kept in memory and saved later", async () => {
  const { reporter, storage, problems } = await started({ script: Array(10).fill({ fail: true }) });
  const set = storage.set;
  storage.set = () => Promise.reject(new Error("quota"));
  reporter.enqueue(events(3));
  await advance(SETTLE_MS);
  await reporter.flush();
  expect(problems.list()).toEqual([expect.objectContaining({ area: "reporting", message: expect.stringMatching(/could not be saved.*quota/) })]);
  storage.set = set;
  await advance(10_000);
  await reporter.flush();
  expect(problems.list()).toEqual([]);
  const reopened = setup({ storage });
  await reopened.reporter.restore();
  reopened.reporter.configure(config());
  expect(reopened.reporter.status()?.queued).toBe(3);
});

describe("a stored event or index with one thing wrong", () => {
  const good = () => event();
  const meta = { chunks: [0], dropped: 0, unreported: 0, notice: null, lastSuccess: null, lastError: null, failures: 0, nextAttempt: null };
  test.each<[string, Record<string, unknown>]>([
    ["an id that is not text", { id: 5 }],
    ["no time", { time: "today" }],
    ["another kind", { kind: "other" }],
    ["another level", { level: "severe" }],
    ["no rule", { ruleId: null }],
    ["no title", { title: 3 }],
    ["stopped not a yes or no", { stopped: "no" }],
  ])("an event with %s is dropped, the others kept", async (_, spoil) => {
    const storage = fakeStorageArea({ "reporting:meta": meta, "reporting:queue:0": [good(), { ...good(), ...spoil }, null, good()] });
    const { reporter, problems } = setup({ storage });
    await reporter.restore();
    reporter.configure(config());
    expect(reporter.status()?.queued).toBe(2);
    expect(problems.list()).toEqual([expect.objectContaining({ message: expect.stringContaining('2 event(s) in "reporting:queue:0" of the wrong shape') })]);
  });

  test.each<[string, Record<string, unknown>]>([
    ["a chunk number out of range", { chunks: [1_000_000] }],
    ["a negative chunk number", { chunks: [-1] }],
    ["a fractional dropped count", { dropped: 1.5 }],
    ["a negative unreported count", { unreported: -1 }],
    ["no failure count", { failures: undefined }],
    ["a last success that is no time", { lastSuccess: "yesterday" }],
    ["a next attempt that is no time", { nextAttempt: Infinity }],
    ["a notice that is no event", { notice: { id: 1 } }],
    ["a last error without time", { lastError: { message: "x" } }],
    ["a last error without message", { lastError: { time: 1 } }],
  ])("an index with %s is not used: the queue it lists is dropped, and the index said unreadable", async (_, spoil) => {
    const storage = fakeStorageArea({ "reporting:meta": { ...meta, ...spoil }, "reporting:queue:0": [good(), good()] });
    const { reporter, problems } = setup({ storage });
    await reporter.restore();
    reporter.configure(config());
    expect(reporter.status()?.queued).toBe(0);
    expect(problems.list()).toEqual([expect.objectContaining({ message: expect.stringContaining('the index "reporting:meta" is not readable') })]);
  });

  test("a well-formed index with a notice, an error and counters is read as it is", async () => {
    const notice = event({ kind: "dropped", ruleId: "dropped", title: "3 events dropped" });
    const kept = { ...meta, dropped: 3, notice, lastError: { time: START - 5, message: "HTTP 500" }, lastSuccess: START - 60_000, failures: 2 };
    const { reporter, problems } = setup({ storage: fakeStorageArea({ "reporting:meta": kept, "reporting:queue:0": [good()] }) });
    await reporter.restore();
    reporter.configure(config());
    expect(problems.list()).toEqual([]);
    expect(reporter.status()).toMatchObject({ queued: 2, lastError: { message: "HTTP 500" } });
  });
});

test("Retry-After: seconds or an HTTP date, anything else unreadable", () => {
  const now = Date.UTC(2026, 0, 1);
  expect(retryAfterMs(" 30 ", now)).toBe(30_000);
  expect(retryAfterMs(new Date(now + 5000).toUTCString(), now)).toBe(5000);
  expect(retryAfterMs(new Date(now - 5000).toUTCString(), now)).toBe(0);
  for (const unreadable of [null, "", "  ", "soon", "30s"]) expect([unreadable, retryAfterMs(unreadable, now)]).toEqual([unreadable, null]);
});
