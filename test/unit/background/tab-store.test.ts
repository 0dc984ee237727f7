import { Problems } from "../../../background/problems";
import { COUNTS_DELAY_MS, SHARED_GRACE_MS, TabStore, urlParts, type ResponseRecord } from "../../../background/tabStore";
import type { TabState } from "../../../src/protocol";
import { parseList } from "../../../src/settings";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

const quiet = () => new Problems({ warn: () => undefined });

async function response(url: string, topLevel: boolean, opts: { builtInRoot?: boolean; block?: boolean } = {}): Promise<ResponseRecord> {
  const info = await securityInfo(await makePki(), { builtInRoot: opts.builtInRoot });
  const a = analyzer();
  if (opts.block) a.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "user").entries });
  return {
    tabId: 4,
    url,
    topLevel,
    info,
    verdict: a.analyze(info),
    der: info.certificates.map((c) => Buffer.from(Uint8Array.from(c.rawDER!)).toString("base64")),
    blocked: false,
    time: Date.now(),
  };
}

test("the page's chain, its subresource chains by origin, and the worst level across them", async () => {
  const changes: TabState[] = [];
  const store = new TabStore(fakeStorageArea(), (s) => changes.push(structuredClone(s)), quiet());
  store.record(await response("https://site.test/", true, { builtInRoot: true }));
  const cdn = await response("https://cdn.test/app.js", false, { block: true });
  store.record(cdn);
  store.record({ ...cdn, url: "https://cdn.test/other.js" });
  store.record(await response("https://fonts.test/a.woff", false));

  const state = store.get(4)!;
  expect(state.url).toBe("https://site.test/");
  expect(state.top?.verdict.level).toBe("notice");
  expect(state.origins.map((o) => [o.origin, o.level, o.chains.length])).toEqual([
    ["https://cdn.test", "blocked", 1],
    ["https://fonts.test", "warning", 1],
  ]);
  expect(state.origins[0].chains[0].requests).toBe(2);
  expect(state.level).toBe("blocked");
  expect(changes.at(-1)?.level).toBe("blocked");
});

test("a new top-level document resets the tab; closing the tab drops it", async () => {
  const store = new TabStore(fakeStorageArea(), () => undefined, quiet());
  store.record(await response("https://one.test/", true));
  store.record(await response("https://cdn.test/x.js", false));
  store.record(await response("https://two.test/", true, { builtInRoot: true }));
  expect(store.get(4)?.url).toBe("https://two.test/");
  expect(store.get(4)?.origins).toEqual([]);
  store.navigate(4, "http://plain.test/", Date.now());
  expect(store.get(4)).toMatchObject({ url: "http://plain.test/", top: null, level: "ok" });
  store.remove(4);
  expect(store.get(4)).toBeNull();
});

test("state survives a background restart through storage.session, certificate bytes included", async () => {
  const session = fakeStorageArea();
  const store = new TabStore(session, () => undefined, quiet());
  const top = await response("https://site.test/", true);
  store.record(top);
  await store.flush();
  // Bytes are stored once per certificate, not inside the tab state.
  expect(JSON.stringify(session.data["tab:4"])).not.toContain(top.der[0]!.slice(0, 40));

  let now = Date.now();
  const restarted = new TabStore(session, () => undefined, quiet(), { now: () => now });
  await restarted.restore();
  const state = restarted.get(4)!;
  expect(state.top?.verdict).toEqual(top.verdict);
  expect(state.top?.derAvailable).toEqual([true, true, true]);
  expect(top.verdict.chain.map((c) => restarted.certificate(4, c.sha256))).toEqual(top.der);

  // Closing the tab removes its keys with the next write; the certificates' bytes and the verdict go
  // once no tab has shown them for SHARED_GRACE_MS (a tab opened again on the same sites does not write them again).
  restarted.remove(4);
  await restarted.flush();
  expect(Object.keys(session.data).filter((k) => !/^(der|verdict):/.test(k))).toEqual([]);
  expect(Object.keys(session.data).filter((k) => k.startsWith("verdict:"))).toHaveLength(1);
  now += SHARED_GRACE_MS;
  await restarted.flush();
  expect(Object.keys(session.data)).toEqual([]);
  expect(top.verdict.chain.map((c) => restarted.certificate(4, c.sha256))).toEqual([null, null, null]);
});

