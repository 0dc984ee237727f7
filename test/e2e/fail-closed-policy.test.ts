// Block mode under enterprise policy, where the chain cannot be seen or the policy cannot be read, in
// a real Firefox ESR with the demo sites:
// 1. An overridden certificate error (a real exception for the expired site, from a cert_override.txt
//    in the profile): Firefox then reports no chain at all. Under `{ mode: "block" }` the site loads
//    and its verdict says the error was overridden; under `blockUnverifiableChains: true` it never
//    renders, the tab ends on the block page saying the chain could not be seen, and the origin's
//    subresources are stopped by the same rule.
// 2. A fault in managed storage: after one launch under the block policy, Firefox restarts with the
//    same profile and a policies.json it cannot parse (no policy at all), then with the extension's
//    3rdparty entry removed: the extension applies its kept copy and keeps blocking. An empty
//    configuration `{}` releases block mode, and forgets the copy.
// Every policy is a Firefox launch (managed storage is read once per session): seven in all. The demo
// sites run once for the whole file, so the certificate the override names and the blocklist the
// kept copy holds stay the same across launches.
// Run inside scripts/run-in-sandbox.sh after building (CHAIN_SENTRY_EXTENSION_DIR for a private build).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { EXTENSION_ID, startDemoSites, type DemoCase, type DemoSites } from "../../scripts/demo-sites";
import type { BlockedPageInfo } from "../../src/protocol";
import {
  pollFor,
  recordSubresources,
  subresourceOutcomes,
  summarizeState,
  waitFor,
  watchRendering,
  withDemoBrowser,
  type DemoBrowser,
  type DemoLaunchOptions,
  type Visit,
} from "./support";

const OVERRIDDEN_RULE = "certificate-error-overridden";
const BLOCKED_SUBJECT = "CN=Microsoft Enforced Licensing Intermediate PCA";
const VISIT_TIMEOUT_MS = 60_000;
/** Firefox's own SHA-256 OID, as it writes it in cert_override.txt (ESR 153). */
const SHA256_OID = "OID.2.16.840.1.101.3.4.2.1";

let workDir: string;
let sites: DemoSites;

before(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-fail-closed-policy-"));
  sites = await startDemoSites({ dir: path.join(workDir, "sites") });
});

