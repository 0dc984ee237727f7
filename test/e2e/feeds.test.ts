// Signed list feeds (issue 11) in a real Firefox ESR, block mode: the policy names a local HTTPS feed
// (scripts/test-feed-server.ts) and pins its public key; the tests publish signed documents there and
// check what a user sees (the site, the block page, the options page) and what the background reports.
//
//   npx vite build --outDir /tmp/feeds-e2e-ext && \
//   CHAIN_SENTRY_EXTENSION_DIR=/tmp/feeds-e2e-ext bash scripts/run-in-sandbox.sh npx tsx --test test/e2e/feeds.test.ts
//
//   the feed site  leaf ← Feed Test Intermediate, RE-ISSUED ← Demo Root (trusted by policy)
//   the feed       sequence 1 lists the original intermediate's certificate SHA-256 (which the site does
//                  not serve); sequence 2 adds its public key (SPKI SHA-256), which the re-issued one shares
//
// Two Firefox sessions on one profile: the first takes a new document on its schedule and refuses bad
// ones; the second starts with the feed unreachable and must still block from the stored document.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "puppeteer-core";
import { page, serve, startDemoSites, type DemoSites } from "../../scripts/demo-sites";
import { issue, type Issued } from "../../scripts/pki";
import { startFeedServer, type TestFeedServer } from "../../scripts/test-feed-server";
import { MATCH_KEY_LABEL } from "../../src/blocklist";
import type { FeedErrorKind, FeedPayload, FeedStatus } from "../../src/feeds/model";
import { generateFeedKeys, signFeed, type FeedKeyPair } from "../../src/feeds/sign";
import { SOURCE_NAME } from "../../src/names";
import { sha256Colons, spkiSha256Base64 } from "./policy-support";
import { waitFor, watchRendering, withDemoBrowser, type DemoBrowser } from "./support";

/** The policy's interval, the lowest it accepts: the scheduled check comes within it. */
const INTERVAL_MINUTES = 0.5;
const INTERVAL_MS = INTERVAL_MINUTES * 60_000;
/** On top of the interval: the alarm's own lateness, the fetch and the verification on a busy 2-core machine. */
const SCHEDULE_MARGIN_MS = 60_000;
const FEED_LABEL = "Corp security feed (e2e)";
const DOCUMENT_LABEL = "Corp PKI incident list";
const HASH_ENTRY_LABEL = "Feed Test Intermediate, original certificate";
const KEY_ENTRY_LABEL = "Feed Test Intermediate key (compromised)";
const SITE_TITLE = "Feed test site";
const DAY = 86_400_000;

let workDir: string;
let sites: DemoSites;
let feed: TestFeedServer;
let siteServer: https.Server;
let siteUrl: string;
let feedKeys: FeedKeyPair;
let otherKeys: FeedKeyPair;
let original: Issued;
let reissued: Issued;

before(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-feeds-"));
  sites = await startDemoSites({ dir: path.join(workDir, "sites") });
  const subject = "CN=Chain Sentry Feed Test Intermediate,O=Chain Sentry Tests";
  original = await issue({ subject, issuer: sites.pki.root, ca: true });
  // The same CA re-issued: same subject and key pair, new serial and validity, so a new certificate SHA-256.
  reissued = await issue({ subject, issuer: sites.pki.root, ca: true, keys: original.keys, notBefore: new Date(Date.now() - 3 * DAY) });
  const leaf = await issue({ subject: "CN=localhost", issuer: reissued, hosts: ["localhost", "127.0.0.1"] });
  siteServer = await serve({ port: 0, chain: [leaf, reissued], body: () => page(SITE_TITLE, "<p>Served through the re-issued feed test intermediate.</p>") });
  siteUrl = `https://localhost:${(siteServer.address() as AddressInfo).port}/`;
  // Issued under the demo intermediate, which the demo policy allowlists: the feed's own chain draws no finding.
  feed = await startFeedServer({ issuer: sites.pki.intermediate, chain: [sites.pki.intermediate] });
  [feedKeys, otherKeys] = await Promise.all([generateFeedKeys(), generateFeedKeys()]);
});

