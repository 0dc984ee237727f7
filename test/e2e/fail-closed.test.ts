// Block mode fails closed, as a user or an enterprise sees it, in a real Firefox ESR under the demo
// policy (`mode: "block"`):
// - a blocked site never renders, however long its URL, and the tab ends on a block page whose
//   address is short (an id; the details come from the background) and which names the certificate;
// - once an origin was blocked, later requests to it (a second visit, another page's subresources)
//   are stopped before they are sent: its server sees nothing more, and the block page says so;
// - a page a clean site's service worker makes itself (no TLS connection, so no chain) still loads,
//   and the tab's state lists it as unchecked.
// The tests run in order: the first one is the first visit to the blocked origin.
// Run inside scripts/run-in-sandbox.sh after building (CHAIN_SENTRY_EXTENSION_DIR for a private build).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { DemoCase } from "../../scripts/demo-sites";
import {
  launchDemo,
  pollFor,
  recordSubresources,
  sleep,
  subresourceOutcomes,
  summarizeState,
  waitFor,
  watchRendering,
  type DemoBrowser,
  type Visit,
} from "./support";

/** A query string of about 400,000 characters. */
const LONG_QUERY = `?q=${"x".repeat(400_000)}`;
/**
 * A path of about 1,000,000 characters. Firefox refuses URLs longer than its
 * network.standard-url.max-length (1 MiB), so a multi-megabyte path cannot even be tried.
 */
const LONG_PATH = `/long/${"y".repeat(1_000_000)}`;
/** What the block page shows for the demo's blocked intermediate. */
const BLOCKED_SUBJECT = "CN=Microsoft Enforced Licensing Intermediate PCA";
const VISIT_TIMEOUT_MS = 60_000;

let demo: DemoBrowser;

before(async () => {
  demo = await launchDemo({ config: { mode: "block" } });
});

after(async () => {
  await demo?.close();
});

const demoCase = (id: DemoCase["id"]) => demo.sites.cases.find((c) => c.id === id)!;
const portOf = (url: string) => Number(new URL(url).port);
const requestsTo = (url: string) => demo.sites.requests(portOf(url));
const short = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…(${s.length} characters)` : s);

/** The tab's address and text once it is the extension's block page (or whatever it ended on). */
interface BlockPageView {
  href: string;
  id: string | null;
  text: string;
}

async function blockPageOf(visit: Visit): Promise<BlockPageView> {
  const href = await visit.page.evaluate(() => location.href);
  const match = new RegExp(`^moz-extension://${demo.ff.uuid}/popup/blocked\\.html\\?id=([^&#]*)$`).exec(href);
  let text = "";
  if (href.startsWith("moz-extension:")) {
    // The page asks the background for the details: wait for its heading to name the site.
    const shown = await pollFor(
      () => visit.page.evaluate(() => document.body.innerText),
      (t) => t.includes(BLOCKED_SUBJECT),
      { timeoutMs: 10_000 },
    );
    text = shown ?? "";
  }
  return { href, id: match ? decodeURIComponent(match[1]) : null, text };
}

function assertShortBlockPage(page: BlockPageView, requestUrl: string): void {
  assert.ok(page.id !== null, `the tab is not on moz-extension://<uuid>/popup/blocked.html?id=<id>: ${short(page.href)}`);
  assert.ok(page.id.length > 0 && page.id.length <= 64, `block page id of ${page.id.length} characters: ${short(page.id)}`);
  const { pathname, search } = new URL(requestUrl);
  for (const part of [requestUrl.slice(0, 40), encodeURIComponent(requestUrl).slice(0, 40), pathname.slice(-40), search.slice(-40)].filter(
    (p) => p.length > 1,
  )) {
    assert.ok(!page.href.includes(part), `the block page's address carries the request URL (${short(part)}): ${short(page.href)}`);
  }
}

test("the policy's block mode is in force", async () => {
  const status = await demo.ask("ui-bg-get-status", {});
  assert.equal(status.mode, "block");
  assert.deepEqual(status.policy.errors, []);
});

