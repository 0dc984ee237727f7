import { TabStore, type ResponseRecord } from "../../../background/tabStore";
import type { TabState } from "../../../src/protocol";
import { parseList } from "../../../src/settings";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

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
  const store = new TabStore(fakeStorageArea(), (s) => changes.push(structuredClone(s)));
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
  const store = new TabStore(fakeStorageArea(), () => undefined);
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
  const store = new TabStore(session, () => undefined);
  const top = await response("https://site.test/", true);
  store.record(top);
  await store.flush();
  // Bytes are stored once per certificate, not inside the tab state.
  expect(JSON.stringify(session.data["tab:4"])).not.toContain(top.der[0]!.slice(0, 40));

  const restarted = new TabStore(session, () => undefined);
  await restarted.restore();
  const state = restarted.get(4)!;
  expect(state.top?.verdict).toEqual(top.verdict);
  expect(state.top?.der).toEqual(top.der);

  restarted.remove(4);
  await restarted.flush();
  expect(Object.keys(session.data)).toEqual([]);
});

test("TLS failures are kept with Firefox's message; a failed top-level load replaces the page state", async () => {
  const store = new TabStore(fakeStorageArea(), () => undefined);
  store.record(await response("https://site.test/", true));
  const failure = { url: "https://bad.test/", origin: "https://bad.test", error: "Peer’s Certificate issuer is not recognized.", type: "main_frame", time: 1 };
  store.recordFailure(4, failure, true);
  expect(store.get(4)).toMatchObject({ url: "https://bad.test/", top: null, failures: [failure] });
});
