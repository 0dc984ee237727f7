/**
 * TabStore's bounds, as the popup sees them (the tab state the message handler answers): a page
 * that loads from thousands of origins, chains or failing requests cannot grow a tab's state
 * without end, and closed tabs are remembered only so far.
 */
import { createMessageHandler, type MessageDeps } from "../../../background/messages";
import { Problems } from "../../../background/problems";
import { MAX_CHAINS_PER_ORIGIN, MAX_CLOSED, MAX_LISTED, MAX_ORIGINS, MAX_RELEASED, TabStore, type ResponseRecord } from "../../../background/tabStore";
import type { TabState } from "../../../src/protocol";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

/** A page's response on tab 4 with a real chain. */
let page: ResponseRecord;
beforeAll(async () => {
  const info = await securityInfo(await makePki());
  page = {
    tabId: 4,
    url: "https://site.test/",
    topLevel: true,
    info,
    verdict: analyzer().analyze(info),
    der: info.certificates.map((c) => Buffer.from(Uint8Array.from(c.rawDER!)).toString("base64")),
    blocked: false,
    time: 1,
  };
});

/** A store, and the tab state the popup is answered with. */
function opened() {
  const store = new TabStore(fakeStorageArea(), () => undefined, new Problems({ warn: () => undefined }));
  const handle = createMessageHandler({ tabs: store, ready: Promise.resolve() } as unknown as MessageDeps);
  const shown = (tabId = 4) => handle({ type: "ui-bg-get-tab-state", tabId }) as Promise<TabState | null>;
  return { store, shown };
}

const subresource = (url: string): ResponseRecord => ({ ...page, url, topLevel: false });

/** The same response presenting the n-th other chain (other certificates, by their hashes). */
function withChain(response: ResponseRecord, n: number): ResponseRecord {
  const verdict = structuredClone(response.verdict);
  verdict.chain.forEach((c, i) => (c.sha256 = `chain ${n}, certificate ${i}`));
  return { ...response, verdict };
}

test(`a page's subresource origins are listed up to ${MAX_ORIGINS}, the first ones; requests to a listed origin are still counted`, async () => {
  const { store, shown } = opened();
  store.record(page);
  for (let i = 0; i < MAX_ORIGINS + 5; i++) store.record(subresource(`https://o${i}.test/x.js`));
  store.record(subresource("https://o0.test/again.js"));
  const { origins } = (await shown())!;
  expect(origins).toHaveLength(MAX_ORIGINS);
  expect(origins.at(-1)?.origin).toBe(`https://o${MAX_ORIGINS - 1}.test`);
  expect(origins[0].chains[0].requests).toBe(2);
});

test(`an origin's distinct chains are listed up to ${MAX_CHAINS_PER_ORIGIN}; a listed chain presented again is counted`, async () => {
  const { store, shown } = opened();
  store.record(page);
  const cdn = subresource("https://cdn.test/app.js");
  for (let n = 0; n < MAX_CHAINS_PER_ORIGIN + 3; n++) store.record(withChain(cdn, n));
  store.record(withChain(cdn, 0));
  const [origin] = (await shown())!.origins;
  expect(origin.chains.map((c) => c.verdict.chain[0].sha256)).toEqual(Array.from({ length: MAX_CHAINS_PER_ORIGIN }, (_, n) => `chain ${n}, certificate 0`));
  expect(origin.chains[0].requests).toBe(2);
});

test(`Firefox's TLS failures and responses without a chain are listed up to ${MAX_LISTED} each, the first ones`, async () => {
  const { store, shown } = opened();
  store.record(page);
  for (let i = 0; i < MAX_LISTED + 10; i++) {
    const url = `https://o${i}.test/x.js`;
    store.recordFailure(4, { url, origin: `https://o${i}.test`, error: "SEC_ERROR_UNKNOWN_ISSUER", type: "script", time: i }, false);
    store.recordUnchecked(4, { url, origin: `https://o${i}.test`, type: "script", reason: "handled by the site's service worker", time: i }, false);
  }
  const { failures, unchecked } = (await shown())!;
  expect(failures).toHaveLength(MAX_LISTED);
  expect(unchecked).toHaveLength(MAX_LISTED);
  expect([failures.at(-1)?.url, unchecked.at(-1)?.url]).toEqual([`https://o${MAX_LISTED - 1}.test/x.js`, `https://o${MAX_LISTED - 1}.test/x.js`]);
});

test(`the last ${MAX_CLOSED} tabs closed stay closed to late responses; older ones are forgotten`, async () => {
  const { store, shown } = opened();
  for (let tabId = 1; tabId <= MAX_CLOSED + 1; tabId++) {
    store.record({ ...page, tabId });
    store.remove(tabId);
  }
  store.record({ ...subresource("https://late.test/x.js"), tabId: 2 });
  store.record({ ...subresource("https://late.test/x.js"), tabId: 1 });
  expect(await shown(2)).toBeNull();
  expect((await shown(1))?.origins.map((o) => o.origin)).toEqual(["https://late.test"]);
});

test(`a page that keeps reloading with new chains keeps at most ${MAX_RELEASED} released verdicts and certificates in storage.session, the newest`, async () => {
  const session = fakeStorageArea();
  const store = new TabStore(session, () => undefined, new Problems({ warn: () => undefined }), { now: () => 1 });
  const pages = 30;
  const perPage = 100;
  for (let p = 0; p < pages; p++) {
    store.record({ ...withChain(page, p * (perPage + 1)), time: p });
    for (let i = 1; i <= perPage; i++) store.record(withChain(subresource(`https://o${i}.test/x.js`), p * (perPage + 1) + i));
    await store.flush();
  }
  // Within the grace period: the last page's chains, and the newest MAX_RELEASED of those it replaced.
  const count = (prefix: string) => Object.keys(session.data).filter((k) => k.startsWith(prefix)).length;
  const shown = perPage + 1;
  expect(count("verdict:")).toBe(shown + MAX_RELEASED);
  expect(count("der:")).toBeLessThanOrEqual(3 * shown + MAX_RELEASED);
  const restarted = new TabStore(session, () => undefined, new Problems({ warn: () => undefined }));
  await restarted.restore();
  expect(restarted.get(4)?.origins).toHaveLength(perPage);
  expect(restarted.get(4)?.top?.verdict.chain[0].sha256).toBe(`chain ${(pages - 1) * (perPage + 1)}, certificate 0`);
});
