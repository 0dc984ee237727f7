// Block mode (policy `mode: "block"`), in a real Firefox ESR: a page whose chain holds a blocked
// certificate is replaced by the extension's block page before any of its content arrives, and a
// page's subresources from a blocked origin are cancelled while the clean ones load.
// Run inside scripts/run-in-sandbox.sh after npm run build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BADGE } from "../../background/badge";
import { launchDemo, recordSubresources, subresourceOutcomes, summarizeState, watchRendering, type DemoBrowser } from "./support";

let demo: DemoBrowser;

before(async () => {
  demo = await launchDemo({ config: { mode: "block" } });
});

after(async () => {
  await demo?.close();
});

interface BlocklistConfigEntry {
  label: string;
  reason: string;
  reference: string;
}

test("the policy's block mode is in force", async () => {
  const status = await demo.ask("ui-bg-get-status", {});
  assert.equal(status.mode, "block");
  assert.deepEqual(status.policy.errors, []);
});

test("blocked: the page is replaced by the block page naming the certificate, the key and the incident", async () => {
  const { url } = demo.sites.cases.find((c) => c.id === "blocked")!;
  const [entry] = demo.sites.managedConfig.blocklist as BlocklistConfigEntry[];
  const blockPage = demo.ff.extensionUrl("popup/blocked.html?id=");
  let rendered: string[] = [];
  const visit = await demo.visit(url, { prepare: async (page) => void (rendered = await watchRendering(page)) });

  // The tab is on the extension's block page, which says what it blocked.
  const tabLocation = await visit.page.evaluate(() => location.href);
  assert.ok(tabLocation.startsWith(blockPage), `the tab shows ${tabLocation}`);
  // The address carries an id only: nothing the page or the server chose.
  assert.match(new URL(tabLocation).search, /^\?id=[0-9a-f-]+$/);
  const tabId = await demo.tabIdOf((tabUrl) => tabUrl === tabLocation);

  await visit.page.waitForFunction(() => document.querySelector(".blocked-page h1"), { timeout: 5_000 });
  const shown = await visit.page.evaluate(() => ({ title: document.title, text: document.body.innerText }));
  const rogueSha256 = createHash("sha256").update(demo.sites.pki.rogue.der).digest("hex").toUpperCase().match(/../g)!.join(":");
  assert.equal(shown.title, "Blocked by Chain Sentry");
  assert.ok(shown.text.includes(`Chain Sentry blocked ${new URL(url).host}`), shown.text);
  for (const expected of [
    "CN=Microsoft Enforced Licensing Intermediate PCA", // the certificate
    rogueSha256,
    "public key (SPKI SHA-256)", // the matched key: the policy entry lists the intermediate's SPKI
    entry.label,
    entry.reason, // the incident
    "enterprise policy",
    url, // the page
  ]) {
    assert.ok(shown.text.includes(expected), `the block page does not say "${expected}":\n${shown.text}`);
  }

  // The site's own content never rendered, not even for an instant.
  assert.equal(await visit.page.$("#site-content"), null);
  assert.ok(!shown.text.includes("Blocked intermediate site"), "the site's heading is on the page");
  assert.deepEqual(rendered, []);

  const state = await demo.settledTabState(tabId);
  assert.equal(state.level, "blocked", JSON.stringify(summarizeState(state)));
  assert.equal(state.url, url);
  assert.equal(state.top?.blockedRequests, 1, "the page's request was blocked");
  assert.deepEqual(state.top?.verdict.findings.map((f) => f.ruleId).sort(), ["blocked-certificate", "dynamic-intermediate"]);

  const badge = await demo.settledBadge(tabId, BADGE.blocked);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "✕", color: BADGE.blocked.color });
});

test("mixed: the blocked origin's subresources are cancelled, the clean ones load, the state counts them", async () => {
  const { url } = demo.sites.cases.find((c) => c.id === "mixed")!;
  let rendered: string[] = [];
  const visit = await demo.visit(url, {
    prepare: async (page) => {
      await recordSubresources(page);
      rendered = await watchRendering(page);
    },
  });
  assert.equal(visit.error, null);
  const base = new URL(url);
  const at = (offset: number) => `${base.protocol}//${base.hostname}:${Number(base.port) + offset}`;

  // The page itself is clean and renders (also the positive control for watchRendering).
  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Mixed subresources");
  assert.deepEqual(rendered, [`${url} Mixed subresources`]);

  const outcomes = await subresourceOutcomes(visit.page);
  for (const [offset, expected] of [
    [0, "load"],
    [1, "error"],
    [2, "load"],
  ] as const) {
    for (const file of ["app.js", "style.css", "pixel.svg"]) {
      const resource = `${at(offset)}/${file}`;
      const seen = outcomes.filter((o) => o.url === resource).map((o) => o.outcome);
      assert.ok(seen.length > 0 && seen.every((o) => o === expected), `${resource}: expected ${expected}, saw ${JSON.stringify(seen)}`);
    }
  }
  const images = await visit.page.evaluate(() => [...document.images].map((i) => [i.src, i.naturalWidth] as const));
  assert.deepEqual(images, [
    [`${at(0)}/pixel.svg`, 8],
    [`${at(1)}/pixel.svg`, 0],
    [`${at(2)}/pixel.svg`, 8],
  ]);

  const tabId = await demo.tabIdOf(url);
  const state = await demo.settledTabState(tabId);
  const summary = summarizeState(state);
  assert.equal(state.level, "blocked", JSON.stringify(summary));
  assert.equal(summary.top?.blockedRequests, 0);
  const byOrigin = Object.fromEntries(summary.origins.map((o) => [o.origin, o]));
  assert.deepEqual(Object.keys(byOrigin).sort(), [at(0), at(1), at(2)].sort(), JSON.stringify(summary));
  assert.equal(byOrigin[at(1)].level, "blocked");
  assert.ok(byOrigin[at(1)].blockedRequests >= 3, `the blocked origin's requests: ${JSON.stringify(byOrigin[at(1)])}`);
  assert.equal(byOrigin[at(1)].blockedRequests, byOrigin[at(1)].requests, "every request to the blocked origin was cancelled");
  for (const clean of [at(0), at(2)]) assert.equal(byOrigin[clean].blockedRequests, 0, `${clean} was not blocked`);

  const badge = await demo.settledBadge(tabId, BADGE.blocked);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "✕", color: BADGE.blocked.color });
});

test("the extension reported no script errors", () => {
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
