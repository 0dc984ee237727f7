/**
 * One Firefox for the page-load benchmark, driven by bench/firefox.ts over the Node IPC channel.
 *
 * The harness (test/e2e/firefox.ts) bind-mounts its policies.json over Firefox's distribution folder
 * and refuses a second Firefox in the same mount namespace. bench/firefox.ts therefore starts each
 * worker with `unshare --mount`: a private mount namespace inside the sandbox (same loopback network,
 * so the same servers), which lets three Firefoxes — one per configuration — run side by side.
 *
 *   argv: <extensionDir relative to the repo> <root PEM paths, comma-separated> [extra prefs as JSON]
 *   messages in:  {id, cmd: "load", url, settleMs} | {id, cmd: "popup-sample", pageUrl, popupPath, origins} |
 *                 {id, cmd: "blank-sample"} | {id, cmd: "toolbar-popup-sample", pageUrl} | {id, cmd: "tab-state-message", pageUrl} |
 *                 {id, cmd: "evaluate-page", url, fn} | {id, cmd: "send", message} | {id, cmd: "errors", uuid?} | {id, cmd: "close"} |
 *                 to swap extensions in this Firefox: {id, cmd: "install", dir} | {id, cmd: "uninstall", extensionId} | {id, cmd: "ask", uuid, pagePath, message} |
 *                 {id, cmd: "restart"} (a fresh Firefox, same prefs and policies) |
 *                 for the soak (bench/soak.ts): {id, cmd: "browse", urls, lanes, closeEvery} | {id, cmd: "close-lanes"} |
 *                 {id, cmd: "memory"} | {id, cmd: "storage"}
 *   messages out: {ready, extensionId} once launched, then {id, ok} or {id, error} per message.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Page } from "puppeteer-core";
import { launchFirefox, type FirefoxHandle } from "../../test/e2e/firefox";

const [extensionDir, rootPemPaths, extraPrefs] = process.argv.slice(2);
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

/** The Firefox process and all its descendants (content, extension, socket, GPU…): pid → parent, CPU ticks. */
function processTree(rootPid: number): Map<number, { ppid: number; ticks: number }> {
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
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!tree.has(pid) && tree.has(s.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return new Map([...stats].filter(([pid]) => tree.has(pid)));
}

/**
 * CPU time (ms) used so far by the Firefox process and all its descendants, in all and by process:
 * "parent" (the browser's main process, which also serves the extension APIs and storage), and the
 * others by their /proc name ("WebExtensions": every extension's background and pages; "Isolated Web
 * Co": the web pages; "Socket Process", …).
 */
function cpuMs(rootPid: number): { all: number; byProcess: Record<string, number> } {
  const msPerTick = 1000 / 100; // USER_HZ on Linux
  const byProcess: Record<string, number> = {};
  let all = 0;
  for (const [pid, s] of processTree(rootPid)) {
    let name = "parent";
    if (pid !== rootPid) {
      try {
        name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        name = "ended";
      }
    }
    byProcess[name] = (byProcess[name] ?? 0) + s.ticks * msPerTick;
    all += s.ticks * msPerTick;
  }
  return { all, byProcess };
}

/** `after` minus `before`, process by process (a process that started in between counts from 0). */
function cpuSince(before: ReturnType<typeof cpuMs>, after: ReturnType<typeof cpuMs>) {
  const byProcess = Object.fromEntries(Object.entries(after.byProcess).map(([name, ms]) => [name, ms - (before.byProcess[name] ?? 0)]));
  return { cpuMs: after.all - before.all, cpuByProcessMs: byProcess };
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
  return { ...timing, ...cpuSince(cpuBefore, cpuMs(pid)) };
}

// --- Swapping extensions in one Firefox (bench/firefox.ts, BENCH_BROWSERS=one) ------------------

/** Installs the (unpacked) extension at the absolute path `dir` beside the base one; its id. */
const install = (dir: string) => ff.browser.installExtension(dir);
const uninstall = (id: string) => ff.browser.uninstallExtension(id);

/**
 * Sends `message` from the page `pagePath` of the extension with the UUID `uuid` (fixed per
 * extension by the pref extensions.webextensions.uuids, which bench/firefox.ts sets) to its own
 * background; its answer. Retries while the background has not registered its listener yet.
 */
async function ask(uuid: string, pagePath: string, message: unknown) {
  const page = await ff.browser.newPage();
  try {
    const url = `moz-extension://${uuid}/${pagePath}`;
    page.goto(url).catch(() => {}); // never settles for moz-extension:// pages under BiDi (see the harness)
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const json = await page.evaluate(
          (m: unknown) =>
            (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser.runtime
              .sendMessage(m)
              .then((r) => JSON.stringify(r ?? null)),
          message,
        );
        return JSON.parse(json);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${url}: sendMessage(${JSON.stringify(message)}) failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await page.close().catch(() => {});
  }
}

/** The output of the Firefoxes this worker closed on a restart: their errors count too. */
const earlierLog: string[] = [];
/** What Firefox printed as uncaught errors of the extension with the UUID `uuid`. */
const errorsOf = (uuid: string) => [...earlierLog, ...ff.firefoxLog()].filter((line) => line.startsWith(`JavaScript error: moz-extension://${uuid}/`));

/** The extension's tab id for a page (puppeteer does not expose it): asked from an extension page. */
async function tabIdOf(url: string): Promise<number> {
  const page = await ff.openExtensionPage("popup/chain.html?tabId=-1");
  try {
    const tabs = (await page.evaluate(() =>
      (globalThis as unknown as { browser: { tabs: { query(q: object): Promise<{ id: number; url: string }[]> } } }).browser.tabs.query({}),
    )) as { id: number; url: string }[];
    const tab = tabs.find((t) => t.url === url);
    if (!tab) throw new Error(`no tab with ${url} among ${tabs.map((t) => t.url).join(", ")}`);
    return tab.id;
  } finally {
    await page.close().catch(() => {});
  }
}

/** The tab the popup measurements show: the page at `pageUrl`, loaded once and left open. */
let popupSubject: { pageUrl: string; tabId: number; page: Page } | undefined;
async function subjectTab(pageUrl: string): Promise<number> {
  if (popupSubject?.pageUrl === pageUrl) return popupSubject.tabId;
  const page = await ff.browser.newPage();
  await page.goto(pageUrl, { waitUntil: "load", timeout: 60_000 });
  // Let the background record the responses (deferred with setTimeout) before asking for them.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  popupSubject = { pageUrl, tabId: await tabIdOf(pageUrl), page };
  return popupSubject.tabId;
}

let opener: Page | undefined;
/**
 * The real toolbar popup (popup/index.html in its panel) for the tab showing `pageUrl`, made the
 * active tab: opened by action.openPopup() from bench/lib/popup-opener.js in a background tab; the
 * popup's probe reports its times and closes the panel. Needs the pref
 * extensions.openPopupWithoutUserGesture.enabled (bench/firefox.ts sets it).
 */
async function toolbarPopupSample(pageUrl: string) {
  await subjectTab(pageUrl);
  opener ??= await ff.openExtensionPage("popup/bench-opener.html");
  await popupSubject!.page.bringToFront();
  const result = await opener.evaluate(() => (window as unknown as { benchOpenToolbarPopup(): Promise<unknown> }).benchOpenToolbarPopup());
  // Let the panel close before the next sample.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return result;
}

/** Opens `pagePath` in a fresh tab, polls `read` in it until it gives a value (or 15 s), closes the tab. */
async function inFreshTab<T>(pagePath: string, read: () => T | null): Promise<T | null> {
  const page: Page = await ff.browser.newPage();
  // goto() never settles for moz-extension:// pages under BiDi (see the harness): poll instead.
  page.goto(ff.extensionUrl(pagePath)).catch(() => {});
  const deadline = Date.now() + 15_000;
  let result: T | null = null;
  while (Date.now() < deadline && result === null) {
    result = await page.evaluate(read).catch(() => null);
    if (result === null) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.close().catch(() => {});
  return result;
}

/**
 * Opens the extension's chain page for the tab showing `pageUrl` once, in a fresh tab, and reads
 * when the verdict banner and the origins list were rendered. Preload scripts do not run in
 * moz-extension:// pages, so bench/firefox.ts adds bench/lib/popup-probe.js to its private copy of
 * the page; times are from the page's navigation start.
 */
async function popupSample(pageUrl: string, popupPath: string, origins: number) {
  const tabId = await subjectTab(pageUrl);
  const result = await inFreshTab(`${popupPath}?tabId=${tabId}&benchOrigins=${origins}`, () => {
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
  });
  if (!result) throw new Error(`${popupPath}: the verdict and ${origins} origins were not rendered within 15 s${ff.extensionErrors().join("\n")}`);
  return result;
}

/** What opening any extension page in a new tab costs: a blank page of the same extension, DOMContentLoaded. */
async function blankSample() {
  const dcl = await inFreshTab("popup/bench-blank.html", () => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    return location.pathname.endsWith("bench-blank.html") && document.readyState === "complete" && nav ? nav.domContentLoadedEventStart : null;
  });
  if (dcl === null) throw new Error("the blank extension page did not load within 15 s");
  return dcl;
}

/** What the popup's one request costs by itself: the background's answer for the tab, its size. */
async function tabStateMessage(pageUrl: string) {
  const tabId = await subjectTab(pageUrl);
  const messenger = await ff.openExtensionPage("popup/chain.html?tabId=-1");
  try {
    return (await messenger.evaluate(async (id: number) => {
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
  } finally {
    await messenger.close().catch(() => {});
  }
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

// --- The soak (bench/soak.ts) -----------------------------------------------------------------

/** The soak's tabs: each lane is a tab that navigates from page to page until it is closed. */
let lanes: (Page | null)[] = [];
let tabsOpened = 0;
let tabsClosed = 0;
let browsed = 0;

/**
 * Loads `urls` in `lanes` tabs at once (each lane navigates its own tab to its next URL); after every
 * `closeEvery` loads in all, one lane's tab is closed and the lane opens a new one. A load counts when
 * the page's load event fired with every subresource loaded (its __left / __failed counters).
 */
async function browse(urls: string[], laneCount: number, closeEvery: number) {
  let next = 0;
  let failed = 0;
  const errors: string[] = [];
  const t0 = performance.now();
  const run = async (lane: number) => {
    for (;;) {
      const i = next++;
      if (i >= urls.length) return;
      if (!lanes[lane]) {
        lanes[lane] = await ff.browser.newPage();
        tabsOpened++;
      }
      const page = lanes[lane]!;
      try {
        await page.goto(urls[i], { waitUntil: "load", timeout: 60_000 });
        const { left, failedHere } = await page.evaluate(() => {
          const w = window as unknown as { __left: number; __failed: number };
          return { left: w.__left, failedHere: w.__failed };
        });
        if (left !== 0 || failedHere !== 0) throw new Error(`${left} subresources left, ${failedHere} failed`);
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(`${urls[i]}: ${String((error as Error).message ?? error).split("\n")[0]}`);
      }
      if (++browsed % closeEvery === 0) {
        lanes[lane] = null;
        await page.close().catch(() => {});
        tabsClosed++;
      }
    }
  };
  lanes.length = Math.max(lanes.length, laneCount);
  await Promise.all(Array.from({ length: laneCount }, (_, lane) => run(lane)));
  return { loads: urls.length, failed, errors, seconds: (performance.now() - t0) / 1000, tabsOpened, tabsClosed };
}

async function closeLanes() {
  for (const page of lanes) {
    if (!page) continue;
    await page.close().catch(() => {});
    tabsClosed++;
  }
  lanes = [];
  return { tabsOpened, tabsClosed };
}

/** /proc/<pid>/status fields in KiB. */
function status(pid: number): { VmRSS: number; RssAnon: number; VmHWM: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { VmRSS: kib("VmRSS"), RssAnon: kib("RssAnon"), VmHWM: kib("VmHWM") };
}

/**
 * Resident memory of Firefox's processes: the extension process (Firefox runs every extension's
 * background and pages in one content process, named "WebExtensions" in /proc/<pid>/comm, or with
 * the type "extension" as the last word of its command line when it was not forked by Firefox's
 * fork server), the parent (the root), and all of them together.
 */
function memory() {
  const root = ff.browser.process()?.pid ?? 0;
  const processes = [...processTree(root).keys()].flatMap((pid) => {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      const type = pid === root ? "parent" : comm === "WebExtensions" || (argv.includes("-contentproc") && argv.at(-1) === "extension") ? "extension" : comm;
      return [{ pid, type, ...status(pid) }];
    } catch {
      return []; // ended while we looked
    }
  });
  const extension = processes.filter((p) => p.type === "extension");
  if (extension.length !== 1) throw new Error(`expected one extension process, found ${extension.length}: ${JSON.stringify(processes)}`);
  const sum = (xs: { VmRSS: number }[]) => xs.reduce((a, p) => a + p.VmRSS, 0);
  return {
    extension: extension[0],
    parentRssKiB: sum(processes.filter((p) => p.type === "parent")),
    allRssKiB: sum(processes),
    processes: processes.map((p) => `${p.type}:${p.VmRSS}`),
  };
}

/**
 * What the extension keeps in storage.local and storage.session, asked from one of its own pages:
 * bytes as getBytesInUse reports them where Firefox has it, and the length of the JSON of get(null)
 * (what the extension stored, serialized), with key counts by prefix ("history:", "ca:", …).
 */
async function storage() {
  const page = await ff.openExtensionPage("popup/blocked.html");
  try {
    // As source text: tsx would wrap the inner arrow functions in a helper the page does not have.
    return await page.evaluate(`(async () => {
      const measure = async (area) => {
        const all = await area.get(null);
        const prefixes = {};
        for (const key of Object.keys(all)) {
          const prefix = /^[a-z-]+:/i.exec(key)?.[0] ?? key;
          prefixes[prefix] = (prefixes[prefix] ?? 0) + 1;
        }
        let bytesInUse = null;
        try {
          bytesInUse = area.getBytesInUse ? await area.getBytesInUse(null) : null;
        } catch {
          bytesInUse = null;
        }
        return { keys: Object.keys(all).length, jsonBytes: JSON.stringify(all).length, bytesInUse, prefixes };
      };
      return { local: await measure(browser.storage.local), session: await measure(browser.storage.session) };
    })()`);
  } finally {
    await page.close().catch(() => {});
  }
}

process.on("message", async (msg: { id: number; cmd: string; [k: string]: any }) => {
  try {
    let ok: unknown;
    if (msg.cmd === "load") ok = await load(msg.url, msg.settleMs ?? 0);
    else if (msg.cmd === "popup-sample") ok = await popupSample(msg.pageUrl, msg.popupPath, msg.origins);
    else if (msg.cmd === "blank-sample") ok = await blankSample();
    else if (msg.cmd === "toolbar-popup-sample") ok = await toolbarPopupSample(msg.pageUrl);
    else if (msg.cmd === "tab-state-message") ok = await tabStateMessage(msg.pageUrl);
    else if (msg.cmd === "evaluate-page") ok = await evaluatePage(msg.url, msg.fn);
    else if (msg.cmd === "errors") ok = msg.uuid ? errorsOf(msg.uuid) : ff.extensionErrors();
    else if (msg.cmd === "install") ok = await install(msg.dir);
    else if (msg.cmd === "uninstall") ok = await uninstall(msg.extensionId);
    else if (msg.cmd === "ask") ok = await ask(msg.uuid, msg.pagePath, msg.message);
    else if (msg.cmd === "send") ok = await ff.sendMessage(msg.message);
    else if (msg.cmd === "browse") ok = await browse(msg.urls, msg.lanes, msg.closeEvery);
    else if (msg.cmd === "close-lanes") ok = await closeLanes();
    else if (msg.cmd === "memory") ok = memory();
    else if (msg.cmd === "restart") {
      await ff.close();
      earlierLog.push(...ff.firefoxLog());
      ff = await launch();
    } else if (msg.cmd === "storage") ok = await storage();
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

const launch = () =>
  launchFirefox({
    extensionDir,
    policies: { Certificates: { Install: rootPemPaths.split(",") } },
    prefs: { ...PREFS, ...(extraPrefs ? JSON.parse(extraPrefs) : {}) },
    networkEvents: false,
  });

try {
  ff = await launch();
  send({ ready: true, extensionId: ff.extensionId, pid: ff.browser.process()?.pid });
} catch (error) {
  send({ ready: false, error: String((error as Error)?.stack ?? error) });
  process.exit(1);
}
