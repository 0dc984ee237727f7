import { Problems } from "../../../background/problems";
import { TabStore, type ResponseRecord } from "../../../background/tabStore";
import type { TabState } from "../../../src/protocol";
import { parseList } from "../../../src/settings";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

const quiet = () => new Problems({ warn: () => undefined });

async function response(url: string, topLevel: boolean, opts: { builtInRoot?: boolean; block?: boolean } = {}): Promise<ResponseRecord> {
  const info = await securityInfo(await makePki(), { builtInRoot: opts.builtInRoot });
  const a = analyzer();
  if (opts.block) a.setSettings({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "user").entries });
  return {
    tabId: 4, url, topLevel, info, verdict: a.analyze(info),
    der: info.certificates.map((c) => Buffer.from(Uint8Array.from(c.rawDER!)).toString("base64")),
    blocked: false, time: Date.now(),
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

  const restarted = new TabStore(session, () => undefined, quiet());
  await restarted.restore();
  const state = restarted.get(4)!;
  expect(state.top?.verdict).toEqual(top.verdict);
  expect(state.top?.der).toEqual(top.der);

  restarted.remove(4);
  await restarted.flush();
  expect(Object.keys(session.data)).toEqual([]);
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

  const problems = quiet();
  const restarted = new TabStore(session, () => undefined, problems);
  await restarted.restore();
  expect(restarted.all().map((s) => s.tabId)).toEqual([4]);
  expect(restarted.get(4)?.unchecked).toEqual([]);
  expect(Object.keys(session.data).filter((k) => k.startsWith("tab:"))).toEqual(["tab:4"]);
  expect(session.data["der:AA:BB"]).toBeUndefined();
  expect(problems.list()).toMatchObject([{ area: "tab-state", message: "3 stored tab states could not be read and were dropped" }]);
  // Later successful writes do not bring the lost state back: the problem stays shown.
  restarted.record(await response("https://site.test/next", true));
  await restarted.flush();
  expect(problems.list()).toHaveLength(1);
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
