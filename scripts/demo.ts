/**
 * The demo (`npm run demo`, through scripts/demo.sh inside scripts/run-in-sandbox.sh): the demo sites
 * of scripts/demo-sites.ts, and Firefox ESR with the built extension under the demo policy (the
 * project's harness, test/e2e/firefox.ts).
 *
 * - With a display ($DISPLAY or $WAYLAND_DISPLAY): a visible Firefox on the index page that links to
 *   every case, until Ctrl-C.
 * - Without one (CI), or with --headless: visits every case, records the verdict Chain Sentry reached
 *   for its tab, and saves a screenshot of the extension's popup for that tab, then exits: 0 when
 *   every case's verdict is the one it expects, 1 when one differs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Page } from "puppeteer-core";
import type { TabState } from "../src/protocol";
import { launchFirefox } from "../test/e2e/firefox";
import { launchDemo, waitFor, type DemoBrowser } from "../test/e2e/support";
import { startDemoSites, type DemoCase } from "./demo-sites";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_OUT = "artifacts/demo";

const USAGE = `Usage: npm run demo [-- [--headless] [--out DIR]]

Runs Chain Sentry in Firefox ESR against local demo sites (clean, blocked, dynamic, expired,
leaf-only, mixed), with the enterprise policy that trusts the demo root and configures the
extension's allowlist and blocklist. Everything runs in a loopback-only sandbox.

With a display ($DISPLAY or $WAYLAND_DISPLAY set), Firefox opens on the index page that links to
every case; the Chain Sentry button (in the Extensions menu unless pinned) shows each tab's
verdict. Ctrl-C stops it. An X display reached over TCP (e.g. ssh -X) is not reachable from the
sandbox; a local one is.

Without a display, or with --headless, it visits every case, records the verdict for its tab and
saves a screenshot of the extension's popup for it, then exits: 0 when every verdict is the
expected one, 1 otherwise.

Options:
  --headless   run headless even with a display
  --out DIR    where the headless run writes <case>.png and verdicts.json (default ${DEFAULT_OUT})
  -h, --help   this text`;

/** What the headless run reports for one case (verdicts.json). */
interface CaseResult {
  id: DemoCase["id"];
  title: string;
  url: string;
  expected: DemoCase["expected"];
  /** The tab's level, or "tls-error" when Firefox refused the page and Chain Sentry recorded why. */
  actual: string;
  pass: boolean;
  findings: { origin: string; ruleId: string; severity: string; title: string }[];
  failures: string[];
  screenshot: string | null;
  problem?: string;
}

