// Every extension page passes axe-core's WCAG 2.1 A and AA checks in a real Firefox ESR, on
// realistic data: the demo sites visited in block mode under the demo policy, so the popup shows a
// warning, the chain page a page of three origins, the block page a blocked intermediate, the history
// the events those visits left, the options page the policy's settings, the workbench a pasted
// chain. Colour contrast counts, which only a real browser can compute. Run inside
// scripts/run-in-sandbox.sh after a build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import type { Page } from "puppeteer-core";
import { base64ToBytes, derToPem } from "../../src/encoding";
import type { TabState } from "../../src/protocol";
import { hrefOf, visit } from "./policy-support";
import { launchDemo, submitToWorkbench, waitFor, type DemoBrowser } from "./support";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

let demo: DemoBrowser;

before(async () => {
  demo = await launchDemo({ config: { mode: "block" } });
});

after(async () => {
  await demo?.close();
});

/** axe's violations on the page, one line per element: rule id, impact, target, and what it asks for. */
async function violations(page: Page): Promise<string[]> {
  // Evaluated as source by the driver, not added as a <script>: the pages' CSP allows no inline script.
  await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe.run(document, {
        runOnly: { type: "tag", values: tags },
      }),
    WCAG_21_AA,
  )) as AxeResults;
  return results.violations.flatMap((v) =>
    v.nodes.map((node) => `${v.id} (${v.impact}) at ${node.target.join(" ")}: ${v.help} — ${node.failureSummary ?? ""}`.replace(/\s+/g, " ")),
  );
}

/** Waits until `selector` matches and nothing on the page is still loading. */
async function ready(page: Page, what: string, selector: string): Promise<void> {
  await waitFor(
    what,
    () => page.evaluate((s) => document.querySelector(s) !== null && document.querySelector('[aria-busy="true"]') === null, selector),
    (done) => done,
  );
}

async function assertAccessible(page: Page): Promise<void> {
  const found = await violations(page);
  assert.deepEqual(found, [], `axe (WCAG 2.1 A/AA) on ${await hrefOf(page)}:\n  ${found.join("\n  ")}`);
}

const caseUrl = (id: "blocked" | "dynamic" | "mixed") => demo.sites.cases.find((c) => c.id === id)!.url;

/** A demo case's tab (visited once) and its settled state. */
const visited = new Map<string, Promise<{ tabId: number; state: TabState }>>();
function caseTab(id: "dynamic" | "mixed") {
  if (!visited.has(id)) {
    visited.set(
      id,
      (async () => {
        await demo.visit(caseUrl(id));
        const tabId = await demo.tabIdOf(caseUrl(id));
        return { tabId, state: await demo.settledTabState(tabId) };
      })(),
    );
  }
  return visited.get(id)!;
}

test("the popup on a site with a dynamically supplied intermediate", async () => {
  const { tabId } = await caseTab("dynamic");
  const page = await demo.ff.openExtensionPage(`popup/index.html?tabId=${tabId}`);
  await ready(page, "the popup's verdict", ".banner.tone-warning");
  await assertAccessible(page);
});

test("the chain page of a page that loads from several origins", async () => {
  const { tabId } = await caseTab("mixed");
  const page = await demo.ff.openExtensionPage(`popup/chain.html?tabId=${tabId}`);
  await ready(page, "the chain page's origins", ".origins > li.origin");
  await assertAccessible(page);
});

test("the block page of a site whose intermediate is blocked", async () => {
  const page = await visit(demo.ff, caseUrl("blocked"), demo.ff.extensionUrl("popup/blocked.html?id="));
  await ready(page, "the block page", ".blocked-page .banner");
  await assertAccessible(page);
});

test("the history with the events of those visits", async () => {
  await waitFor(
    "history events",
    () => demo.ask("ui-bg-get-history", {}),
    (h) => h.events.length > 0,
  );
  const page = await demo.ff.openExtensionPage("popup/history.html");
  await ready(page, "the history table", "table.events tbody tr");
  await assertAccessible(page);
});

test("the options page under the demo policy", async () => {
  const page = await demo.ff.openExtensionPage("popup/options.html");
  await ready(page, "the settings form", 'input[name="mode"]');
  await assertAccessible(page);
});

test("the workbench with a pasted chain", async () => {
  const { tabId, state } = await caseTab("dynamic");
  // The tab's state carries no bytes: asked for by SHA-256, as the popup's PEM download does.
  const der = await Promise.all(state.top!.verdict.chain.map((c) => demo.ask("ui-bg-get-certificate", { tabId, sha256: c.sha256 })));
  const pem = der.map((answer) => derToPem(base64ToBytes("der" in answer ? answer.der : ""))).join("");
  const page = await demo.ff.openExtensionPage("popup/workbench.html");
  await submitToWorkbench(page, pem);
  await ready(page, "the workbench's verdict", ".banner.tone-warning");
  await assertAccessible(page);
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
