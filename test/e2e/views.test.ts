// The extension's pages as a user sees them, in a real Firefox ESR with the demo sites. One Firefox
// under the demo policy: the popup for each demo case (banner, badges on the ladder's rungs, chain
// order, other origins, Firefox's refusals), the PEM download checked against the fingerprints
// Firefox reported, the options page refusing a malformed fingerprint and keeping the saved list,
// and screenshots of the popup, chain page, options and history (also copied to docs/screenshots/
// with UPDATE_SCREENSHOTS=1). Then one profile started twice: the alert history after a browser
// restart. Run inside scripts/run-in-sandbox.sh after npm run build.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "puppeteer-core";
import { startDemoSites, type DemoCase, type DemoSites } from "../../scripts/demo-sites";
import type { HistoryEvent, TabState } from "../../src/protocol";
import { launchFirefox, type FirefoxHandle } from "./firefox";
import { launchDemo, summarizeState, waitFor, type DemoBrowser } from "./support";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const ARTIFACTS = path.join(repoRoot, "artifacts", "screenshots");
const DOCS = path.join(repoRoot, "docs", "screenshots");

/** The demo's one policy blocklist entry: the Flame stand-in, blocked by its key. */
interface BlocklistConfigEntry {
  label: string;
  reason: string;
  reference: string;
}

const ROGUE = "Microsoft Enforced Licensing Intermediate PCA";
const show = (state: TabState | null) => JSON.stringify(state && summarizeState(state), null, 1);
/** Uppercase hex with colons, as Firefox reports fingerprints. */
const sha256Colons = (der: Uint8Array) => createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");

/**
 * Resolves once the background answers. The harness retries "Receiving end does not exist" for 5 s
 * after install; on a loaded 2-core machine the event page (which parses the 1 MB blocklist as it
 * starts) has been seen to take longer. Returns how long it took.
 */
async function backgroundUp(send: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await waitFor("the background to answer", send, () => true, { timeoutMs: 30_000, intervalMs: 250 });
  return Date.now() - started;
}

/** What the popup or chain page shows, read from the DOM as text. */
interface TabViewText {
  banner: { tone: string; role: string | null; busy: boolean; headline: string; detail: string; reference: string | null } | null;
  /** The page's own chain, top of the ladder first. */
  rungs: { role: string; name: string; subject: string; badges: string[]; worst: string | null }[];
  origins: { origin: string; level: string }[];
  failures: string[];
}

async function readTabView(page: Page): Promise<TabViewText> {
  // Inline callbacks only: a named inner function would need esbuild's keepNames helper (see support.ts).
  return page.evaluate(() => {
    const banner = document.querySelector(".banner");
    const ladder = document.querySelector('section[aria-labelledby="top-heading"] ol.ladder');
    return {
      banner: banner && {
        tone: [...banner.classList].find((c) => c.startsWith("tone-"))?.slice(5) ?? "",
        role: banner.getAttribute("role"),
        busy: banner.getAttribute("aria-busy") === "true",
        headline: banner.querySelector(".banner-headline")?.textContent?.trim() ?? "",
        detail: banner.querySelector(".banner-detail")?.textContent?.trim() ?? "",
        reference: banner.querySelector(".banner-reference a")?.getAttribute("href") ?? null,
      },
      rungs: [...(ladder?.children ?? [])].map((rung) => ({
        role: rung.querySelector(".rung-role")?.textContent?.trim() ?? "",
        name: rung.querySelector(".rung-name")?.textContent?.trim() ?? "",
        subject: rung.querySelector(".rung-subject")?.textContent?.trim() ?? "",
        badges: [...rung.querySelectorAll("ul.badges > li")].map((li) => li.textContent?.trim() ?? ""),
        worst: (rung as HTMLElement).dataset.worst ?? null,
      })),
      origins: [...document.querySelectorAll(".origins > li.origin")].map((li) => ({
        origin: li.querySelector(".origin-name")?.textContent?.trim() ?? "",
        level: li.querySelector(".origin-title .badge")?.textContent?.trim() ?? "",
      })),
      failures: [...document.querySelectorAll(".failures > li.failure")].map((li) => (li as HTMLElement).innerText.replace(/\s+/g, " ").trim()),
    };
  });
}