test("TLS failures are kept with Firefox's message; a failed top-level load replaces the page state", async () => {
  const store = new TabStore(fakeStorageArea(), () => undefined, quiet());
  store.record(await response("https://site.test/", true));
  const failure = { url: "https://bad.test/", origin: "https://bad.test", error: "Peer’s Certificate issuer is not recognized.", type: "main_frame", time: 1 };
  store.recordFailure(4, failure, true);
  expect(store.get(4)).toMatchObject({ url: "https://bad.test/", top: null, failures: [failure] });
});

test("a restart keeps what it can read: other shapes are dropped, removed from storage and reported, never thrown", async () => {
  const session = fakeStorageArea();
  const store = new TabStore(session, () => undefined, quiet());
  store.record(await response("https://site.test/", true));
  await store.flush();
  session.data["tab:999"] = { tabId: 999 }; // an older version's shape: no origins
  session.data["tab:998"] = "garbage";
  session.data["tab:997"] = { tabId: 997, url: null, top: { verdict: null }, origins: [], failures: [] };
  session.data["der:AA:BB"] = "bytes nothing refers to";
  // Pieces of tabs that cannot be read, or are not there at all.
  session.data["tab-counts:997"] = { updatedAt: 1, origins: [[1, 0]] };
  session.data["tab-origin:997:0"] = { origin: "https://cdn.test", level: "ok", chains: [] };
  session.data["tab-origin:996:0"] = { origin: "https://cdn.test", level: "ok", chains: [] };

  const problems = quiet();
  const restarted = new TabStore(session, () => undefined, problems);
  await restarted.restore();
  expect(restarted.all().map((s) => s.tabId)).toEqual([4]);
  expect(restarted.get(4)?.unchecked).toEqual([]);
  expect(Object.keys(session.data).filter((k) => k.startsWith("tab"))).toEqual(["tab:4", "tab-counts:4"]);
  expect(session.data["der:AA:BB"]).toBeUndefined();
  expect(problems.list()).toMatchObject([{ area: "tab-state", message: "3 stored tab states could not be read and were dropped" }]);
  // Later successful writes do not bring the lost state back: the problem stays shown.
  restarted.record(await response("https://site.test/next", true));
  await restarted.flush();
  expect(problems.list()).toHaveLength(1);
});

