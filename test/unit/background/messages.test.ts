import { createMessageHandler, type MessageDeps } from "../../../background/messages";
import { Problems } from "../../../background/problems";
import { TabStore } from "../../../background/tabStore";
import type { FeedStatus } from "../../../src/feeds/model";
import { buildSettingsView, validatePolicy } from "../../../src/policy";
import { MAX_CERTIFICATE_BYTES, type BlockedPageInfo, type HistoryEvent, type ResponseOf, type SettingsInput, type TabState } from "../../../src/protocol";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** A tab whose page came with a real chain, recorded by the background's TabStore; `der` replaces the bytes Firefox gave. */
async function setup(der?: (kept: string[]) => string[]) {
  const info = await securityInfo(await makePki());
  const kept = info.certificates.map((c) => base64(Uint8Array.from(c.rawDER!)));
  const verdict = analyzer().analyze(info);
  const tabs = new TabStore(fakeStorageArea(), () => undefined, new Problems({ warn: () => undefined }));
  tabs.record({ tabId: 4, url: "https://site.test/", topLevel: true, info, verdict, der: der ? der(kept) : kept, blocked: false, time: Date.now() });
  const handle = createMessageHandler({ tabs, ready: Promise.resolve() } as unknown as MessageDeps);
  const ask = (sha256: string) => handle({ type: "ui-bg-get-certificate", tabId: 4, sha256 }) as Promise<ResponseOf<"ui-bg-get-certificate">>;
  const state = () => handle({ type: "ui-bg-get-tab-state", tabId: 4 }) as Promise<ResponseOf<"ui-bg-get-tab-state">>;
  return { ask, state, kept, chain: verdict.chain };
}

test("ui-bg-get-tab-state leaves the certificates' bytes out: it says which it has, and they are asked for by SHA-256", async () => {
  const { ask, state, kept, chain } = await setup();
  const served = (await state())!;
  const json = JSON.stringify(served);
  for (const b64 of kept) expect(json).not.toContain(b64.slice(0, 60));
  expect(served.top?.derAvailable).toEqual([true, true, true]);
  expect(await Promise.all(chain.map((c) => ask(c.sha256)))).toEqual(kept.map((der) => ({ der })));
});

test("ui-bg-get-certificate answers with the certificate's bytes as Firefox gave them, undecoded", async () => {
  const { ask, kept, chain } = await setup();
  expect(await ask(chain[1].sha256)).toEqual({ der: kept[1] });
});

test("ui-bg-get-certificate refuses bytes over the size cap, and serves them up to it", async () => {
  // One size per certificate of the chain, each remainder mod 3, so every base64 padding is counted right.
  const sizes = [MAX_CERTIFICATE_BYTES, MAX_CERTIFICATE_BYTES + 1, MAX_CERTIFICATE_BYTES + 2];
  const { ask, chain } = await setup((kept) => kept.map((_, i) => base64(new Uint8Array(sizes[i]))));
  expect(chain).toHaveLength(sizes.length);
  const answers = await Promise.all(chain.map((c) => ask(c.sha256)));
  const expected = sizes.map((n) =>
    n > MAX_CERTIFICATE_BYTES
      ? { error: `The certificate is ${n.toLocaleString("en")} bytes, more than the ${MAX_CERTIFICATE_BYTES.toLocaleString("en")} Chain Sentry decodes.` }
      : { der: base64(new Uint8Array(n)) },
  );
  expect(answers).toEqual(expected);
});

test("ui-bg-get-certificate says so when the tab has no bytes for the certificate", async () => {
  const { ask } = await setup();
  expect(await ask("AB:CD")).toEqual({ error: "The certificate's bytes are not available for this tab any more; reload the page." });
});

test("ui-bg-search-blocklist searches every entry in force, the feeds' included, with their source; the status counts them", async () => {
  const spki = "5a".repeat(32);
  const withLists = analyzer({
    blocklist: [
      { spkiSha256: spki, label: "Contoso leaked CA", reason: 'Listed by your organisation\'s signed feed "Acme SOC" (sequence 3)', source: "feed" },
      { sha256: "ab".repeat(32), label: "Lab proxy", source: "user" },
    ],
    allowlist: [],
    knownIntermediates: ["0c".repeat(32)],
  });
  const feeds = { status: () => [], checkAll: async () => [] };
  const index = { version: "v", sources: [], knownIntermediates: { sha256: [] } };
  const handle = createMessageHandler({
    analyzer: () => withLists,
    index,
    feeds,
    settings: { view: () => ({ policy: {}, effective: { mode: "warn" } }) },
    problems: { list: () => [] },
    reporting: { status: () => null },
    coverage: async () => ({}),
    ready: Promise.resolve(),
  } as unknown as MessageDeps);
  const search = (query: string) => handle({ type: "ui-bg-search-blocklist", query }) as Promise<ResponseOf<"ui-bg-search-blocklist">>;

  expect((await search("contoso leaked")).entries).toEqual([
    expect.objectContaining({ source: "feed", label: "Contoso leaked CA", incident: expect.stringContaining('signed feed "Acme SOC"'), spkiSha256: spki }),
  ]);
  expect((await search(spki.slice(0, 12))).entries.map((e) => e.label)).toEqual(["Contoso leaked CA"]);
  expect((await search("contoso soc")).total).toBe(1); // by the feed named in its incident
  expect((await search("diginotar")).total).toBeGreaterThan(0); // the bundled entries are still searched

  const status = (await handle({ type: "ui-bg-get-status" })) as ResponseOf<"ui-bg-get-status">;
  expect(status.blocklist.counts).toMatchObject({ feed: 1, user: 1 });
  expect(status.blocklist.knownIntermediates).toBe(withLists.knownIntermediateCount);
  expect(withLists.knownIntermediateCount).toBe(analyzer().knownIntermediateCount + 1);
});

