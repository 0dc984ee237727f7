// What a user sees for each demo site in warn mode, in a real Firefox ESR with the demo policy: the
// verdict the background recorded for the tab, the toolbar badge, the page itself, Firefox's own TLS
// failures, and the same state served after the MV3 event page was suspended and started again.
// The leaf-only case has its own file (leaf-only.test.ts): it needs a browser that has cached no
// intermediates. Run inside scripts/run-in-sandbox.sh after npm run build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BADGE } from "../../background/badge";
import { colonHexToHex } from "../../src/encoding";
import type { TabState } from "../../src/protocol";
import type { DemoCase } from "../../scripts/demo-sites";
import { launchDemo, recordSubresources, sleep, subresourceOutcomes, summarizeState, type DemoBrowser } from "./support";

/** Low, so the event page is suspended within seconds when nothing talks to it. */
const IDLE_TIMEOUT_MS = 1_000;

let demo: DemoBrowser;
/** Tab ids by case, for the restart test. */
const tabOf: Partial<Record<DemoCase["id"], number>> = {};

before(async () => {
  demo = await launchDemo({ prefs: { "extensions.background.idle.timeout": IDLE_TIMEOUT_MS } });
});

after(async () => {
  await demo?.close();
});

const demoCase = (id: DemoCase["id"]) => demo.sites.cases.find((c) => c.id === id)!;
const origin = (url: string) => new URL(url).origin;
const sortedRules = (record: { verdict: { findings: { ruleId: string }[] } } | null | undefined) =>
  (record?.verdict.findings.map((f) => f.ruleId) ?? []).sort();
const show = (state: TabState | null) => JSON.stringify(state && summarizeState(state), null, 1);

interface BlocklistConfigEntry {
  label: string;
  reason: string;
  reference: string;
}

/** Opens a case's site in a new tab; returns the tab id and the settled state. */
async function open(id: DemoCase["id"], { expectLoad = true } = {}) {
  const { url } = demoCase(id);
  const visit = await demo.visit(url, { prepare: recordSubresources });
  if (expectLoad) assert.equal(visit.error, null, `${url} did not load`);
  const tabId = await demo.tabIdOf(url);
  tabOf[id] = tabId;
  const state = await demo.settledTabState(tabId);
  return { url, visit, tabId, state };
}

test("the demo policy is in force: warn mode, the managed configuration accepted", async () => {
  const status = await demo.ask("ui-bg-get-status", {});
  assert.equal(status.mode, "warn");
  assert.equal(status.policy.present, true);
  assert.deepEqual(status.policy.errors, []);
});

test("clean: ok, every check passes, no badge text", async () => {
  const { url, tabId, state, visit } = await open("clean");
  assert.equal(state.url, url);
  assert.equal(state.level, "ok", show(state));
  assert.ok(state.top, `no chain recorded for the page: ${show(state)}`);
  assert.equal(state.top.origin, origin(url));
  assert.deepEqual(sortedRules(state.top), []);
  assert.deepEqual(
    state.top.verdict.chain.map((c) => c.role),
    ["leaf", "intermediate", "root"],
  );
  assert.match(state.top.verdict.chain[1].subject, /CN=Chain Sentry Demo Intermediate/);
  assert.equal(state.top.verdict.chain[1].allowlisted, true);
  assert.deepEqual(state.failures, []);

  const badge = await demo.settledBadge(tabId, BADGE.ok);
  assert.equal(badge.text, "", `badge ${JSON.stringify(badge)}`);
  assert.equal(badge.color, BADGE.ok.color, `badge ${JSON.stringify(badge)}`);
  assert.match(badge.title, /No problems found/);

  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Chain Sentry demo");
});