describe("a stored tab state with one thing wrong is dropped whole, and said so", () => {
  let stored: Record<string, unknown>;
  beforeAll(async () => {
    const session = fakeStorageArea();
    const store = new TabStore(session, () => undefined, quiet());
    store.record(await response("https://site.test/", true));
    store.record(await response("https://cdn.test/x.js", false));
    await store.flush();
    stored = session.data;
  });
  type Stored = Record<string, Record<string, unknown> & { origins: unknown[]; chains: { verdict: string }[] }>;
  const cdnVerdictKey = (s: Stored) => `verdict:${s["tab-origin:4:0"].chains[0].verdict}`;
  const cdnVerdict = (s: Stored) => s[cdnVerdictKey(s)];
  const cases: [string, (s: Stored) => void][] = [
    ["a negative counter", (s) => (s["tab-counts:4"].origins[0] = [-1, 0])],
    ["a fractional counter", (s) => (s["tab-counts:4"].origins[0] = [1.5, 0])],
    ["counters for another number of chains", (s) => (s["tab-counts:4"].origins[0] = [1])],
    ["counters that are not lists", (s) => (s["tab-counts:4"].origins = [7])],
    ["no time of update", (s) => (s["tab-counts:4"].updatedAt = "yesterday")],
    ["a missing origin piece", (s) => delete s["tab-origin:4:0"]],
    ["an origin without a name", (s) => (s["tab-origin:4:0"].origin = 42)],
    ["an origin's chains not a list", (s) => (s["tab-origin:4:0"].chains = {} as never)],
    ["a chain whose verdict has no findings", (s) => delete cdnVerdict(s).findings],
    ["a chain whose verdict has no chain", (s) => delete cdnVerdict(s).chain],
    ["a chain whose verdict is not stored", (s) => delete s[cdnVerdictKey(s)]],
    ["a chain whose verdict is not named", (s) => (s["tab-origin:4:0"].chains[0].verdict = 7 as never)],
    ["a page chain without a verdict", (s) => ((s["tab:4"].top as Record<string, unknown>).verdict = "ok")],
    ["no tab id", (s) => (s["tab:4"].tabId = "4")],
    ["failures not a list", (s) => (s["tab:4"].failures = null)],
    ["origins both inline and in pieces", (s) => (s["tab:4"].origins = [structuredClone(s["tab-origin:4:0"])])],
  ];
  test.each(cases)("%s", async (_, spoil) => {
    const session = fakeStorageArea(stored);
    spoil(session.data as Stored);
    const problems = quiet();
    const restarted = new TabStore(session, () => undefined, problems);
    await restarted.restore();
    expect(restarted.all()).toEqual([]);
    expect(problems.list()).toMatchObject([{ area: "tab-state", message: "1 stored tab state could not be read and was dropped" }]);
    expect(Object.keys(session.data).filter((k) => /^(tab|verdict:)/.test(k))).toEqual([]);
  });

  test("an older version's state, its origins and verdicts inline and no counters, is read as it is", async () => {
    const session = fakeStorageArea(stored);
    const data = session.data as Stored;
    const inline = (record: { verdict: string }) => ({ ...record, verdict: data[`verdict:${record.verdict}`] });
    data["tab:4"].origins = [{ ...data["tab-origin:4:0"], chains: data["tab-origin:4:0"].chains.map(inline) }];
    data["tab:4"].top = inline(data["tab:4"].top as { verdict: string });
    for (const key of Object.keys(data)) if (/^(verdict:|tab-counts:|tab-origin:)/.test(key)) delete data[key];
    const problems = quiet();
    const restarted = new TabStore(session, () => undefined, problems);
    await restarted.restore();
    expect(restarted.get(4)?.origins.map((o) => [o.origin, o.chains[0].verdict.chain.length])).toEqual([["https://cdn.test", 3]]);
    expect(restarted.get(4)?.top?.verdict.level).toBe("warning");
    expect(problems.list()).toEqual([]);
    // Written again in this version's shape: the verdicts in their own keys.
    await restarted.flush();
    expect(Object.keys(session.data).filter((k) => k.startsWith("verdict:"))).toHaveLength(2);
  });
});

test("a storage that cannot be read at all leaves the store empty and working, and says so", async () => {
  const session = fakeStorageArea();
  session.get = () => Promise.reject(new Error("storage is corrupt"));
  const problems = quiet();
  const store = new TabStore(session, () => undefined, problems);
  await expect(store.restore()).resolves.toBeUndefined();
  expect(problems.list()[0].message).toMatch(/could not be restored.*storage is corrupt/);
  store.record(await response("https://site.test/", true));
  expect(store.get(4)?.url).toBe("https://site.test/");
});

test("states of tabs closed while the background was away are swept at restore", async () => {
  const session = fakeStorageArea();
  const store = new TabStore(session, () => undefined, quiet());
  store.record(await response("https://site.test/", true));
  store.record({ ...(await response("https://other.test/", true)), tabId: 5 });
  await store.flush();
  const restarted = new TabStore(session, () => undefined, quiet());
  await restarted.restore(Promise.resolve([5]));
  expect(restarted.all().map((s) => s.tabId)).toEqual([5]);
  expect(Object.keys(session.data).filter((k) => k.startsWith("tab:"))).toEqual(["tab:5"]);
});