after(async () => {
  await feed?.close();
  siteServer?.closeAllConnections();
  await new Promise((resolve) => (siteServer ? siteServer.close(resolve) : resolve(undefined)));
  await sites?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Block mode, the demo lists, and the local feed pinned to `feedKeys` (as an SPKI PEM, the form openssl prints). */
const feedPolicy = () => ({
  mode: "block",
  feeds: [{ url: feed.url, publicKey: feedKeys.publicPem, label: FEED_LABEL, intervalMinutes: INTERVAL_MINUTES }],
});

const hashEntry = () => ({ sha256: sha256Colons(original), label: HASH_ENTRY_LABEL });
const keyEntry = () => ({ spkiSha256: spkiSha256Base64(original), label: KEY_ENTRY_LABEL });

function payload(sequence: number, blocklist: FeedPayload["blocklist"]): FeedPayload {
  const now = Date.now();
  return { label: DOCUMENT_LABEL, sequence, issuedAt: new Date(now - 60_000).toISOString(), expiresAt: new Date(now + 7 * DAY).toISOString(), blocklist };
}

/** The JWS with one character of its payload changed (a key entry's SPKI hash: accepted, it would unblock the site); header and signature kept. */
function tamper(jws: string): string {
  const [header, body, signature] = jws.split(".");
  const json = Buffer.from(body, "base64url").toString("utf8");
  const spki = spkiSha256Base64(original);
  assert.ok(json.includes(spki), "the document to tamper with does not hold the key entry");
  const changed = json.replace(spki, (spki[0] === "A" ? "B" : "A") + spki.slice(1));
  return [header, Buffer.from(changed, "utf8").toString("base64url"), signature].join(".");
}

const feedStatus = async (demo: DemoBrowser): Promise<FeedStatus | undefined> => (await demo.ask("ui-bg-get-status", {})).feeds[0];

/** Waits until the policy's one feed reports `done`, asking the status (which checks nothing). */
function waitForFeed(demo: DemoBrowser, what: string, done: (s: FeedStatus) => boolean, timeoutMs = 30_000): Promise<FeedStatus | undefined> {
  return waitFor(
    what,
    () => feedStatus(demo),
    (s) => s !== undefined && done(s),
    { timeoutMs, intervalMs: 500 },
  );
}

/** Opens the site in a new tab: it renders (its heading, seen by the page itself), no block page. */
async function assertRenders(demo: DemoBrowser): Promise<void> {
  let rendered: string[] = [];
  const visit = await demo.visit(siteUrl, { prepare: async (p) => void (rendered = await watchRendering(p)) });
  assert.equal(visit.error, null, `the site did not load: ${visit.error}`);
  assert.equal(await visit.page.evaluate(() => location.href), siteUrl);
  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), SITE_TITLE);
  assert.deepEqual(rendered, [`${siteUrl} ${SITE_TITLE}`]);
  await visit.page.close();
}

/**
 * Opens the site in a new tab: the block page replaces it before anything of the site rendered, and
 * names the blocked certificate (the re-issued intermediate, the one served), the key that matched,
 * the feed's entry and the feed; the tab's verdict says the feed's key entry matched.
 */
async function assertBlocked(demo: DemoBrowser): Promise<void> {
  let rendered: string[] = [];
  const visit = await demo.visit(siteUrl, { prepare: async (p) => void (rendered = await watchRendering(p)) });
  const shown = await visit.page.evaluate(() => location.href);
  assert.ok(shown.startsWith(demo.ff.extensionUrl("popup/blocked.html?id=")), `the site was not replaced by the block page: the tab shows ${shown}`);
  await visit.page.waitForFunction(() => document.querySelector(".blocked-page h1") && document.querySelector(".blocked-page dl"), { timeout: 10_000 });
  const text = await visit.page.evaluate(() => document.body.innerText);
  assert.deepEqual(rendered, [], "the site rendered before the block page replaced it");
  assert.equal(await visit.page.$("#site-content"), null);
  for (const expected of [
    "CN=Chain Sentry Feed Test Intermediate",
    sha256Colons(reissued), // the certificate served, whose SHA-256 no list holds
    MATCH_KEY_LABEL.spkiSha256,
    KEY_ENTRY_LABEL,
    SOURCE_NAME.feed,
  ]) {
    assert.ok(text.includes(expected), `the block page does not say "${expected}":\n${text}`);
  }
  // The feed by name: the policy's label or the document's (an entry's reason defaults to naming its feed).
  assert.ok(text.includes(FEED_LABEL) || text.includes(DOCUMENT_LABEL), `the block page does not name the feed:\n${text}`);
  const tabId = await demo.tabIdOf(shown);
  const state = await demo.settledTabState(tabId);
  const blocked = state.top?.verdict.findings.find((f) => f.ruleId === "blocked-certificate");
  assert.deepEqual(
    blocked?.match && { source: blocked.match.source, key: blocked.match.key, label: blocked.match.label },
    { source: "feed", key: "spkiSha256", label: KEY_ENTRY_LABEL },
    `the block did not come from the feed's key entry: ${JSON.stringify(state.top?.verdict.findings)}`,
  );
  await visit.page.close();
}

/**
 * The options page's text from its "Signed list feeds" heading on, once that section lists the feed
 * and satisfies `done` (the section asks the background for the status after the page loads).
 */
