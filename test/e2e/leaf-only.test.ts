// A server that sends only its leaf: Firefox cannot build the chain and refuses the page, and Chain
// Sentry records Firefox's reason for the tab. Its own browser: Firefox caches, for the session, the
// intermediates other servers sent, and with the intermediate cached the same page would load.
// Run inside scripts/run-in-sandbox.sh after npm run build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BADGE } from "../../background/badge";
import { launchDemo, summarizeState, type DemoBrowser } from "./support";

let demo: DemoBrowser;

before(async () => {
  demo = await launchDemo();
});

after(async () => {
  await demo?.close();
});

test("leaf-only: in a fresh browser Firefox refuses the page, and its reason is recorded for the tab", async () => {
  const { url } = demo.sites.cases.find((c) => c.id === "leaf-only")!;
  const visit = await demo.visit(url);
  assert.match(visit.error ?? "", /SEC_ERROR_UNKNOWN_ISSUER/, "Firefox shows its certificate error page");

  const tabId = await demo.tabIdOf(url);
  const state = await demo.settledTabState(tabId);
  assert.equal(state.top, null, JSON.stringify(summarizeState(state)));
  assert.deepEqual(state.origins, []);
  assert.deepEqual(
    state.failures.map(({ url, origin, error, type }) => ({ url, origin, error, type })),
    [{ url, origin: new URL(url).origin, error: "Peer’s Certificate issuer is not recognized.", type: "main_frame" }],
  );

  const badge = await demo.settledBadge(tabId, BADGE.ok);
  assert.deepEqual({ text: badge.text, color: badge.color }, { text: "", color: BADGE.ok.color });
  assert.ok(badge.title.includes("Peer’s Certificate issuer is not recognized."), `tooltip: ${badge.title}`);
});

test("the extension reported no script errors", () => {
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
