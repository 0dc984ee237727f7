/**
 * One Firefox for the page-load benchmark, driven by bench/firefox.ts over the Node IPC channel.
 *
 * The harness (test/e2e/firefox.ts) bind-mounts its policies.json over Firefox's distribution folder
 * and refuses a second Firefox in the same mount namespace. bench/firefox.ts therefore starts each
 * worker with `unshare --mount`: a private mount namespace inside the sandbox (same loopback network,
 * so the same servers), which lets three Firefoxes — one per configuration — run side by side.
 *
 *   argv: <extensionDir relative to the repo> <root PEM path>
 *   messages in:  {id, cmd: "load", url, settleMs} | {id, cmd: "popup", pageUrl, popupPath, samples, origins} |
 *                 {id, cmd: "evaluate-page", url, fn} | {id, cmd: "send", message} | {id, cmd: "errors"} | {id, cmd: "close"}
 *   messages out: {ready, extensionId} once launched, then {id, ok} or {id, error} per message.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Page } from "puppeteer-core";
import { launchFirefox, type FirefoxHandle } from "../../test/e2e/firefox";

const [extensionDir, rootPemPath] = process.argv.slice(2);
const send = (msg: unknown) => process.send!(msg);

/** Every load fetches: no disk or memory HTTP cache. */
const PREFS = {
  "browser.cache.disk.enable": false,
  "browser.cache.memory.enable": false,
  // Nothing else the browser might start doing in the background while a page loads.
  "browser.newtabpage.enabled": false,
  "browser.startup.page": 0,
  "app.update.enabled": false,
  "browser.ping-centre.telemetry": false,
  "datareporting.healthreport.uploadEnabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
};

/** CPU time (ms) used so far by the Firefox process and all its descendants (content, socket, GPU…). */
function cpuMs(rootPid: number): number {
  const hz = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while we looked
    }
  }
  let ticks = 0;
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!tree.has(pid) && tree.has(s.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of tree) ticks += stats.get(pid)?.ticks ?? 0;
  return (ticks * 1000) / hz;
}

let ff: FirefoxHandle;

async function load(url: string, settleMs: number) {
  const pid = ff.browser.process()?.pid ?? 0;
  const cpuBefore = cpuMs(pid);
  const page = await ff.browser.newPage();
  let timing;
  try {
    await page.goto(url, { waitUntil: "load", timeout: 60_000 });
    timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
      const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const w = window as unknown as { __left: number; __failed: number };
      return {
        allLoadedMs: performance.getEntriesByName("all-loaded")[0]?.startTime ?? null,
        loadEventMs: nav?.loadEventStart ?? null,
        responseStartMs: nav?.responseStart ?? null,
        resources: resources.length,
        protocols: [...new Set([nav?.nextHopProtocol, ...resources.map((r) => r.nextHopProtocol)])].filter(Boolean),
        left: w.__left,
        failed: w.__failed,
      };
    });
  } finally {
    await page.close().catch(() => {});
  }
  // Let what the extension deferred (recording, storage writes) finish before the next load in any
  // browser, and count its CPU time with this load's.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return { ...timing, cpuMs: cpuMs(pid) - cpuBefore };
}

/** The extension's tab id for a page (puppeteer does not expose it): asked from an extension page. */
async function tabIdOf(url: string): Promise<number> {
  const page = await ff.openExtensionPage("popup/chain.html?tabId=-1");
  try {
    const tabs = (await page.evaluate(
      () => (globalThis as unknown as { browser: { tabs: { query(q: object): Promise<{ id: number; url: string }[]> } } }).browser.tabs.query({}),
    )) as { id: number; url: string }[];
    const tab = tabs.find((t) => t.url === url);
    if (!tab) throw new Error(`no tab with ${url} among ${tabs.map((t) => t.url).join(", ")}`);
    return tab.id;
  } finally {
    await page.close().catch(() => {});
  }
}

/**
 * Opens the extension's chain page for the tab showing `pageUrl` `samples` times (a fresh tab each
 * time) and reads when the verdict banner and the origins list were rendered. Preload scripts do not
 * run in moz-extension:// pages, so bench/firefox.ts adds bench/lib/popup-probe.js to its private
 * copy of the page; times are from the page's navigation start.
 */
