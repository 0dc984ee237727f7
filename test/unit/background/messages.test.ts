import { createMessageHandler, type MessageDeps } from "../../../background/messages";
import { Problems } from "../../../background/problems";
import { TabStore } from "../../../background/tabStore";
import { MAX_CERTIFICATE_BYTES, type ResponseOf } from "../../../src/protocol";
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
    n > MAX_CERTIFICATE_BYTES ? { error: `The certificate is ${n.toLocaleString("en")} bytes, more than the ${MAX_CERTIFICATE_BYTES.toLocaleString("en")} Chain Sentry decodes.` } : { der: base64(new Uint8Array(n)) },
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
  const handle = createMessageHandler({ analyzer: () => withLists, index, feeds, settings: { view: () => ({ policy: {}, effective: { mode: "warn" } }) }, problems: { list: () => [] }, reporting: { status: () => null }, coverage: async () => ({}), ready: Promise.resolve() } as unknown as MessageDeps);
  const search = (query: string) => handle({ type: "ui-bg-search-blocklist", query }) as Promise<ResponseOf<"ui-bg-search-blocklist">>;

  expect((await search("contoso leaked")).entries).toEqual([expect.objectContaining({ source: "feed", label: "Contoso leaked CA", incident: expect.stringContaining('signed feed "Acme SOC"'), spkiSha256: spki })]);
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
  background.setSettings(lists);
  const handle = createMessageHandler({ analyzer: () => background, ready: Promise.resolve() } as unknown as MessageDeps);
  const answer = (await handle({ type: "ui-bg-get-lists" })) as ResponseOf<"ui-bg-get-lists">;
  expect(answer).toEqual(lists);
  const page = analyzer(JSON.parse(JSON.stringify(answer)));
  expect(page.analyze(info, 1)).toEqual(background.analyze(info, 1));
  expect(page.analyze(info, 1).level).toBe("blocked");
});