async function optionsFeedSection(demo: DemoBrowser, done: (section: string) => boolean): Promise<string> {
  const options: Page = await demo.ff.openExtensionPage("popup/options.html");
  try {
    const text = await waitFor(
      `the options page to list the feed "${FEED_LABEL}"`,
      () => options.evaluate(() => document.body.innerText),
      (t) => /signed list feeds/i.test(t) && t.includes(FEED_LABEL) && done(t.slice(t.search(/signed list feeds/i))),
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    return text.slice(text.search(/signed list feeds/i));
  } finally {
    await options.close();
  }
}

const showsSequence = (section: string, sequence: number) => new RegExp(`sequence\\W*${sequence}\\b`, "i").test(section);

/** Publishes `document`, checks the feeds now (as "Check now" does) and expects it refused as `kind`, sequence 2 still in force. */
async function assertRefused(demo: DemoBrowser, document: string, kind: FeedErrorKind): Promise<void> {
  feed.publish(document);
  const publishedAt = Date.now();
  const [checked] = await demo.ask("ui-bg-check-feeds", {});
  assert.equal(checked?.lastError?.kind, kind, `the check's answer: ${JSON.stringify(checked)}`);
  assert.ok(
    feed.requests().some((r) => r.time >= publishedAt),
    "the check did not fetch the feed",
  );
  const status = await feedStatus(demo);
  assert.equal(status?.lastError?.kind, kind, `Status.feeds[0]: ${JSON.stringify(status)}`);
  assert.equal(status?.document?.sequence, 2, `the document in force changed: ${JSON.stringify(status?.document)}`);
  await assertBlocked(demo);
  const section = await optionsFeedSection(demo, (s) => s.includes(status!.lastError!.message));
  assert.ok(showsSequence(section, 2), `the options page does not show sequence 2 in force:\n${section}`);
}

describe("signed list feeds, block mode", () => {
  const profileDir = () => path.join(workDir, "profile");

  test("one session: a new document on the schedule blocks by key; tampered, foreign-key and rolled-back documents change nothing", async (t) => {
    // Kept to be replayed as a rollback in b.
    const firstDocument = await signFeed(payload(1, [hashEntry()]), feedKeys.privateJwk);
    feed.publish(firstDocument);
    await withDemoBrowser(sites, { config: feedPolicy(), profileDir: profileDir() }, async (demo) => {
      await t.test("a: the site renders under sequence 1; sequence 2, taken on the schedule, blocks it by its key", async () => {
        const status = await demo.ask("ui-bg-get-status", {});
        assert.deepEqual(status.policy.errors, [], "the policy's feed was not accepted");
        const first = await waitForFeed(demo, "the start-up check to accept sequence 1", (s) => s.document?.sequence === 1);
        assert.equal(first?.lastError, null);
        assert.equal(first?.document?.counts.blocklist, 1);
        // The original's certificate SHA-256 is listed, the re-issued one is served: a hash does not follow a re-issue.
        await assertRenders(demo);

        // No check asked for from here on: only the alarm can fetch the new document.
        feed.publish(await signFeed(payload(2, [hashEntry(), keyEntry()]), feedKeys.privateJwk));
        const publishedAt = Date.now();
        const second = await waitForFeed(demo, "a scheduled check to accept sequence 2", (s) => s.document?.sequence === 2, INTERVAL_MS + SCHEDULE_MARGIN_MS);
        assert.equal(second?.lastError, null);
        await assertBlocked(demo);
        const elapsed = Date.now() - publishedAt;
        assert.ok(elapsed <= INTERVAL_MS + SCHEDULE_MARGIN_MS, `blocked ${elapsed} ms after publication`);
        const fetches = feed.requests().map((r) => r.time);
        t.diagnostic(
          `blocked ${Math.round(elapsed / 1000)} s after publication; feed fetched at +${fetches.map((f) => Math.round((f - fetches[0]) / 1000)).join(" s, +")} s`,
        );

        const section = await optionsFeedSection(demo, (s) => showsSequence(s, 2));
        assert.ok(section.includes(FEED_LABEL), section);
      });

      await t.test("b: a tampered document and one signed by another key are refused as bad-signature; older and rewritten ones as rollback", async () => {
        const third = await signFeed(payload(3, [hashEntry(), keyEntry()]), feedKeys.privateJwk);
        await assertRefused(demo, tamper(third), "bad-signature");
        await assertRefused(demo, await signFeed(payload(4, []), otherKeys.privateJwk), "bad-signature");
        // Replaying the first document, validly signed: accepted, it would unblock the site.
        await assertRefused(demo, firstDocument, "rollback");
        // The sequence in force with other content.
        await assertRefused(demo, await signFeed(payload(2, []), feedKeys.privateJwk), "rollback");
      });
    });
  });

  test("c: a restart with the feed unreachable: the stored document still blocks, the status says unreachable", async () => {
    await feed.stop();
    const restartedAt = Date.now();
    await withDemoBrowser(sites, { config: feedPolicy(), profileDir: profileDir() }, async (demo) => {
      const status = await waitForFeed(demo, "the start-up check to fail as unreachable", (s) => s.lastError !== null && s.lastError.time >= restartedAt);
      assert.equal(status?.lastError?.kind, "unreachable", JSON.stringify(status));
      assert.equal(status?.document?.sequence, 2, `the stored document is not in force: ${JSON.stringify(status?.document)}`);
      assert.equal(status?.document?.expired, false);
      await assertBlocked(demo);
      const section = await optionsFeedSection(demo, (s) => s.includes(status!.lastError!.message));
      assert.ok(showsSequence(section, 2), `the options page does not show sequence 2 in force:\n${section}`);
    });
  });
});