test("blocked: the Flame stand-in is blocked by the policy entry, red ✕, and the page still renders (warn mode)", async () => {
  const { url, tabId, state, visit } = await open("blocked");
  const [entry] = demo.sites.managedConfig.blocklist as BlocklistConfigEntry[];
  assert.equal(state.level, "blocked", show(state));
  assert.ok(state.top, `no chain recorded for the page: ${show(state)}`);
  assert.equal(state.top.origin, origin(url));
  assert.deepEqual(sortedRules(state.top), ["blocked-certificate", "dynamic-intermediate"]);

  const finding = state.top.verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
  assert.equal(finding.severity, "blocked");
  assert.equal(finding.certIndex, 1, "the intermediate is the blocked certificate");
  const cert = state.top.verdict.chain[1];
  assert.equal(cert.role, "intermediate");
  assert.match(cert.subject, /CN=Microsoft Enforced Licensing Intermediate PCA/);
  assert.match(finding.title, /Microsoft Enforced Licensing Intermediate PCA/);
  assert.match(finding.explanation, /Microsoft Enforced Licensing Intermediate PCA/);
  assert.ok(finding.match, "the finding names the blocklist entry it matched");
  assert.equal(finding.match.source, "policy");
  assert.equal(finding.match.key, "spkiSha256");
  assert.equal(finding.match.label, entry.label);
  assert.equal(finding.match.incident, entry.reason);
  assert.equal(finding.match.reference, entry.reference);
  assert.equal(state.top.blockedRequests, 0, "warn mode blocks nothing");

  const badge = await demo.settledBadge(tabId, BADGE.blocked);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "✕", color: BADGE.blocked.color });
  assert.ok(badge.title.includes(entry.label), `tooltip: ${badge.title}`);

  // Warn mode: the user still gets the site.
  assert.equal(await visit.page.$eval("#site-content", (h) => h.textContent), "Blocked intermediate site");
  assert.equal(await visit.page.evaluate(() => document.body.dataset.script), "ran");
});

test("dynamic: the server-supplied intermediate is a warning, amber !", async () => {
  const { tabId, state } = await open("dynamic");
  assert.equal(state.level, "warning", show(state));
  assert.ok(state.top, `no chain recorded for the page: ${show(state)}`);
  assert.deepEqual(sortedRules(state.top), ["dynamic-intermediate"]);
  const [finding] = state.top.verdict.findings;
  assert.equal(finding.severity, "warning");
  assert.equal(finding.certIndex, 1);
  assert.match(state.top.verdict.chain[1].subject, /CN=Unlisted Issuing CA/);

  const badge = await demo.settledBadge(tabId, BADGE.warning);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "!", color: BADGE.warning.color });
  assert.match(badge.title, /Warning/);
});

test("expired: Firefox refuses the page and its reason is recorded for the tab", async () => {
  const { url, tabId, state, visit } = await open("expired", { expectLoad: false });
  assert.match(visit.error ?? "", /SEC_ERROR_EXPIRED_CERTIFICATE/, "Firefox shows its certificate error page");
  assert.equal(state.top, null, show(state));
  assert.deepEqual(
    state.failures.map(({ url, origin, error, type }) => ({ url, origin, error, type })),
    [{ url, origin: origin(url), error: "Peer’s Certificate has expired.", type: "main_frame" }],
  );
  assert.equal(state.level, "ok", "no chain, so no verdict: Firefox's own error page is what the user sees");
  const badge = await demo.settledBadge(tabId, BADGE.ok);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "", color: BADGE.ok.color });
  assert.ok(badge.title.includes("Peer’s Certificate has expired."), `tooltip: ${badge.title}`);
});