let options: { headless?: boolean; out?: string; help?: boolean };
try {
  options = parseArgs({
    options: { headless: { type: "boolean" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  }).values;
} catch (error) {
  console.error(`demo: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (options.headless || !hasDisplay) {
  process.exitCode = await runHeadless(path.resolve(repoRoot, options.out ?? DEFAULT_OUT));
} else {
  await runHeaded();
}

async function runHeaded(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "chain-sentry-demo-"));
  const sites = await startDemoSites({ dir });
  const ff = await launchFirefox({ policies: sites.policies(), headless: false });
  try {
    const page = await ff.browser.newPage();
    await page.goto(sites.indexUrl);
    console.log(`Firefox is open on ${sites.indexUrl}, the demo's index page:`);
    for (const c of sites.cases) console.log(`  ${c.title.padEnd(34)} expect ${c.expected.padEnd(9)} ${c.url}`);
    console.log("Open a case, then the Chain Sentry button (pin it from the Extensions menu to see the badge). Ctrl-C stops the demo.");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
      ff.browser.once("disconnected", () => resolve());
    });
  } finally {
    await ff.close();
    await sites.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runHeadless(outDir: string): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  console.log(`demo: headless run; screenshots and verdicts.json go to ${outDir}`);
  const demo = await launchDemo();
  const results: CaseResult[] = [];
  try {
    // The index page, as a visitor starts: every case is linked from it.
    const index = await demo.visit(demo.sites.indexUrl);
    if (index.error) throw new Error(`the index page ${demo.sites.indexUrl} did not load: ${index.error}`);
    const links = await index.page.$$eval("a[id^='case-']", (as) => as.map((a) => [a.id.slice("case-".length), (a as HTMLAnchorElement).href]));
    const href = new Map(links as [string, string][]);
    // The index is the clean site's page: close it, so the clean case's tab is the only one at that URL.
    await index.page.close();

    for (const c of demo.sites.cases) {
      const url = href.get(c.id);
      const result: CaseResult = {
        id: c.id,
        title: c.title,
        url: c.url,
        expected: c.expected,
        actual: "none",
        pass: false,
        findings: [],
        failures: [],
        screenshot: null,
      };
      results.push(result);
      try {
        if (url !== c.url) throw new Error(`the index page links ${c.id} to ${url ?? "nothing"}`);
        await demo.visit(url);
        const tabId = await demo.tabIdOf(url);
        const state = await demo.settledTabState(tabId);
        Object.assign(result, describe(state, url));
        result.pass = result.actual === c.expected;
        const file = `${c.id}.png`;
        await screenshotPopup(demo, tabId, result.actual, path.join(outDir, file));
        result.screenshot = file;
      } catch (error) {
        result.pass = false;
        result.problem = (error as Error).message.split("\n")[0];
      }
      const top = new URL(c.url).origin;
      const findings = result.findings.map((f) => `${f.ruleId}${f.origin === top ? "" : ` on ${new URL(f.origin).host}`} (${f.title})`).join("; ");
      const detail = [findings, ...result.failures].filter(Boolean).join("; ") || "no findings";
      console.log(
        `${result.pass ? "ok  " : "FAIL"} ${c.id.padEnd(10)} expected ${c.expected.padEnd(9)} got ${result.actual.padEnd(9)} ${detail}${result.problem ? ` — ${result.problem}` : ""}`,
      );
    }
  } finally {
    writeFileSync(path.join(outDir, "verdicts.json"), JSON.stringify({ generatedAt: new Date().toISOString(), cases: results }, null, 2) + "\n");
    await demo.close();
  }
  const failed = results.filter((r) => !r.pass);
  console.log(
    failed.length ? `demo: ${failed.length} of ${results.length} cases differ from what they expect` : `demo: all ${results.length} cases as expected`,
  );
  console.log(`demo: wrote ${outDir}`);
  return failed.length ? 1 : 0;
}

function describe(state: TabState, url: string): Pick<CaseResult, "actual" | "findings" | "failures"> {
  const records = [state.top, ...state.origins.flatMap((o) => o.chains)].filter((r) => r !== null);
  const seen = new Set<string>();
  const findings = records.flatMap((r) =>
    r.verdict.findings
      .map((f) => ({ origin: r.origin, ruleId: f.ruleId, severity: f.severity, title: f.title }))
      .filter((f) => !seen.has(`${f.origin} ${f.ruleId} ${f.title}`) && seen.add(`${f.origin} ${f.ruleId} ${f.title}`)),
  );
  const failures = state.failures.map((f) => f.error);
  const refused = !state.top && state.failures.some((f) => f.type === "main_frame" && f.url === url);
  return { actual: refused ? "tls-error" : state.top ? state.level : "none", findings, failures };
}

/** The toolbar popup's view of the tab, once it shows the verdict, clipped to the popup's size. */
async function screenshotPopup(demo: DemoBrowser, tabId: number, actual: string, file: string): Promise<void> {
  const page: Page = await demo.ff.openExtensionPage(`popup/index.html?tabId=${tabId}`);
  try {
    // The verdict banner in the tab's tone, or for a page Firefox refused, the list of its failures.
    const selector = actual === "tls-error" ? ".failures .failure" : `.banner.tone-${actual}:not(.skeleton)`;
    await waitFor(
      `the popup to show ${selector}`,
      () => page.evaluate((s) => document.querySelector(s) !== null, selector),
      (shown) => shown,
      {
        timeoutMs: 10_000,
      },
    );
    const size = await page.evaluate(() => {
      const body = document.body.getBoundingClientRect();
      return { width: Math.ceil(body.right), height: Math.ceil(Math.max(document.documentElement.scrollHeight, body.bottom)) };
    });
    await page.screenshot({ path: file as `${string}.png`, clip: { x: 0, y: 0, ...size }, captureBeyondViewport: true });
  } finally {
    await page.close();
  }
}