test("a failed write (quota) is reported, rejects nothing, and is written again with the next change", async () => {
  const session = fakeStorageArea();
  const realSet = session.set;
  session.set = () => Promise.reject(new Error("QuotaExceededError: storage.session is full"));
  const problems = quiet();
  const store = new TabStore(session, () => undefined, problems);
  store.record(await response("https://site.test/", true));
  await expect(store.flush()).resolves.toBeUndefined();
  expect(problems.list()).toMatchObject([{ area: "tab-state" }]);
  expect(problems.list()[0].message).toMatch(/QuotaExceededError/);

  session.set = realSet;
  await store.flush();
  expect(problems.list()).toEqual([]);
  expect(session.data["tab:4"]).toBeDefined();
  expect(Object.keys(session.data).some((k) => k.startsWith("der:"))).toBe(true);
  // Whole again: a restarted background reads the tab, its verdict and bytes included.
  const restarted = new TabStore(session, () => undefined, quiet());
  await restarted.restore();
  expect(restarted.get(4)?.top).toMatchObject({ verdict: store.get(4)?.top?.verdict, derAvailable: [true, true, true] });
});

test("a response arriving after its tab closed does not bring the tab back", async () => {
  const store = new TabStore(fakeStorageArea(), () => undefined, quiet());
  store.record(await response("https://site.test/", true));
  store.remove(4);
  store.record(await response("https://cdn.test/late.js", false));
  store.recordFailure(4, { url: "https://bad.test/", origin: "https://bad.test", error: "x", type: "script", time: 1 }, false);
  store.recordUnchecked(4, { url: "https://site.test/sw", origin: "https://site.test", type: "script", reason: "service worker", time: 1 }, false);
  expect(store.get(4)).toBeNull();
  expect(store.all()).toEqual([]);
});

test("certificate bytes in storage.session stay within their budget across tabs, least recently written dropped first", async () => {
  const session = fakeStorageArea();
  const store = new TabStore(session, () => undefined, quiet());
  const base = await response("https://site.test/", true);
  const big = "A".repeat(100_000);
  for (let tab = 0; tab < 60; tab++) {
    const verdict = structuredClone(base.verdict);
    verdict.chain.forEach((c, i) => (c.sha256 = `${tab}:${i}`));
    store.record({ ...base, tabId: tab, verdict, der: verdict.chain.map(() => big) });
    await store.flush();
  }
  const derKeys = Object.keys(session.data).filter((k) => k.startsWith("der:"));
  const bytes = derKeys.reduce((n, k) => n + (session.data[k] as string).length, 0);
  expect(bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  expect(derKeys).toContain("der:59:0"); // the newest are kept
  expect(derKeys).not.toContain("der:0:0");
  // Every tab state is still there; only old bytes went.
  expect(Object.keys(session.data).filter((k) => k.startsWith("tab:"))).toHaveLength(60);
});

/** Every storage.session write, as the items it set. */
function recordWrites(session: ReturnType<typeof fakeStorageArea>): Record<string, unknown>[] {
  const writes: Record<string, unknown>[] = [];
  const set = session.set.bind(session);
  session.set = (items) => {
    writes.push(structuredClone(items));
    return set(items);
  };
  return writes;
}

/** One chain judged twice: as it is, and with its intermediate blocked by the user (a settings change). */
async function judgedTwice(url: string) {
  const info = await securityInfo(await makePki());
  const der = info.certificates.map((c) => Buffer.from(Uint8Array.from(c.rawDER!)).toString("base64"));
  const blocking = analyzer();
  blocking.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "user").entries });
  const base = { tabId: 4, url, topLevel: false, info, der, blocked: false, time: Date.now() };
  return { plain: { ...base, verdict: analyzer().analyze(info) }, blocked: { ...base, verdict: blocking.analyze(info) } };
}

