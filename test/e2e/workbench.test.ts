// The workbench and the explained chain change in a real Firefox ESR with the demo sites: the
// chain Firefox presented for the blocked demo case, pasted as PEM into popup/workbench.html, gets
// the verdict and findings `npm run analyze` gives for the same file with the same lists; and a
// site whose CA chain changes leaves a chain-changed entry whose diff in the history page shows
// both chains and the hints. Run inside scripts/run-in-sandbox.sh after a build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "puppeteer-core";
import { base64ToBytes, derToPem } from "../../src/encoding";
import type { Verdict } from "../../src/verdict";
import { launchDemo, submitToWorkbench, waitFor, type DemoBrowser } from "./support";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
let demo: DemoBrowser;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "chain-sentry-workbench-"));
  demo = await launchDemo();
});

after(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `npm run analyze` (whichever adapter package.json names) on a file: its verdict, whatever its exit status. */
function analyzeCli(args: string[]): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    execFile("npm", ["run", "--silent", "analyze", "--", ...args], { cwd: repoRoot, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as Verdict);
      } catch {
        reject(new Error(`npm run analyze printed no verdict (${error?.message ?? "exit 0"}): ${stderr}`));
      }
    });
  });
}

/** What the workbench shows: banner tone and headline, the ladder's names, the findings' titles. */
async function readResult(page: Page) {
  return page.evaluate(() => {
    const banner = document.querySelector(".banner");
    const lists = [...document.querySelectorAll('ul.findings[aria-label="Findings"]')];
    return {
      tone: [...(banner?.classList ?? [])].find((c) => c.startsWith("tone-"))?.slice(5) ?? "",
      busy: banner?.getAttribute("aria-busy") === "true",
      headline: banner?.querySelector(".banner-headline")?.textContent?.trim() ?? "",
      rungs: [...document.querySelectorAll("ol.ladder .rung-name")].map((n) => n.textContent?.trim() ?? ""),
      // The "All findings" list: the last one on the page.
      findings: [...(lists.at(-1)?.querySelectorAll("li.finding") ?? [])].map((li) => ({
        tone: [...li.classList].find((c) => c.startsWith("tone-"))?.slice(5) ?? "",
        title: li.querySelector(".finding-title")?.textContent?.trim() ?? "",
      })),
      error: document.querySelector('[role="alert"].notice-box')?.textContent ?? null,
    };
  });
}

test("the blocked case's chain pasted as PEM: the workbench's verdict and findings are npm run analyze's", async () => {
  const { url } = demo.sites.cases.find((c) => c.id === "blocked")!;
  await demo.visit(url);
  const tabId = await demo.tabIdOf((u) => u.startsWith(url));
  const state = await demo.settledTabState(tabId);
  const record = state.top!;
  assert.ok(record.derAvailable.every(Boolean), "Firefox gave every certificate's bytes");
  // The tab's state carries no bytes: asked for by SHA-256, as the popup's PEM download does.
  const der = await Promise.all(record.verdict.chain.map((c) => demo.ask("ui-bg-get-certificate", { tabId, sha256: c.sha256 })));
  assert.ok(
    der.every((answer) => "der" in answer),
    JSON.stringify(der),
  );
  const pem = der.map((answer) => derToPem(base64ToBytes("der" in answer ? answer.der : ""))).join("");
  const file = path.join(dir, "blocked-chain.pem");
  writeFileSync(file, pem);

  // The lists in force (the demo policy's), as the command line's flags: the same lists on both sides.
  // The command line reads 64 hex digits as a certificate's SHA-256: a key (SPKI) goes as base64.
  const lists = await demo.ask("ui-bg-get-lists", {});
  const spki = (key: string | undefined) => key && (/^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, "hex").toString("base64") : key);
  const flags = [
    ...lists.allowlist.flatMap((e) => ["--allow", e.sha256 ?? spki(e.spkiSha256) ?? ""]),
    ...lists.blocklist.flatMap((e) => ["--block", e.sha256 ?? e.sha1 ?? spki(e.spkiSha256) ?? ""]),
  ];
  assert.equal(flags.length, 2 * (lists.allowlist.length + lists.blocklist.length));
  assert.ok(!flags.includes(""), `a list entry the command line cannot express: ${JSON.stringify(lists)}`);
  const cli = await analyzeCli([file, ...flags]);
  assert.equal(cli.level, "blocked");
  assert.equal(record.verdict.level, cli.level, "the background decided alike");

  const page = await demo.ff.openExtensionPage("popup/workbench.html");
  await submitToWorkbench(page, pem);
  const shown = await waitFor(
    "the workbench's verdict",
    () => readResult(page),
    (r) => (r.tone !== "" && !r.busy && r.rungs.length > 0) || r.error !== null,
  );
  assert.equal(shown.error, null);
  assert.equal(shown.tone, cli.level);
  assert.equal(shown.rungs.length, cli.chain.length);
  // The same findings in the same order. Titles are compared up to a list entry's label: the command
  // line's --block entries have none, the policy's have.
  const titleOf = (title: string) => title.split(":")[0];
  assert.deepEqual(
    shown.findings.map((f, i) => [f.tone, f.title.includes(titleOf(cli.findings[i]?.title ?? "\0"))]),
    cli.findings.map((f) => [f.severity, true]),
    `shown: ${JSON.stringify(shown.findings)}; npm run analyze: ${JSON.stringify(cli.findings.map((f) => f.title))}`,
  );
  assert.match(shown.headline, /^Blocked: /);
  assert.deepEqual(demo.ff.extensionErrors(), []);
});