test("mixed: each subresource origin's chain is recorded under its origin with its own level", async () => {
  const { url, tabId, state, visit } = await open("mixed");
  const base = new URL(url);
  const at = (offset: number) => `${base.protocol}//${base.hostname}:${Number(base.port) + offset}`;
  assert.equal(state.level, "blocked", show(state));
  assert.ok(state.top, `no chain recorded for the page: ${show(state)}`);
  assert.equal(state.top.origin, at(0));
  assert.equal(state.top.verdict.level, "ok");

  const byOrigin = Object.fromEntries(state.origins.map((o) => [o.origin, o]));
  assert.deepEqual(Object.keys(byOrigin).sort(), [at(0), at(1), at(2)].sort(), show(state));
  assert.equal(byOrigin[at(0)].level, "ok");
  assert.equal(byOrigin[at(1)].level, "blocked");
  assert.equal(byOrigin[at(2)].level, "warning");
  assert.deepEqual(sortedRules(byOrigin[at(0)].chains[0]), []);
  assert.deepEqual(sortedRules(byOrigin[at(1)].chains[0]), ["blocked-certificate", "dynamic-intermediate"]);
  assert.deepEqual(sortedRules(byOrigin[at(2)].chains[0]), ["dynamic-intermediate"]);
  for (const o of state.origins) {
    assert.equal(o.chains.length, 1, `${o.origin} presented one chain`);
    assert.ok(o.chains[0].requests >= 3, `${o.origin}: the page loads a script, a stylesheet and an image from it`);
    assert.equal(o.chains[0].blockedRequests, 0, "warn mode blocks nothing");
  }

  const badge = await demo.settledBadge(tabId, BADGE.blocked);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "✕", color: BADGE.blocked.color });

  // Warn mode: every subresource, the blocked origin's included, loaded.
  const outcomes = await subresourceOutcomes(visit.page);
  for (const offset of [0, 1, 2]) {
    for (const file of ["app.js", "style.css", "pixel.svg"]) {
      const resource = `${at(offset)}/${file}`;
      const seen = outcomes.filter((o) => o.url === resource).map((o) => o.outcome);
      assert.ok(seen.length > 0 && seen.every((o) => o === "load"), `${resource}: ${JSON.stringify(seen)}`);
    }
  }
});

test("after the event page is suspended and started again, the tab's state is still served (storage.session)", async (t) => {
  const tabId = tabOf.blocked;
  assert.ok(tabId !== undefined, "the blocked case ran first");
  const recorded = await demo.ask("ui-bg-get-tab-state", { tabId });
  assert.ok(recorded?.top, "the blocked tab has a recorded state");
  const first = await demo.ask("ui-bg-get-status", {});

  // Every message resets Firefox's idle timer, so ask rarely. Nothing else in this browser talks to
  // the background now (the probe page sends nothing; the open sites load nothing more).
  const deadline = Date.now() + 30_000;
  let rounds = 0;
  let restarted: { askedAt: number; state: TabState | null; startedAt: number } | undefined;
  while (!restarted && Date.now() < deadline) {
    await sleep(IDLE_TIMEOUT_MS * 3);
    rounds++;
    const askedAt = Date.now();
    // The tab state first, as the popup asks for it when opened on a suspended background.
    const state = await demo.ask("ui-bg-get-tab-state", { tabId });
    const { backgroundStartedAt } = await demo.ask("ui-bg-get-status", {});
    if (backgroundStartedAt !== first.backgroundStartedAt) restarted = { askedAt, state, startedAt: backgroundStartedAt };
  }
  assert.ok(
    restarted,
    `backgroundStartedAt stayed ${first.backgroundStartedAt} for 30 s with extensions.background.idle.timeout=${IDLE_TIMEOUT_MS}: ` +
      "Firefox never suspended the event page",
  );
  t.diagnostic(
    `background restarted: started at ${first.backgroundStartedAt}, then ${restarted.startedAt} ` +
      `(${restarted.startedAt >= restarted.askedAt ? "woken by the tab-state request itself" : "woken before the request"}, after ${rounds} idle round(s))`,
  );
  assert.ok(restarted.startedAt > first.backgroundStartedAt);
  // The new instance started after the page's response was recorded: it can only know it from storage.
  assert.ok(restarted.startedAt > recorded.updatedAt);
  assert.ok(restarted.state, "the restarted background served no state for the tab");
  assert.deepEqual(summarizeState(restarted.state), summarizeState(recorded));
  assert.deepEqual(restarted.state.top?.verdict, recorded.top.verdict);

  // The certificate's bytes came back too: the popup can still show the blocked intermediate's details.
  const intermediate = recorded.top.verdict.chain[1];
  const bytes = await demo.ask("ui-bg-get-certificate", { tabId, sha256: intermediate.sha256 });
  assert.ok("der" in bytes, `certificate bytes after the restart: ${JSON.stringify(bytes)}`);
  assert.equal(createHash("sha256").update(Buffer.from(bytes.der, "base64")).digest("hex"), colonHexToHex(intermediate.sha256));

  const badge = await demo.badge(tabId);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "✕", color: BADGE.blocked.color });
});

test("the extension reported no script errors", () => {
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