describe("a response whose chain is already recorded for its origin", () => {
  test("changes its counters only: found by the verdict object (the chain is not even read), no change event", async () => {
    const changes: TabState[] = [];
    const store = new TabStore(fakeStorageArea(), (s) => changes.push(s), quiet());
    store.record(await response("https://site.test/", true));
    const cdn = await response("https://cdn.test/app.js", false);
    store.record(cdn);
    expect(changes).toHaveLength(2);

    // The analyzer hands out the same verdict object for a chain it has cached: nothing else is looked at.
    let chainReads = 0;
    const { chain } = cdn.verdict;
    Object.defineProperty(cdn.verdict, "chain", { get: () => (chainReads++, chain) });
    for (let i = 1; i <= 50; i++) store.record({ ...cdn, url: `https://cdn.test/${i}.js`, blocked: i % 10 === 0, time: cdn.time + i });
    expect(chainReads).toBe(0);
    expect(changes).toHaveLength(2);
    const state = store.get(4)!;
    expect(state.origins).toHaveLength(1);
    expect(state.origins[0].chains).toHaveLength(1);
    expect(state.origins[0].chains[0]).toMatchObject({ requests: 51, blockedRequests: 5, url: "https://cdn.test/app.js" });
    expect(state.updatedAt).toBe(cdn.time + 50);
  });

  test("judged again as another verdict object (settings changed): found by its certificates, the verdict replaced, the change announced", async () => {
    const changes: TabState[] = [];
    const store = new TabStore(fakeStorageArea(), (s) => changes.push(structuredClone(s)), quiet());
    const { plain, blocked } = await judgedTwice("https://cdn.test/app.js");
    store.record(plain);
    store.record({ ...blocked, url: "https://cdn.test/other.js" });
    const [group] = store.get(4)!.origins;
    expect(group.chains).toHaveLength(1);
    expect(group.chains[0].requests).toBe(2);
    expect(group.chains[0].verdict).toBe(blocked.verdict);
    expect(group.level).toBe("blocked");
    expect(changes.map((s) => s.level)).toEqual([plain.verdict.level, "blocked"]);
  });
});