after(async () => {
  await sites?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const demoCase = (id: DemoCase["id"]) => sites.cases.find((c) => c.id === id)!;

/** A Firefox on this file's demo sites, closed after `use`. */
const withFirefox = <T>(options: Omit<DemoLaunchOptions, "sites">, use: (demo: DemoBrowser) => Promise<T>) => withDemoBrowser(sites, options, use);

/** The SHA-256 of the certificate the server on `port` presents, as Firefox writes it (uppercase colon hex). */
function leafFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** Visits `url` in a new tab, recording whether the site rendered and what its subresources did. */
async function visitWatched(demo: DemoBrowser, url: string): Promise<{ visit: Visit; rendered: string[] }> {
  let rendered: string[] = [];
  const visit = await demo.visit(url, {
    timeoutMs: VISIT_TIMEOUT_MS,
    prepare: async (page) => {
      rendered = await watchRendering(page);
      await recordSubresources(page);
    },
  });
  return { visit, rendered };
}

/** Where the tab ended: the block page's id if it is one, and its text once `ready` accepts it. */
async function blockPageOf(demo: DemoBrowser, visit: Visit, ready: (text: string) => boolean): Promise<{ href: string; id: string | null; text: string }> {
  const href = await visit.page.evaluate(() => location.href);
  const match = new RegExp(`^moz-extension://${demo.ff.uuid}/popup/blocked\\.html\\?id=([^&#]+)$`).exec(href);
  let text = "";
  if (match) {
    // The page asks the background for the details: wait until they are shown.
    text = (await pollFor(() => visit.page.evaluate(() => document.body.innerText), ready, { timeoutMs: 10_000 })) ?? "";
  }
  return { href: href.slice(0, 300), id: match ? decodeURIComponent(match[1]) : null, text };
}

/** Visits the blocked site: the tab must end on the block page naming the certificate, the site never rendered. */
async function assertBlocked(demo: DemoBrowser, what: string): Promise<void> {
  const { visit, rendered } = await visitWatched(demo, demoCase("blocked").url);
  const blockPage = await blockPageOf(demo, visit, (t) => t.includes(BLOCKED_SUBJECT));
  assert.ok(blockPage.id, `${what}: the tab shows ${blockPage.href} (${visit.error ?? "no navigation error"}), not the block page`);
  assert.ok(blockPage.text.includes(BLOCKED_SUBJECT), `${what}: the block page does not name the blocked certificate:\n${blockPage.text}`);
  assert.equal(await visit.page.$("#site-content"), null);
  assert.deepEqual(rendered, [], `${what}: the blocked site rendered`);
  await visit.page.close();
}

/** Visits the clean site: it must render (the demo root is trusted, nothing stops it). */
async function assertCleanRenders(demo: DemoBrowser, what: string): Promise<void> {
  const { url } = demoCase("clean");
  const { visit, rendered } = await visitWatched(demo, url);
  assert.equal(visit.error, null, `${what}: ${url} did not load`);
  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Chain Sentry demo", what);
  assert.deepEqual(rendered, [`${url} Chain Sentry demo`], what);
  await visit.page.close();
}

describe("an overridden certificate error in block mode", () => {
  let profileDir: string;
  const expired = () => demoCase("expired").url;
  const expiredOrigin = () => new URL(expired()).origin;

  before(async () => {
    // A real exception, as Firefox writes it when a user clicks "Accept the Risk and Continue".
    profileDir = path.join(workDir, "override-profile");
    mkdirSync(profileDir, { recursive: true });
    const { hostname, port } = new URL(expired());
    const fingerprint = await leafFingerprint(Number(port));
    writeFileSync(
      path.join(profileDir, "cert_override.txt"),
      "# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n" + `${hostname}:${port}:\t${SHA256_OID}\t${fingerprint}\t\n`,
    );
  });

  test('{ mode: "block" }: the overridden site loads, and the verdict on it and on its subresources says the error was overridden', async () => {
    await withFirefox({ profileDir, config: { mode: "block" } }, async (demo) => {
      assert.equal((await demo.ask("ui-bg-get-status", {})).mode, "block");
      const url = expired();
      const { visit, rendered } = await visitWatched(demo, url);
      // Without the exception Firefox shows its own error page (the demo's "tls-error" case).
      assert.equal(visit.error, null, `${url} did not load: the certificate exception did not take`);
      assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Expired site");
      assert.deepEqual(rendered, [`${url} Expired site`]);

      const tabId = await demo.tabIdOf(url);
      const state = await demo.settledTabState(tabId, { timeoutMs: 20_000 });
      const shown = JSON.stringify(summarizeState(state));
      assert.ok(state.top, `no verdict for the page: ${shown}`);
      assert.equal(state.top.origin, expiredOrigin());
      const finding = state.top.verdict.findings.find((f) => f.ruleId === OVERRIDDEN_RULE);
      assert.ok(finding, `the page's verdict has no ${OVERRIDDEN_RULE} finding: ${shown}`);
      assert.match(finding.explanation, /exception was added/);
      assert.notEqual(state.top.verdict.level, "blocked", shown);
      assert.equal(state.top.blockedRequests, 0, shown);

      // The page's own stylesheet and script come from the overridden origin too: same rule, let through.
      const outcomes = await waitFor(
        "the expired site's stylesheet and script to load or fail",
        () => subresourceOutcomes(visit.page),
        (list) => ["app.js", "style.css"].every((f) => list.some((o) => o.url === `${expiredOrigin()}/${f}`)),
        { timeoutMs: 15_000 },
      );
      for (const file of ["app.js", "style.css"]) {
        const seen = outcomes.filter((o) => o.url === `${expiredOrigin()}/${file}`).map((o) => o.outcome);
        assert.deepEqual([...new Set(seen)], ["load"], `${file}: ${JSON.stringify(seen)}`);
      }
      const origin = state.origins.find((o) => o.origin === expiredOrigin());
      assert.ok(origin, `the subresources' origin is not in the tab's state: ${shown}`);
      assert.ok(origin.chains.length > 0, shown);
      for (const chain of origin.chains) {
        assert.ok(
          chain.verdict.findings.some((f) => f.ruleId === OVERRIDDEN_RULE),
          `a subresource chain without the ${OVERRIDDEN_RULE} finding: ${shown}`,
        );
        assert.equal(chain.blockedRequests, 0, shown);
      }
      assert.ok(origin.chains.reduce((n, c) => n + c.requests, 0) >= 2, `fewer than two subresource responses recorded: ${shown}`);

      // What the popup shows for the tab.
      const popup = await demo.ff.openExtensionPage(`popup/index.html?tabId=${tabId}`);
      const text = await pollFor(
        () => popup.evaluate(() => document.body.innerText),
        (t) => /certificate error overridden/i.test(t),
        { timeoutMs: 10_000 },
      );
      assert.match(text ?? "", /certificate error overridden/i, `the popup does not say the error was overridden:\n${text}`);
      await popup.close();
    });
  });

  test("with blockUnverifiableChains: the overridden origin's subresources are stopped, and the site never renders: the tab ends on the block page", async () => {
    await withFirefox({ profileDir, config: { mode: "block", blockUnverifiableChains: true } }, async (demo) => {
      const settings = await demo.ask("ui-bg-get-settings", {});
      assert.equal(settings.effective.mode, "block");
      assert.equal(settings.effective.blockUnverifiableChains, true, JSON.stringify(settings.policy));

      // First, before the origin is visited at all: a clean page loading its script, image and
      // stylesheet. The clean page itself is not affected.
      const { visit: cleanVisit } = await visitWatched(demo, demoCase("clean").url);
      assert.equal(cleanVisit.error, null, "the clean site did not load");
      const files = { script: "app.js", img: "pixel.svg", link: "style.css" } as const;
      await cleanVisit.page.evaluate(`(() => {
        const origin = ${JSON.stringify(expiredOrigin())};
        const script = document.createElement("script"); script.src = origin + "/app.js"; document.body.append(script);
        const img = document.createElement("img"); img.src = origin + "/pixel.svg"; document.body.append(img);
        const link = document.createElement("link"); link.rel = "stylesheet"; link.href = origin + "/style.css"; document.head.append(link);
      })()`);
      const outcomes = await waitFor(
        "the overridden origin's three subresources to load or fail",
        () => subresourceOutcomes(cleanVisit.page),
        (list) => Object.values(files).every((f) => list.some((o) => o.url === `${expiredOrigin()}/${f}`)),
        { timeoutMs: 15_000 },
      );
      for (const file of Object.values(files)) {
        const seen = outcomes.filter((o) => o.url === `${expiredOrigin()}/${file}`).map((o) => o.outcome);
        assert.deepEqual([...new Set(seen)], ["error"], `${expiredOrigin()}/${file} was not stopped: ${JSON.stringify(seen)}`);
      }
      const cleanTab = await demo.tabIdOf(demoCase("clean").url);
      const cleanState = await demo.settledTabState(cleanTab, { timeoutMs: 20_000 });
      const shownClean = JSON.stringify(summarizeState(cleanState));
      const origin = cleanState.origins.find((o) => o.origin === expiredOrigin());
      assert.ok(origin, `the overridden origin is not in the clean tab's state: ${shownClean}`);
      for (const chain of origin.chains) {
        assert.ok(
          chain.verdict.findings.some((f) => f.ruleId === OVERRIDDEN_RULE),
          shownClean,
        );
        assert.equal(chain.blockedRequests, chain.requests, `not every response of the overridden origin was stopped: ${shownClean}`);
      }
      assert.ok(origin.chains.reduce((n, c) => n + c.blockedRequests, 0) >= 3, shownClean);
      await cleanVisit.page.close();

      // Then the overridden site itself.
      const url = expired();
      const { visit, rendered } = await visitWatched(demo, url);
      const blockPage = await blockPageOf(demo, visit, (t) => /could not be seen/i.test(t) && /expired/i.test(t));
      assert.ok(blockPage.id, `the tab shows ${blockPage.href} (${visit.error ?? "no navigation error"}), not the block page`);
      assert.match(blockPage.text, /certificate chain could not be (seen|checked)/i, blockPage.text);
      assert.match(blockPage.text, /exception was added/, blockPage.text);
      assert.match(blockPage.text, /expired/, `the block page does not give Firefox's reason:\n${blockPage.text}`);
      assert.ok(!blockPage.text.includes(BLOCKED_SUBJECT), blockPage.text);
      assert.equal(await visit.page.$("#site-content"), null);
      assert.deepEqual(rendered, [], "the overridden site rendered");
      const info = (await demo.ask("ui-bg-get-blocked-page", { id: blockPage.id })) as BlockedPageInfo | null;
      assert.equal(info?.kind, "unverifiable", JSON.stringify(info));
      assert.equal(info?.url, url);
      assert.equal(info?.certificate, null);
    });
  });
});

describe("a fault in managed storage leaves block mode blocking", () => {
  let profileDir: string;
  const withCertificatesOnly = () => ({ Certificates: { Install: [sites.rootPemPath] } });
  /** storage.managed as the extension reads it: its contents, or why it rejected. */
  const readManaged = (demo: DemoBrowser) =>
    demo.probe.evaluate(() =>
      (globalThis as unknown as ManagedGlobal).browser.storage.managed.get().then(
        (items) => ({ items, error: null }),
        (e: Error) => ({ items: null, error: String(e?.message ?? e) }),
      ),
    );

  before(() => {
    profileDir = path.join(workDir, "restart-profile");
  });

  test("first launch under the demo block policy: the blocked site is blocked", async () => {
    await withFirefox({ profileDir, config: { mode: "block" } }, async (demo) => {
      const status = await demo.ask("ui-bg-get-status", {});
      assert.equal(status.mode, "block");
      assert.deepEqual(status.policy.errors, []);
      await assertBlocked(demo, "under the policy");
    });
  });

  /** The restarts where Firefox no longer gives the extension its configuration. */
  const faults: { what: string; options: () => Omit<DemoLaunchOptions, "sites" | "profileDir"> }[] = [
    // Firefox applies no policy at all, the Certificates one included: the kept profile still
    // trusts the demo root, which Certificates.Install added to its certificate database.
    { what: "a policies.json Firefox cannot parse", options: () => ({ policiesText: '{ "policies": { "3rdparty": ' }) },
    { what: "the extension's 3rdparty entry removed", options: () => ({ policies: withCertificatesOnly() }) },
  ];
  for (const fault of faults) {
    test(`restart with ${fault.what}: the kept copy applies, the blocked site is still blocked`, async () => {
      await withFirefox({ profileDir, ...fault.options() }, async (demo) => {
        // The fault is real: Firefox has no configuration for the extension.
        const managed = await readManaged(demo);
        assert.equal(managed.items, null, `storage.managed still answers: ${JSON.stringify(managed.items)}`);
        // The demo root is still trusted, so a chain reaches the extension and its verdict decides.
        await assertCleanRenders(demo, `restart with ${fault.what}`);
        await assertBlocked(demo, `restart with ${fault.what}`);

        const status = await demo.ask("ui-bg-get-status", {});
        assert.equal(status.mode, "block");
        const settings = await demo.ask("ui-bg-get-settings", {});
        assert.equal(settings.effective.mode, "block");
        assert.equal(settings.policy.present, true);
        assert.match(settings.policy.errors[0] ?? "", /the copy read at \S+ still applies/, JSON.stringify(settings.policy.errors));
        assert.ok(
          settings.effective.blocklist.some((e) => e.source === "policy" && /Microsoft Enforced Licensing/.test(e.label ?? "")),
          `the kept copy's blocklist is not in force: ${JSON.stringify(settings.effective.blocklist)}`,
        );
      });
    });
  }

  test("restart with the configuration set to {}: block mode is released, and the copy forgotten", async () => {
    const released = { ...withCertificatesOnly(), "3rdparty": { Extensions: { [EXTENSION_ID]: {} } } };
    await withFirefox({ profileDir, policies: released }, async (demo) => {
      const managed = await readManaged(demo);
      assert.deepEqual(managed, { items: {}, error: null }, "Firefox does not hand the extension the empty configuration");
      const status = await waitFor(
        "the status to show warn mode",
        () => demo.ask("ui-bg-get-status", {}),
        (s) => s.mode === "warn",
        { timeoutMs: 10_000 },
      );
      assert.deepEqual(status.policy.errors, []);
      // Warn mode stops nothing: the blocked site renders (its quarantine ended with the last session).
      const { url } = demoCase("blocked");
      const { visit, rendered } = await visitWatched(demo, url);
      assert.equal(visit.error, null, `${url} did not load`);
      assert.equal(await visit.page.evaluate(() => location.href), url);
      assert.deepEqual(rendered, [`${url} Blocked intermediate site`]);
    });
    // Released means forgotten: with the configuration unreadable again, there is no copy to apply,
    // so the extension falls back to plain block mode and says why.
    await withFirefox({ profileDir, policiesText: "not json" }, async (demo) => {
      assert.equal((await readManaged(demo)).items, null);
      const settings = await demo.ask("ui-bg-get-settings", {});
      assert.ok(
        !settings.policy.errors.some((e) => /still applies/.test(e)),
        `a copy was applied after the release: ${JSON.stringify(settings.policy.errors)}`,
      );
      assert.ok(
        !settings.effective.blocklist.some((e) => e.source === "policy"),
        `the released policy's blocklist is in force: ${JSON.stringify(settings.effective.blocklist)}`,
      );
    });
  });
});

/** What the probe page has and Node's types do not know. */
type ManagedGlobal = { browser: { storage: { managed: { get(): Promise<Record<string, unknown>> } } } };