test("ui-bg-get-lists answers with the lists the background's analyzer applies: a page's analyzer given them decides alike", async () => {
  const info = await securityInfo(await makePki());
  const intermediate = analyzer().analyze(info).chain[1];
  const lists = {
    blocklist: [{ spkiSha256: intermediate.spkiSha256, label: "Leaked CA", source: "feed" as const }],
    allowlist: [{ sha256: "ab".repeat(32), label: "Lab root", source: "user" as const }],
    knownIntermediates: ["0c".repeat(32)],
  };
  const background = analyzer();
  background.setLists(lists);
  const handle = createMessageHandler({ analyzer: () => background, ready: Promise.resolve() } as unknown as MessageDeps);
  const answer = (await handle({ type: "ui-bg-get-lists" })) as ResponseOf<"ui-bg-get-lists">;
  expect(answer).toEqual(lists);
  const page = analyzer(JSON.parse(JSON.stringify(answer)));
  expect(page.analyze(info, 1)).toEqual(background.analyze(info, 1));
  expect(page.analyze(info, 1).level).toBe("blocked");
});

/** A handler over only the dependencies a test gives (touching any other one throws). */
const handlerWith = (deps: Partial<MessageDeps>) => createMessageHandler({ ready: Promise.resolve(), ...deps } as MessageDeps);

test("ui-bg-get-tab-state answers with the tab's state, and null for a tab the background has not seen", async () => {
  const state = { tabId: 7, level: "warning" } as TabState;
  const handle = handlerWith({ tabs: { view: (tabId: number) => (tabId === 7 ? state : null) } as unknown as MessageDeps["tabs"] });
  expect(await handle({ type: "ui-bg-get-tab-state", tabId: 7 })).toBe(state);
  expect(await handle({ type: "ui-bg-get-tab-state", tabId: 8 })).toBeNull();
});

test("ui-bg-get-settings answers with the settings view; ui-bg-save-settings hands the page's input to the store and answers with its outcome", async () => {
  const view = buildSettingsView({}, validatePolicy({ mode: "block" }));
  const saved: SettingsInput[] = [];
  const refusal = { path: ["historyLimit"], message: "a whole number from 1 to 100000 was expected, not -1" };
  const settings: MessageDeps["settings"] = {
    view: () => view,
    save: async (input) => {
      saved.push(input);
      return input.historyLimit === -1 ? { ok: false, errors: [refusal] } : { ok: true, view };
    },
  };
  const handle = handlerWith({ settings });
  expect(await handle({ type: "ui-bg-get-settings" })).toEqual(view);
  expect(await handle({ type: "ui-bg-save-settings", input: { historyLimit: -1 } })).toEqual({ ok: false, errors: [refusal] });
  expect(await handle({ type: "ui-bg-save-settings", input: { notifyWarnings: true } })).toEqual({ ok: true, view });
  expect(saved).toEqual([{ historyLimit: -1 }, { notifyWarnings: true }]);
});

test("ui-bg-check-feeds checks every feed now and answers once the checks are done", async () => {
  const checked = [{ url: "https://feeds.example/soc.jws", state: "applied" }] as unknown as FeedStatus[];
  let checks = 0;
  const feeds = {
    status: () => [],
    checkAll: async () => {
      checks++;
      return checked;
    },
  };
  expect(await handlerWith({ feeds })({ type: "ui-bg-check-feeds" })).toBe(checked);
  expect(checks).toBe(1);
});

test("ui-bg-get-blocked-page answers with the details kept for a block page's id, and null for an unknown id", async () => {
  const info = { id: "b1", kind: "blocked", url: "https://blocked.test/" } as BlockedPageInfo;
  const handle = handlerWith({ blockPages: { get: async (id: string) => (id === "b1" ? info : null) } });
  expect(await handle({ type: "ui-bg-get-blocked-page", id: "b1" })).toBe(info);
  expect(await handle({ type: "ui-bg-get-blocked-page", id: "https://blocked.test/" })).toBeNull();
});

test("ui-bg-get-history answers with the events and the history's limit", async () => {
  const events = [{ id: "e1", ruleId: "blocked-certificate" }] as HistoryEvent[];
  const handle = handlerWith({ history: { events: () => events, limit: 500 } as unknown as MessageDeps["history"] });
  expect(await handle({ type: "ui-bg-get-history" })).toEqual({ events, limit: 500 });
});

test("a message the protocol does not name is left unanswered, and answers wait until the background is restored", async () => {
  let restored!: () => void;
  const handle = handlerWith({ ready: new Promise<void>((resolve) => (restored = resolve)), tabs: { view: () => null } as unknown as MessageDeps["tabs"] });
  expect(handle({ type: "bg-ui-unknown" })).toBeUndefined();
  expect(handle("ui-bg-get-tab-state")).toBeUndefined();
  let answered = false;
  const answer = handle({ type: "ui-bg-get-tab-state", tabId: 1 })!.then(() => (answered = true));
  await Promise.resolve();
  expect(answered).toBe(false);
  restored();
  await answer;
  expect(answered).toBe(true);
});