describe("what storage.session receives", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test("a new origin writes its piece; a repeated chain only the tab's small counters, no DER, at most every COUNTS_DELAY_MS; the popup asking writes them at once", async () => {
    const session = fakeStorageArea();
    const writes = recordWrites(session);
    const store = new TabStore(session, () => undefined, quiet());
    const top = await response("https://site.test/", true);
    const cdn = await response("https://cdn.test/app.js", false);
    store.record(top);
    store.record(cdn);
    await jest.advanceTimersByTimeAsync(250);
    expect(writes).toHaveLength(1);
    expect(
      Object.keys(writes[0])
        .filter((k) => !/^(der|verdict):/.test(k))
        .sort(),
    ).toEqual(["tab-counts:4", "tab-origin:4:0", "tab:4"]);
    expect(Object.keys(writes[0]).filter((k) => k.startsWith("der:"))).toHaveLength(6);
    expect(Object.keys(writes[0]).filter((k) => k.startsWith("verdict:"))).toHaveLength(2);
    // The tab's own key and its origins' pieces hold no bytes, and name their verdicts.
    const pieces = JSON.stringify([writes[0]["tab:4"], writes[0]["tab-origin:4:0"]]);
    for (const b64 of [...top.der, ...cdn.der]) expect(pieces).not.toContain(b64!.slice(0, 60));
    expect(pieces).not.toContain(cdn.verdict.chain[0].subject);
    expect(pieces.length).toBeLessThan(2000);

    // 100 responses over a second: nothing written yet.
    for (let i = 1; i <= 100; i++) {
      store.record({ ...cdn, url: `https://cdn.test/${i}.js`, time: cdn.time + i });
      if (i % 10 === 0) await jest.advanceTimersByTimeAsync(100);
    }
    expect(writes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(COUNTS_DELAY_MS);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toEqual({ "tab-counts:4": { updatedAt: cdn.time + 100, origins: [[101, 0]] } });
    expect(JSON.stringify(writes[1]).length).toBeLessThan(80);

    // The popup asks for the tab: what it is shown is written now, not COUNTS_DELAY_MS later.
    store.record({ ...cdn, blocked: true, time: cdn.time + 101 });
    expect(store.view(4)?.origins[0].chains[0]).toMatchObject({ requests: 102, blockedRequests: 1 });
    await jest.advanceTimersByTimeAsync(0);
    expect(writes).toHaveLength(3);
    expect(writes[2]).toEqual({ "tab-counts:4": { updatedAt: cdn.time + 101, origins: [[102, 1]] } });
  });

  test("each certificate's bytes and each verdict are written once: not again for another tab, the next page, or a tab opened again on the same sites", async () => {
    const session = fakeStorageArea();
    const writes = recordWrites(session);
    const store = new TabStore(session, () => undefined, quiet());
    const top = await response("https://site.test/", true);
    const cdn = await response("https://cdn.test/a.js", false);
    const visit = (tabId: number, url = top.url) => {
      store.record({ ...top, tabId, url });
      store.record({ ...cdn, tabId });
    };
    visit(4);
    await store.flush();
    visit(5);
    await store.flush();
    visit(4, "https://site.test/next");
    await store.flush();
    store.remove(4);
    store.remove(5);
    await store.flush();
    await jest.advanceTimersByTimeAsync(SHARED_GRACE_MS / 2);
    visit(6);
    await store.flush();

    const derWrites = writes.flatMap((w) => Object.keys(w).filter((k) => k.startsWith("der:")));
    expect(derWrites.sort()).toEqual([...top.verdict.chain, ...cdn.verdict.chain].map((c) => `der:${c.sha256}`).sort());
    expect(cdn.verdict.chain.map((c) => store.certificate(6, c.sha256))).toEqual(cdn.der);
    expect(Object.keys(session.data).filter((k) => k.startsWith("der:"))).toHaveLength(6);
    const verdictWrites = writes.flatMap((w) => Object.entries(w).filter(([k]) => k.startsWith("verdict:")));
    expect(verdictWrites.map(([, v]) => v)).toEqual([top.verdict, cdn.verdict]);
  });

  test("a chain judged again names its new verdict; the old one is removed once no record has shown it for the grace period", async () => {
    const session = fakeStorageArea();
    const store = new TabStore(session, () => undefined, quiet());
    const { plain, blocked } = await judgedTwice("https://cdn.test/app.js");
    store.record(plain);
    await store.flush();
    store.record(blocked);
    await store.flush();
    const verdicts = () => Object.entries(session.data).flatMap(([k, v]) => (k.startsWith("verdict:") ? [v] : []));
    expect(verdicts()).toEqual([plain.verdict, blocked.verdict]);
    await jest.advanceTimersByTimeAsync(SHARED_GRACE_MS);
    await store.flush();
    expect(verdicts()).toEqual([blocked.verdict]);
    const restarted = new TabStore(session, () => undefined, quiet());
    await restarted.restore();
    expect(restarted.get(4)?.origins[0].chains[0].verdict.level).toBe("blocked");
  });

  test("a page with fewer origins than the last one leaves the rest of its pieces until the tab closes; a restart reads only its own", async () => {
    const session = fakeStorageArea();
    const writes = recordWrites(session);
    const store = new TabStore(session, () => undefined, quiet());
    store.record(await response("https://site.test/", true));
    for (const host of ["a", "b", "c"]) store.record(await response(`https://${host}.test/x.js`, false));
    await store.flush();
    expect(
      Object.keys(session.data)
        .filter((k) => k.startsWith("tab-origin:4:"))
        .sort(),
    ).toEqual(["tab-origin:4:0", "tab-origin:4:1", "tab-origin:4:2"]);
    const removals = jest.spyOn(session, "remove");
    store.record(await response("https://other.test/", true));
    store.record(await response("https://d.test/x.js", false));
    await store.flush();
    expect(removals).not.toHaveBeenCalled();
    expect(Object.keys(writes.at(-1)!).filter((k) => k.startsWith("tab-origin:"))).toEqual(["tab-origin:4:0"]);
    expect((session.data["tab-origin:4:0"] as { origin: string }).origin).toBe("https://d.test");

    const restarted = new TabStore(session, () => undefined, quiet());
    await restarted.restore();
    expect(restarted.get(4)?.origins.map((o) => o.origin)).toEqual(["https://d.test"]);
    expect(Object.keys(session.data).filter((k) => k.startsWith("tab-origin:4:"))).toEqual(["tab-origin:4:0"]);

    store.remove(4);
    await store.flush();
    expect(Object.keys(session.data).filter((k) => k.startsWith("tab"))).toEqual([]);
  });

  test("after a restart the popup gets the state it was shown: the tab put back together from its pieces and counters", async () => {
    const session = fakeStorageArea();
    const store = new TabStore(session, () => undefined, quiet());
    store.record(await response("https://site.test/", true));
    const cdn = await response("https://cdn.test/app.js", false);
    const fonts = await response("https://fonts.test/a.woff", false, { block: true });
    store.record(cdn);
    store.record(fonts);
    const { plain, blocked } = await judgedTwice("https://cdn.test/other.js");
    store.record(plain);
    store.record(blocked);
    store.recordFailure(
      4,
      { url: "https://bad.test/", origin: "https://bad.test", error: "Peer’s Certificate issuer is not recognized.", type: "script", time: 5 },
      false,
    );
    store.recordUnchecked(4, { url: "https://site.test/sw.js", origin: "https://site.test", type: "script", reason: "service worker", time: 6 }, false);
    await jest.advanceTimersByTimeAsync(250);
    for (let i = 0; i < 7; i++) store.record({ ...cdn, blocked: i < 2, time: cdn.time + i });
    for (let i = 0; i < 3; i++) store.record({ ...fonts, time: fonts.time + i });

    const shown = structuredClone(store.view(4));
    await jest.advanceTimersByTimeAsync(0);
    const restarted = new TabStore(session, () => undefined, quiet());
    await restarted.restore();
    expect(restarted.get(4)).toEqual(shown);
    expect(restarted.get(4)!.origins.map((o) => o.chains.map((c) => [c.requests, c.blockedRequests]))).toEqual([
      [
        [8, 2],
        [2, 0],
      ],
      [[4, 0]],
    ]);
    for (const c of fonts.verdict.chain) expect(restarted.certificate(4, c.sha256)).toBe(fonts.der[c.index]);
  });
});

test("a URL's origin and host come from the text before its path, as a URL parse gives them, also when looked up again", () => {
  const urls = [
    "https://a.test/x.js",
    "https://a.test/y.css?v=1",
    "https://a.test",
    "https://a.test?q",
    "https://a.test#f",
    "https://a.test\\x",
    "https://A.TEST:443/x",
    "https://a.test:8443/x",
    "https://user:pw@a.test/x",
    "https://[::1]:9443/x",
    "https://xn--bcher-kva.test/x",
    "https://bücher.test/x",
    "wss://a.test/socket",
    "wss://a.test:443/socket",
    "https:///a.test/x",
    "https:\\\\a.test/x",
    "HTTPS://a.test/x",
    "http://a.test/x",
    "ftp://a.test/x",
    "https://exa mple.test/x",
    "https://a.test:99999/x",
    "not a url",
    "",
  ];
  const expected = (url: string) => {
    try {
      const { origin, host } = new URL(url);
      return { origin, host };
    } catch {
      return { origin: url, host: "" };
    }
  };
  for (let round = 0; round < 2; round++) for (const url of urls) expect([url, urlParts(url)]).toEqual([url, expected(url)]);
});