async function popup(pageUrl: string, popupPath: string, samples: number, origins: number) {
  const subject = await ff.browser.newPage();
  await subject.goto(pageUrl, { waitUntil: "load", timeout: 60_000 });
  // Let the background record the responses (deferred with setTimeout) before asking for them.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const tabId = await tabIdOf(pageUrl);
  const url = ff.extensionUrl(`${popupPath}?tabId=${tabId}&benchOrigins=${origins}`);
  const out: { verdictMs: number; originsMs: number; firstRenderMs: number; domContentLoadedMs: number | null; originsShown: number; headline: string }[] = [];
  for (let i = 0; i < samples; i++) {
    const page: Page = await ff.browser.newPage();
    // goto() never settles for moz-extension:// pages under BiDi (see the harness): poll instead.
    page.goto(url).catch(() => {});
    const deadline = Date.now() + 15_000;
    let result: (typeof out)[number] | null = null;
    while (Date.now() < deadline) {
      result = await page
        .evaluate(() => {
          const { benchVerdict, benchOrigins, benchFirstRender } = document.documentElement.dataset;
          if (!benchVerdict || !benchOrigins) return null;
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
          return {
            verdictMs: Number(benchVerdict),
            originsMs: Number(benchOrigins),
            firstRenderMs: Number(benchFirstRender),
            domContentLoadedMs: nav?.domContentLoadedEventStart ?? null,
            originsShown: document.querySelectorAll("li.origin").length,
            headline: document.querySelector(".banner-headline")?.textContent ?? "",
          };
        })
        .catch(() => null);
      if (result) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.close().catch(() => {});
    if (!result) throw new Error(`${url}: the verdict and ${origins} origins were not rendered within 15 s${ff.extensionErrors().join("\n")}`);
    out.push(result);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // What opening any extension page in a new tab costs: a blank page of the same extension.
  const blank: number[] = [];
  for (let i = 0; i < Math.min(samples, 8); i++) {
    const page = await ff.browser.newPage();
    page.goto(ff.extensionUrl("popup/bench-blank.html")).catch(() => {});
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const dcl = await page
        .evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
          return location.pathname.endsWith("bench-blank.html") && document.readyState === "complete" && nav ? nav.domContentLoadedEventStart : null;
        })
        .catch(() => null);
      if (dcl !== null) {
        blank.push(dcl);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.close().catch(() => {});
  }
  // What the popup's one request costs by itself: the background's answer for the tab, its size.
  const messenger = await ff.openExtensionPage("popup/chain.html?tabId=-1");
  const message = (await messenger.evaluate(async (id: number) => {
    const api = (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser;
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const state = await api.runtime.sendMessage({ type: "ui-bg-get-tab-state", tabId: id });
      times.push(performance.now() - t0);
      bytes = JSON.stringify(state).length;
    }
    return { times, bytes };
  }, tabId)) as { times: number[]; bytes: number };
  await messenger.close().catch(() => {});
  await subject.close().catch(() => {});
  return { tabId, url, samples: out, tabStateMessage: message, blankPageDomContentLoadedMs: blank };
}

/** Runs `fn` (source of an async function) in a fresh tab on `url`; returns its result. */
async function evaluatePage(url: string, fn: string) {
  const page = await ff.browser.newPage();
  try {
    await page.goto(url, { waitUntil: "load", timeout: 60_000 });
    return await page.evaluate(`(${fn})()`);
  } finally {
    await page.close().catch(() => {});
  }
}

process.on("message", async (msg: { id: number; cmd: string; [k: string]: any }) => {
  try {
    let ok: unknown;
    if (msg.cmd === "load") ok = await load(msg.url, msg.settleMs ?? 0);
    else if (msg.cmd === "popup") ok = await popup(msg.pageUrl, msg.popupPath, msg.samples, msg.origins);
    else if (msg.cmd === "evaluate-page") ok = await evaluatePage(msg.url, msg.fn);
    else if (msg.cmd === "errors") ok = ff.extensionErrors();
    else if (msg.cmd === "send") ok = await ff.sendMessage(msg.message);
    else if (msg.cmd === "close") {
      await ff.close();
      send({ id: msg.id, ok: true });
      process.exit(0);
    } else throw new Error(`unknown command ${msg.cmd}`);
    send({ id: msg.id, ok });
  } catch (error) {
    send({ id: msg.id, error: String((error as Error)?.stack ?? error) });
  }
});

try {
  ff = await launchFirefox({ extensionDir, policies: { Certificates: { Install: [rootPemPath] } }, prefs: PREFS });
  send({ ready: true, extensionId: ff.extensionId, pid: ff.browser.process()?.pid });
} catch (error) {
  send({ ready: false, error: String((error as Error)?.stack ?? error) });
  process.exit(1);
}