/**
 * The whole page, clipped to the body (so the popup is its own 420 px). The viewport is first made as
 * tall as the page, so that sticky parts (the options page's Save bar) sit where a user sees them;
 * FIREFOX.md saw setViewport fail on Firefox 140, so where it does the capture reaches beyond the
 * viewport instead. `width`: the viewport's width (a desktop window for the wide history table).
 */
async function screenshot(page: Page, name: string, { width }: { width?: number } = {}): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  const measure = () =>
    page.evaluate(() => {
      const body = document.body.getBoundingClientRect();
      const margin = parseFloat(getComputedStyle(document.body).marginBottom) || 0;
      return { width: Math.ceil(body.right), height: Math.ceil(body.bottom + margin), viewportWidth: window.innerWidth };
    });
  let size = await measure();
  const viewport = { width: width ?? size.viewportWidth, height: size.height };
  const resized = await page.setViewport(viewport).then(
    () => true,
    () => false,
  );
  if (resized) size = await measure();
  await page.screenshot({
    path: file as `${string}.png`,
    clip: { x: 0, y: 0, width: size.width, height: size.height },
    captureBeyondViewport: !resized,
  });
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(file, path.join(DOCS, `${name}.png`));
  }
  return file;
}

describe("the extension's pages, one Firefox under the demo policy", () => {
  let demo: DemoBrowser;
  const visited = new Map<DemoCase["id"], Promise<{ url: string; tabId: number; state: TabState }>>();

  before(async () => {
    demo = await launchDemo();
    await backgroundUp(() => demo.ask("ui-bg-get-status", {}));
  });

  after(async () => {
    await demo?.close();
  });

  const demoCase = (id: DemoCase["id"]) => demo.sites.cases.find((c) => c.id === id)!;
  const policyEntry = () => (demo.sites.managedConfig.blocklist as BlocklistConfigEntry[])[0];
  const port = (url: string, offset = 0) => `https://localhost:${Number(new URL(url).port) + offset}`;

  /** Visits a case's site once (later calls reuse the tab) and returns its tab id and settled state. */
  function caseTab(id: DemoCase["id"]) {
    let visit = visited.get(id);
    if (!visit) {
      visit = (async () => {
        const { url } = demoCase(id);
        await demo.visit(url);
        const tabId = await demo.tabIdOf(url);
        return { url, tabId, state: await demo.settledTabState(tabId) };
      })();
      visited.set(id, visit);
    }
    return visit;
  }

  /** The popup page for a tab, once its banner shows the tab's verdict (not the loading skeleton). */
  async function openTabView(tabId: number, tone: string, pagePath = "popup/index.html"): Promise<{ page: Page; view: TabViewText }> {
    const page = await demo.ff.openExtensionPage(`${pagePath}?tabId=${tabId}`);
    const view = await waitFor(
      `${pagePath} for tab ${tabId} to show a ${tone} verdict`,
      () => readTabView(page),
      (v) => v.banner !== null && !v.banner.busy && v.banner.tone === tone,
    );
    return { page, view };
  }

  /** The rungs' subjects and roles must be the state's chain in order: leaf, intermediate, root. */
  function assertChainOrder(view: TabViewText, state: TabState) {
    assert.ok(state.top, `no chain for the page: ${show(state)}`);
    assert.deepEqual(
      view.rungs.map((r) => r.subject),
      state.top.verdict.chain.map((c) => c.subject),
    );
    assert.deepEqual(
      view.rungs.map((r) => r.role),
      ["Site certificate", "Intermediate certificate", "Root certificate"],
    );
  }

  test("popup, clean: no problems, the allowlisted CAs marked, chain leaf → intermediate → root", async () => {
    const { url, tabId, state } = await caseTab("clean");
    assert.equal(state.level, "ok", show(state));
    const { page, view } = await openTabView(tabId, "ok");
    assert.equal(view.banner!.headline, "No problems found");
    assert.equal(view.banner!.role, "status", "an ok verdict does not interrupt a screen reader");
    assert.match(view.banner!.detail, new RegExp(`^The certificate chain of ${new URL(url).host} passes every check\\.`));
    assertChainOrder(view, state);
    assert.deepEqual(
      view.rungs.map((r) => r.name),
      ["localhost", "Chain Sentry Demo Intermediate", "Chain Sentry Demo Root"],
    );
    assert.deepEqual(
      view.rungs.map((r) => r.badges),
      [[], ["Dynamically supplied", "Allowlisted"], ["Non-built-in root", "Allowlisted"]],
    );
    assert.ok(
      view.rungs.every((r) => r.worst === null),
      "nothing is marked blocked",
    );
    assert.deepEqual(view.failures, []);
    await page.close();
  });

  test("popup, blocked: Blocked, the certificate's name, the incident and label; the Blocked badge on the intermediate's rung", async () => {
    const { tabId, state } = await caseTab("blocked");
    const entry = policyEntry();
    assert.equal(state.level, "blocked", show(state));
    const { page, view } = await openTabView(tabId, "blocked");
    const banner = view.banner!;
    assert.equal(banner.role, "alert");
    assert.equal(banner.headline, `Blocked: this site's chain includes ${entry.label} — Flame malware (2012)`);
    assert.ok(banner.headline.includes(ROGUE));
    assert.ok(banner.detail.includes(ROGUE), `banner detail: ${banner.detail}`);
    assert.ok(banner.detail.includes(entry.label), `banner detail names the entry: ${banner.detail}`);
    assert.ok(banner.detail.includes(entry.reason), `banner detail gives the incident: ${banner.detail}`);
    assert.match(banner.detail, /1 more finding below\.$/);
    assert.equal(banner.reference, entry.reference);

    assertChainOrder(view, state);
    const [leaf, intermediate, root] = view.rungs;
    assert.equal(intermediate.name, ROGUE);
    assert.deepEqual(intermediate.badges, ["Blocked", "Dynamically supplied"]);
    assert.equal(intermediate.worst, "blocked");
    assert.deepEqual(leaf.badges, [], "the leaf is not the blocked certificate");
    assert.equal(leaf.worst, null);
    assert.deepEqual(root.badges, ["Non-built-in root", "Allowlisted"]);
    assert.equal(root.worst, null);
    await page.close();
  });

  test("popup, dynamic: the warning about an intermediate the server supplied, on the intermediate's rung", async () => {
    const { tabId, state } = await caseTab("dynamic");
    assert.equal(state.level, "warning", show(state));
    const { page, view } = await openTabView(tabId, "warning");
    assert.equal(view.banner!.role, "alert");
    assert.equal(view.banner!.headline, "Warning: intermediate not known to Firefox's store, supplied by the server");
    assert.match(view.banner!.detail, /Unlisted Issuing CA/);
    assertChainOrder(view, state);
    assert.deepEqual(
      view.rungs.map((r) => [r.name, r.badges]),
      [
        ["localhost", []],
        ["Unlisted Issuing CA", ["Dynamically supplied"]],
        ["Chain Sentry Demo Root", ["Non-built-in root", "Allowlisted"]],
      ],
    );
    await page.close();
  });

  test("popup, mixed: the blocked subresource origin in the banner, every origin listed with its level", async () => {
    const { url, tabId, state } = await caseTab("mixed");
    const entry = policyEntry();
    assert.equal(state.level, "blocked", show(state));
    const { page, view } = await openTabView(tabId, "blocked");
    const blockedHost = new URL(port(url, 1)).host;
    assert.equal(view.banner!.headline, `Blocked: the chain of ${blockedHost}, which this page loaded, includes ${entry.label} — Flame malware (2012)`);
    // The page's own chain is clean.
    assertChainOrder(view, state);
    assert.deepEqual(view.rungs[1].badges, ["Dynamically supplied", "Allowlisted"]);
    assert.deepEqual(
      [...view.origins].sort((a, b) => a.origin.localeCompare(b.origin)),
      [
        { origin: port(url, 0), level: "OK" },
        { origin: port(url, 1), level: "Blocked" },
        { origin: port(url, 2), level: "Warning" },
      ],
    );
    await page.close();
  });

  test("popup, TLS error (expired leaf): Firefox's refusal and its reason, no ladder", async () => {
    const { url, tabId, state } = await caseTab("expired");
    assert.equal(state.top, null, show(state));
    const { page, view } = await openTabView(tabId, "warning");
    assert.equal(view.banner!.headline, `Firefox refused the connection to ${new URL(url).host}: Peer’s Certificate has expired.`);
    assert.match(view.banner!.detail, /no chain for Chain Sentry to analyse/);
    assert.deepEqual(view.rungs, []);
    assert.equal(view.failures.length, 1, JSON.stringify(view.failures));
    assert.ok(view.failures[0].includes("Peer’s Certificate has expired.") && view.failures[0].includes(url), view.failures[0]);
    await page.close();
  });

  test("PEM download, blocked: leaf first, each certificate's SHA-256 is the one Firefox reported at that position", async () => {
    const { tabId, state } = await caseTab("blocked");
    const chain = state.top!.verdict.chain;
    const { page } = await openTabView(tabId, "blocked");
    // saveFile() makes a Blob URL and clicks an <a download>: keep the Blob and the file name, skip the download.
    await page.evaluate(`
      window.__chainSentryDownloads = [];
      const blobs = new Map();
      const createObjectURL = URL.createObjectURL;
      URL.createObjectURL = (object) => {
        const url = createObjectURL.call(URL, object);
        blobs.set(url, object);
        return url;
      };
      HTMLAnchorElement.prototype.click = function () {
        const blob = blobs.get(this.href);
        if (!this.download || !blob) return HTMLElement.prototype.click.call(this);
        blob.text().then((text) => window.__chainSentryDownloads.push({ name: this.download, type: blob.type, text }));
      };
    `);
    await page.click('section[aria-labelledby="top-heading"] .chain-record > .actions > button');
    const [file] = await waitFor(
      "the PEM file",
      () => page.evaluate(() => (window as unknown as { __chainSentryDownloads: { name: string; type: string; text: string }[] }).__chainSentryDownloads),
      (files) => files.length > 0,
      { timeoutMs: 5_000 },
    );
    assert.equal(file.name, `localhost_${new URL(demoCase("blocked").url).port}-chain.pem`);
    assert.equal(file.type, "application/x-pem-file");

    const blocks = [...file.text.matchAll(/-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g)];
    assert.equal(blocks.length, chain.length, file.text);
    assert.equal(file.text.replace(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/g, "").trim(), "", "nothing but certificates");
    const ders = blocks.map((m) => new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ""), "base64")));
    assert.deepEqual(
      ders.map(sha256Colons),
      chain.map((c) => c.sha256),
      "SHA-256 of each PEM certificate (Node) vs Firefox's fingerprint at the same position",
    );
    // Leaf first, each certificate issued by the next, and the CAs are the demo's own bytes.
    const certs = ders.map((der) => new X509Certificate(der));
    assert.equal(chain[0].role, "leaf");
    assert.equal(certs[0].subject, "CN=localhost");
    assert.ok(certs[0].checkIssued(certs[1]) && certs[1].checkIssued(certs[2]), "leaf ← intermediate ← root");
    assert.deepEqual(Buffer.from(ders[1]), Buffer.from(demo.sites.pki.rogue.der));
    assert.deepEqual(Buffer.from(ders[2]), Buffer.from(demo.sites.pki.root.der));
    await page.close();
  });

  test("options: a malformed fingerprint is rejected naming the line and what was expected; the saved list stays", async () => {
    const page = await demo.ff.openExtensionPage("popup/options.html");
    await waitFor("the options form", () => page.evaluate(() => document.querySelector("#blocklist-text") !== null), Boolean);
    const saveStatus = () => page.$eval(".save-status", (el) => el.textContent ?? "");
    const textarea = () => page.$eval("#blocklist-text", (el) => (el as HTMLTextAreaElement).value);
    assert.equal(await textarea(), "", "a fresh profile has no blocklist of its own (the policy's entry is listed apart)");

    // A certificate none of the visited sites uses, as Firefox shows fingerprints (uppercase, colons).
    const orphan = demo.sites.pki.orphan;
    await page.click("#blocklist-text");
    await page.keyboard.type(`sha256:${sha256Colons(orphan.der)} # Orphan Intermediate`);
    await page.click('.save-bar button[type="submit"]');
    await waitFor('"Saved"', saveStatus, (s) => s === "Saved");
    const hex = createHash("sha256").update(orphan.der).digest("hex");
    const saved = await demo.ask("ui-bg-get-settings", {});
    assert.deepEqual(saved.user.blocklist, [{ sha256: hex, label: "Orphan Intermediate", source: "user" }]);
    assert.deepEqual(saved.effective.blocklist.map((e) => e.source).sort(), ["policy", "user"], "the user's entry on top of the policy's");
    const savedText = await textarea();
    assert.equal(savedText, `sha256:${hex} # Orphan Intermediate\n`, "the saved list, one canonical line per entry");

    // Then a malformed line after it, typed at the end of the text.
    await page.evaluate(() => {
      const area = document.querySelector<HTMLTextAreaElement>("#blocklist-text")!;
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    });
    await page.keyboard.type("sha256:abc");
    await page.click('.save-bar button[type="submit"]');
    assert.equal(await waitFor("the save to be refused", saveStatus, (s) => s.startsWith("Not saved")), "Not saved: 1 problem to fix");
    const errors = await page.$$eval("#blocklist-errors li", (items) => items.map((li) => li.textContent ?? ""));
    assert.deepEqual(errors, [
      "blocklist line 2: sha256: expected a certificate SHA-256 fingerprint: 64 hex digits (colons, spaces and case do not matter), got 3 hex digits",
    ]);
    assert.equal(await page.$eval("#blocklist-text", (el) => el.getAttribute("aria-invalid")), "true");
    assert.equal(await textarea(), `${savedText}sha256:abc`, "the text stays as typed");

    const refused = await demo.ask("ui-bg-get-settings", {});
    assert.deepEqual(refused.user.blocklist, saved.user.blocklist, "exactly the previously saved entry");
    assert.deepEqual(refused.effective.blocklist, saved.effective.blocklist);
    await page.close();
  });

  test("screenshots: the popup (blocked), the chain page (mixed), options and history", async (t) => {
    const blocked = await caseTab("blocked");
    const mixed = await caseTab("mixed");

    const popup = await openTabView(blocked.tabId, "blocked");
    const popupWidth = await popup.page.evaluate(() => Math.round(document.body.getBoundingClientRect().width));
    assert.equal(popupWidth, 420, "the popup's own width, so the screenshot reads as the toolbar popup does");
    t.diagnostic(await screenshot(popup.page, "popup-blocked"));
    await popup.page.close();

    const chain = await openTabView(mixed.tabId, "blocked", "popup/chain.html");
    // Open the blocked origin, so its ladder shows where the blocked certificate is.
    const blockedOrigin = port(mixed.url, 1);
    await chain.page.evaluate((origin) => {
      const item = [...document.querySelectorAll(".origins > li.origin")].find((li) => li.querySelector(".origin-name")?.textContent === origin);
      item?.querySelector<HTMLButtonElement>("button[aria-expanded]")?.click();
    }, blockedOrigin);
    await waitFor(
      "the blocked origin's ladder",
      () => chain.page.evaluate(() => document.querySelectorAll(".origins .rung[data-worst=blocked]").length),
      (n) => n === 1,
    );
    t.diagnostic(await screenshot(chain.page, "chain-mixed"));
    await chain.page.close();

    const options = await demo.ff.openExtensionPage("popup/options.html");
    await waitFor(
      "the options form and the bundled blocklist's sources",
      () => options.evaluate(() => document.querySelector("#blocklist-text") !== null && document.querySelector("table.sources") !== null),
      Boolean,
    );
    t.diagnostic(await screenshot(options, "options"));
    await options.close();

    const history = await demo.ff.openExtensionPage("popup/history.html");
    const times = await waitFor(
      "history rows",
      () => history.$$eval("table.events tbody tr", (trs) => trs.map((tr) => tr.querySelector("td")?.textContent ?? "")),
      // The blocked page's 2 findings and the mixed page's 3, at least (this test visits both).
      (list) => list.length >= 5,
    );
    assert.deepEqual([...times].sort().reverse(), times, "newest first, as the table's caption says");
    // The table is wide: as in a desktop window (where setViewport works).
    t.diagnostic(await screenshot(history, "history", { width: 1400 }));
    await history.close();
  });

  test("the extension reported no script errors", () => {
    assert.deepEqual(demo.ff.extensionErrors(), []);
  });
});