/** Visits the blocked site at `url`: it never renders, and the block page has a short address and names the certificate. */
async function assertBlockedByShortPage(url: string): Promise<BlockPageView> {
  let rendered: string[] = [];
  const visit = await demo.visit(url, { timeoutMs: VISIT_TIMEOUT_MS, prepare: async (page) => void (rendered = await watchRendering(page)) });
  const blockPage = await blockPageOf(visit);
  assertShortBlockPage(blockPage, url);
  assert.ok(blockPage.text.includes(BLOCKED_SUBJECT), `the block page does not name the blocked certificate:\n${blockPage.text}`);
  assert.equal(await visit.page.$("#site-content"), null);
  assert.deepEqual(rendered, [], "the blocked site rendered");
  return blockPage;
}

test("long URL (400,000-character query): the blocked site never renders, the block page has a short address and names the certificate", async () => {
  const url = demoCase("blocked").url + LONG_QUERY;
  const blockPage = await assertBlockedByShortPage(url);
  // This was the first request to the blocked origin: it reached the server (the chain only arrives
  // with the response), and the block page does not claim otherwise.
  assert.ok(
    requestsTo(url).some((r) => r.path.length > 400_000),
    "the long request never reached the blocked server",
  );
  assert.doesNotMatch(blockPage.text, /nothing was sent/i);
});

test("long URL (1,000,000-character path): the blocked site never renders, the block page has a short address and names the certificate", async () => {
  await assertBlockedByShortPage(demoCase("blocked").url.replace(/\/$/, "") + LONG_PATH);
});

test("control: the clean site renders with the same long query and path", async () => {
  for (const url of [demoCase("clean").url + LONG_QUERY, demoCase("clean").url.replace(/\/$/, "") + LONG_PATH]) {
    let rendered: string[] = [];
    const visit = await demo.visit(url, { timeoutMs: VISIT_TIMEOUT_MS, prepare: async (page) => void (rendered = await watchRendering(page)) });
    assert.equal(visit.error, null, `${short(url)} did not load`);
    assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Chain Sentry demo");
    assert.equal(rendered.length, 1, `rendered: ${JSON.stringify(rendered)}`);
    const path = new URL(url).pathname + new URL(url).search;
    assert.ok(
      requestsTo(url).some((r) => r.path === path),
      `the clean server never received the ${path.length}-character request`,
    );
    await visit.page.close();
  }
});

test("a blocked origin's follow-up requests never reach its server; the clean origins keep receiving theirs", async () => {
  const blocked = demoCase("blocked").url;
  const host = new URL(blocked).host;
  // The first visit (the long URL above, or this one when run alone) had to reach the server.
  if (requestsTo(blocked).length === 0) await demo.visit(blocked, { timeoutMs: VISIT_TIMEOUT_MS });
  assert.ok(requestsTo(blocked).length > 0, "the first visit to the blocked site never reached its server");
  await sleep(500);
  const sent = requestsTo(blocked).length;

  // Visiting the blocked site again: the block page, and nothing sent.
  let rendered: string[] = [];
  const again = await demo.visit(blocked, { timeoutMs: VISIT_TIMEOUT_MS, prepare: async (page) => void (rendered = await watchRendering(page)) });
  await sleep(500);
  assert.deepEqual(
    requestsTo(blocked)
      .slice(sent)
      .map((r) => r.path),
    [],
    "the second visit reached the blocked server",
  );
  const blockPage = await blockPageOf(again);
  assertShortBlockPage(blockPage, blocked);
  assert.deepEqual(rendered, [], "the blocked site rendered");
  assert.ok(blockPage.text.includes(BLOCKED_SUBJECT), `the block page does not name the blocked certificate:\n${blockPage.text}`);
  assert.match(
    blockPage.text,
    new RegExp(`nothing was sent to ${host.replace(/[.]/g, "\\.")}`, "i"),
    `the block page does not say nothing was sent:\n${blockPage.text}`,
  );

  // The mixed page loads script, style and image from clean, dynamic and blocked origins.
  const mixed = demoCase("mixed").url;
  const at = (offset: number) => `https://${new URL(mixed).hostname}:${portOf(mixed) + offset}`;
  const cleanBefore = requestsTo(at(0)).length;
  const dynamicBefore = requestsTo(at(2)).length;
  const visit = await demo.visit(mixed, { timeoutMs: VISIT_TIMEOUT_MS, prepare: recordSubresources });
  assert.equal(visit.error, null);
  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Mixed subresources");
  const outcomes = await waitFor(
    "the mixed page's nine subresources to load or fail",
    () => subresourceOutcomes(visit.page),
    (list) => [0, 1, 2].every((o) => ["app.js", "style.css", "pixel.svg"].every((f) => list.some((x) => x.url === `${at(o)}/${f}`))),
    { timeoutMs: 15_000 },
  );
  for (const [offset, expected] of [
    [0, "load"],
    [1, "error"],
    [2, "load"],
  ] as const) {
    for (const file of ["app.js", "style.css", "pixel.svg"]) {
      const seen = outcomes.filter((o) => o.url === `${at(offset)}/${file}`).map((o) => o.outcome);
      assert.ok(
        seen.every((o) => o === expected),
        `${at(offset)}/${file}: expected ${expected}, saw ${JSON.stringify(seen)}`,
      );
    }
  }
  await sleep(500);
  const paths = (url: string, from: number) =>
    requestsTo(url)
      .slice(from)
      .map((r) => r.path);
  assert.deepEqual(paths(blocked, sent), [], "requests reached the blocked server after it was blocked");
  const distinct = (list: string[]) => [...new Set(list)].filter((p) => p !== "/favicon.ico").sort();
  assert.deepEqual(distinct(paths(at(0), cleanBefore)), ["/app.js", "/mixed", "/pixel.svg", "/style.css"]);
  assert.deepEqual(distinct(paths(at(2), dynamicBefore)), ["/app.js", "/pixel.svg", "/style.css"]);
});