test("a host whose CA chain changes: a chain-changed entry whose diff in the history page shows both chains and hints", async () => {
  const { url, switchChain } = demo.sites.changingChain;
  const origin = new URL(url).origin;
  await demo.visit(url);
  await demo.settledTabState(await demo.tabIdOf((u) => u.startsWith(url)));
  switchChain();
  const second = await demo.visit(url);
  assert.equal(second.error, null);

  const history = await waitFor(
    "a chain-changed event for the changing site",
    () => demo.ask("ui-bg-get-history", {}),
    (h) => h.events.some((e) => e.ruleId === "chain-changed" && e.origin === origin),
    { timeoutMs: 15_000 },
  );
  // The switch itself: from the unlisted CA to the replacement. (A connection Firefox opened before the
  // switch, such as the favicon's, may still present the old chain and log the change back.)
  const event = history.events.find((e) => e.ruleId === "chain-changed" && e.origin === origin && /Replacement Issuing CA/.test(e.title))!;
  assert.ok(event, JSON.stringify(history.events.filter((e) => e.ruleId === "chain-changed").map((e) => e.title)));
  assert.ok(event.change?.before, "the old chain's details were recorded");
  assert.match(event.change.before[1].subject, /Unlisted Issuing CA/);
  assert.match(event.change.after[1].subject, /Replacement Issuing CA/);

  const page = await demo.ff.openExtensionPage("popup/history.html");
  await waitFor(
    "the history's chain-changed entry",
    () => page.evaluate(() => document.querySelectorAll("button.diff-toggle").length),
    (n) => n > 0,
  );
  const opened = await page.evaluate((title) => {
    const row = [...document.querySelectorAll("table.events tbody tr")].find((tr) => tr.textContent?.includes(title));
    const toggle = row?.querySelector("button.diff-toggle") as HTMLButtonElement | null | undefined;
    toggle?.click();
    return Boolean(toggle);
  }, event.title);
  assert.ok(opened, "the entry has a diff to open");
  const diff = await waitFor(
    "the side-by-side diff",
    () =>
      page.evaluate(() => {
        const root = document.querySelector(".chain-diff");
        return {
          hints: [...(root?.querySelectorAll("li.hint") ?? [])].map((h) => h.textContent ?? ""),
          headings: [...(root?.querySelectorAll("h3") ?? [])].map((h) => h.textContent ?? ""),
          subjects: [...(root?.querySelectorAll("table.diff tbody tr:first-child td") ?? [])].map((td) => td.textContent ?? ""),
          changed: [...(root?.querySelectorAll("tr.changed th") ?? [])].map((th) => th.textContent ?? ""),
        };
      }),
    (d) => d.headings.length > 0,
  );
  assert.deepEqual(
    diff.headings.map((h) => h.split(" — ")[0]),
    ["Site certificate", "Intermediate certificate 1", "Root certificate"],
  );
  // Subjects side by side: the intermediate's row names the old and the new CA.
  assert.match(diff.subjects[2], /Unlisted Issuing CA/);
  assert.match(diff.subjects[3], /Replacement Issuing CA/);
  assert.ok(
    diff.changed.some((c) => c.startsWith("Issuer")),
    `changed fields: ${diff.changed}`,
  );
  const hints = diff.hints.join("\n");
  assert.match(hints, /was due to expire on .* routine renewal/);
  assert.match(hints, /same key \(SPKI\)/);
  assert.match(hints, /"[^"]*Replacement Issuing CA[^"]*" is not in the known set/);
  assert.match(hints, /is not built into Firefox/);
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