describe("the alert history across a browser restart (same profile, extension installed again)", () => {
  let sites: DemoSites;
  let dir: string;
  let profileDir: string;
  let ff: FirefoxHandle | undefined;

  const launch = () => launchFirefox({ policies: sites.policies(), profileDir, extensionDir: process.env.CHAIN_SENTRY_EXTENSION_DIR || undefined });
  const ask = <T>(handle: FirefoxHandle, msg: object) => handle.sendMessage(msg) as Promise<T>;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "chain-sentry-restart-"));
    profileDir = path.join(dir, "profile");
    // Ports of their own, away from the suite above.
    sites = await startDemoSites({ dir, basePort: 10443 });
  });

  after(async () => {
    await ff?.close();
    await sites?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the blocked event recorded before the restart is listed on the history page after it", async (t) => {
    const { url } = sites.cases.find((c) => c.id === "blocked")!;
    const [entry] = sites.managedConfig.blocklist as BlocklistConfigEntry[];
    let started = Date.now();
    ff = await launch();
    const first = ff;
    await backgroundUp(() => first.sendMessage({ type: "ui-bg-get-status" }));
    t.diagnostic(`first launch, until the background answers: ${Date.now() - started} ms`);

    await (await first.browser.newPage()).goto(url);
    const recorded = await waitFor(
      "the blocked event in the history",
      () => ask<{ events: HistoryEvent[] }>(first, { type: "ui-bg-get-history" }),
      (h) => h.events.some((e) => e.ruleId === "blocked-certificate"),
    );
    const event = recorded.events.find((e) => e.ruleId === "blocked-certificate")!;
    assert.equal(event.pageUrl, url);
    assert.deepEqual(first.extensionErrors(), []);
    // Quit at once, as a user who closes Firefox on seeing the warning.
    started = Date.now();
    await first.close();
    t.diagnostic(`close: ${Date.now() - started} ms`);

    started = Date.now();
    ff = await launch();
    const second = ff;
    await backgroundUp(() => second.sendMessage({ type: "ui-bg-get-status" }));
    t.diagnostic(`second launch, same profile, until the background answers: ${Date.now() - started} ms`);
    assert.equal(second.profileDir, path.resolve(profileDir));

    const page = await second.openExtensionPage("popup/history.html");
    const rows = await waitFor(
      "the history page to list events",
      () =>
        page.$$eval("table.events tbody tr", (trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td as HTMLElement).innerText.replace(/\s+/g, " ").trim())),
        ),
      (r) => r.length > 0,
    );
    // Columns: time, level, page, origin, rule (and its title), certificate, SHA-256.
    const blockedRows = rows.filter((cells) => cells[4].startsWith("blocked-certificate"));
    assert.equal(blockedRows.length, 1, JSON.stringify(rows, null, 1));
    const [, level, pageUrl, origin, rule, subject, sha256] = blockedRows[0];
    assert.equal(level, "Blocked");
    assert.equal(pageUrl, url);
    assert.equal(origin, new URL(url).origin);
    assert.equal(rule, `blocked-certificate Blocked intermediate certificate: ${entry.label}`);
    assert.match(subject, new RegExp(`(^|,)CN=${ROGUE}(,|$)`));
    assert.equal(sha256, event.sha256);
    assert.equal(sha256, sha256Colons(sites.pki.rogue.der), "the event names the blocked intermediate");
    const restored = await ask<{ events: HistoryEvent[] }>(second, { type: "ui-bg-get-history" });
    assert.deepEqual(
      restored.events.find((e) => e.ruleId === "blocked-certificate"),
      event,
      "the same event, not a new one",
    );
    assert.deepEqual(second.extensionErrors(), []);
  });
});