test("service worker: a clean site's page its service worker makes itself loads in block mode and is listed as unchecked", async () => {
  const { register, page: swPage } = demo.sites.serviceWorker;
  const registration = await demo.visit(register, { timeoutMs: VISIT_TIMEOUT_MS });
  assert.equal(registration.error, null);
  // Once active, the worker controls every page loaded under its scope from then on.
  await waitFor(
    "the service worker to be active",
    () =>
      registration.page.evaluate(() =>
        navigator.serviceWorker
          .getRegistration("/sw/")
          .then((r) => (r ? `${r.active?.state ?? r.installing?.state ?? r.waiting?.state}` : `none (${document.body.dataset.sw ?? "registering"})`)),
      ),
    (state) => state === "activated",
    { timeoutMs: 20_000 },
  );
  const before = requestsTo(swPage).length;

  let rendered: string[] = [];
  const visit = await demo.visit(swPage, { timeoutMs: VISIT_TIMEOUT_MS, prepare: async (page) => void (rendered = await watchRendering(page)) });
  assert.equal(visit.error, null, `${swPage} did not load`);
  assert.equal(await visit.page.evaluate(() => location.href), swPage);
  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Service worker page");
  assert.deepEqual(rendered, [`${swPage} Service worker page`]);
  // The worker made the page: nothing reached the server for it, so there was no chain to check.
  assert.ok(
    !requestsTo(swPage)
      .slice(before)
      .some((r) => r.path === "/sw/page"),
    "the page came from the server, not the service worker",
  );

  const tabId = await demo.tabIdOf(swPage);
  const state = await demo.settledTabState(tabId);
  assert.notEqual(state.level, "blocked", JSON.stringify(summarizeState(state)));
  assert.ok(Array.isArray(state.unchecked), `the tab state has no unchecked list: ${JSON.stringify(Object.keys(state))}`);
  const entry = state.unchecked.find((u) => u.url === swPage);
  assert.ok(entry, `the service worker's page is not listed as unchecked: ${JSON.stringify(state.unchecked)}`);
  assert.equal(entry.origin, new URL(swPage).origin);
  assert.equal(entry.type, "main_frame");
  assert.equal(typeof entry.reason, "string");
  assert.ok(entry.reason.length > 0, "no reason given");
  assert.equal(typeof entry.time, "number");
});

test("the extension reported no script errors", () => {
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
