/**
 * Helpers for the end-to-end tests and the demo: the demo world in a real Firefox, a quiet extension
 * page to ask the background and the browser from, tab lookup, badge reads, and polling with timeouts.
 *
 *   const demo = await launchDemo({ config: { mode: "block" } });
 *   const visit = await demo.visit(demo.sites.cases[0].url);
 *   const tabId = await demo.tabIdOf(visit.url);
 *   const state = await demo.settledTabState(tabId);
 *   const badge = await demo.badge(tabId);
 *
 * Everything here throws plain Errors (no node:assert) so scripts/demo.ts can use it too. Functions
 * passed to page.evaluate must stay free of named inner functions: tsx compiles this file with
 * esbuild's keepNames, whose `__name(...)` helper does not exist in the page.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "puppeteer-core";
import { startDemoSites, type DemoSites } from "../../scripts/demo-sites";
import type { RequestType, Requests, ResponseOf, TabState } from "../../src/protocol";
import type { Level } from "../../src/verdict";
import { launchFirefox, type FirefoxHandle } from "./firefox";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `read` every `intervalMs` until `done(value)` or `timeoutMs`; returns the last value read
 * (undefined if every read threw), so the caller can assert on it and a failure shows what was there.
 */
export async function pollFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch {
      // A page still navigating, a background restarting: try again until the deadline.
    }
    if (Date.now() >= deadline) return last;
    await sleep(intervalMs);
  }
}

/** Like pollFor, but throws `what` with the last value when the condition never held. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options?: { timeoutMs?: number; intervalMs?: number },
): Promise<T> {
  let last: T | undefined;
  const value = await pollFor(read, (v) => done((last = v)), options);
  if (value === undefined || !done(value)) {
    throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last === undefined ? "nothing" : summarize(last))}`);
  }
  return value;
}

/** What the toolbar button shows for a tab: text, background colour as #rrggbb, tooltip. */
export interface BadgeView {
  text: string;
  color: string;
  title: string;
}

/** What a visit to a URL left behind: the tab's page, and the navigation error if Firefox refused it. */
export interface Visit {
  url: string;
  page: Page;
  /** goto()'s rejection: a TLS failure shows Firefox's error page and rejects. */
  error: string | null;
}

export interface DemoBrowser {
  ff: FirefoxHandle;
  sites: DemoSites;
  /** An extension page kept open to call browser.* from; it sends nothing by itself. */
  probe: Page;
  /** Sends a protocol message to the background from the probe page, as the popup does. */
  ask<K extends RequestType>(type: K, request: Requests[K]["request"]): Promise<ResponseOf<K>>;
  /** Opens `url` in a new tab and resolves once the document there (site, error or block page) has loaded. */
  visit(url: string, options?: { timeoutMs?: number; prepare?: (page: Page) => Promise<void> }): Promise<Visit>;
  /** The id of the one tab whose URL satisfies `match` (a string: equals it). */
  tabIdOf(match: string | ((url: string) => boolean)): Promise<number>;
  /** The tab's state once its page has loaded and the background stopped changing it. */
  settledTabState(tabId: number, options?: { timeoutMs?: number }): Promise<TabState>;
  badge(tabId: number): Promise<BadgeView>;
  /** Reads the badge until it shows `expected` text and colour (and still does shortly after), or times out. */
  settledBadge(tabId: number, expected: { text: string; color: string }, options?: { timeoutMs?: number }): Promise<BadgeView>;
  close(): Promise<void>;
}

export interface DemoLaunchOptions {
  /** Merged into the extension's managed configuration, e.g. `{ mode: "block" }`. */
  config?: Record<string, unknown>;
  /** Extra Firefox prefs. */
  prefs?: Record<string, unknown>;
  /** false: a visible window (the demo on a desktop). Default true. */
  headless?: boolean;
  /**
   * Demo sites already running (from startDemoSites), used instead of new ones and left running on
   * close: several launches against the same PKI, e.g. a browser restart.
   */
  sites?: DemoSites;
  /** The Firefox profile folder (LaunchOptions.profileDir): kept on close; the same folder again is a restart. */
  profileDir?: string;
  /** Firefox policies instead of the demo policy (`config` is then ignored). */
  policies?: Record<string, unknown>;
  /** policies.json as raw text (LaunchOptions.policiesText), e.g. invalid JSON; wins over `policies` and `config`. */
  policiesText?: string;
}

/**
 * Starts the demo sites and a Firefox with the built extension under the demo policy. The extension
 * comes from $CHAIN_SENTRY_EXTENSION_DIR when set (a private build), else from dist/.
 */
export async function launchDemo(options: DemoLaunchOptions = {}): Promise<DemoBrowser> {
  const dir = options.sites ? null : mkdtempSync(path.join(tmpdir(), "chain-sentry-demo-"));
  const sites = options.sites ?? (await startDemoSites({ dir: dir! }));
  const closeSites = async () => {
    if (!dir) return;
    await sites.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let ff: FirefoxHandle | undefined;
  try {
    ff = await launchFirefox({
      policies: options.policies ?? sites.policies(options.config),
      policiesText: options.policiesText,
      prefs: options.prefs,
      extensionDir: process.env.CHAIN_SENTRY_EXTENSION_DIR || undefined,
      headless: options.headless,
      profileDir: options.profileDir,
    });
    // The popup (the harness's own messenger page) asks the background every 2 s, which would keep
    // the event page awake and wake it up again; the block page never sends a message.
    const probe = await ff.openExtensionPage("popup/blocked.html");
    return demoBrowser(ff, sites, probe, closeSites);
  } catch (error) {
    await ff?.close();
    await closeSites();
    throw error;
  }
}

/**
 * Launches Firefox on demo sites that are already running, runs `use`, checks that the extension
 * reported no script errors, and closes the browser (the sites stay up).
 */
export async function withDemoBrowser<T>(sites: DemoSites, options: Omit<DemoLaunchOptions, "sites">, use: (demo: DemoBrowser) => Promise<T>): Promise<T> {
  const demo = await launchDemo({ ...options, sites });
  try {
    const result = await use(demo);
    const errors = demo.ff.extensionErrors();
    if (errors.length) throw new Error(`the extension reported script errors:\n  ${errors.join("\n  ")}`);
    return result;
  } finally {
    await demo.close();
  }
}

function demoBrowser(ff: FirefoxHandle, sites: DemoSites, probe: Page, closeSites: () => Promise<void>): DemoBrowser {
  const errorsSuffix = () => {
    const errors = ff.extensionErrors();
    return errors.length ? `\nFirefox reported for the extension:\n  ${errors.join("\n  ")}` : "";
  };

  const ask = <K extends RequestType>(type: K, request: Requests[K]["request"]) => ff.sendMessage({ type, ...request }) as Promise<ResponseOf<K>>;

  async function visit(url: string, { timeoutMs = 15_000, prepare }: { timeoutMs?: number; prepare?: (page: Page) => Promise<void> } = {}): Promise<Visit> {
    const page = await ff.browser.newPage();
    await prepare?.(page);
    let error: string | null = null;
    let settled = false;
    // goto() resolves on load, rejects on a TLS failure, and never settles when the extension
    // replaces the document with its block page: so also watch the document itself.
    const navigation = page.goto(url, { timeout: timeoutMs }).then(
      () => void (settled = true),
      (e: Error) => {
        error = String(e.message ?? e).split("\n")[0];
        settled = true;
      },
    );
    const replaced = await pollFor(
      () => page.evaluate(() => location.protocol === "moz-extension:" && document.readyState === "complete"),
      (done) => done || settled,
      { timeoutMs, intervalMs: 100 },
    );
    if (!settled && !replaced) throw new Error(`${url} did not finish loading in ${timeoutMs} ms${errorsSuffix()}`);
    void navigation;
    return { url, page, error };
  }

  async function tabs(): Promise<{ id: number; url: string; status: string }[]> {
    return probe.evaluate(() =>
      (globalThis as unknown as Ext).browser.tabs.query({}).then((list) => list.map((t) => ({ id: t.id, url: t.url ?? "", status: t.status ?? "" }))),
    );
  }

  async function tabIdOf(match: string | ((url: string) => boolean)): Promise<number> {
    const test = typeof match === "string" ? (url: string) => url === match : match;
    const found = await waitFor(`exactly one tab matching ${String(match)}`, tabs, (list) => list.filter((t) => test(t.url)).length === 1, {
      timeoutMs: 5_000,
    });
    return found.find((t) => test(t.url))!.id;
  }

  async function settledTabState(tabId: number, { timeoutMs = 10_000 } = {}): Promise<TabState> {
    await waitFor(`tab ${tabId} to finish loading`, tabs, (list) => list.find((t) => t.id === tabId)?.status === "complete", { timeoutMs });
    // Recording runs just after each response; subresource responses may trail the load event a little.
    let previous = "";
    const state = await waitFor(
      `a settled state for tab ${tabId}`,
      () => ask("ui-bg-get-tab-state", { tabId }),
      (s) => {
        const key = s ? `${s.updatedAt}|${JSON.stringify(summarize(s))}` : "";
        const stable = key !== "" && key === previous;
        previous = key;
        return stable;
      },
      { timeoutMs, intervalMs: 300 },
    );
    return state!;
  }

  async function badge(tabId: number): Promise<BadgeView> {
    return probe.evaluate(async (id) => {
      const action = (globalThis as unknown as Ext).browser.action;
      const [text, rgba, title] = await Promise.all([
        action.getBadgeText({ tabId: id }),
        action.getBadgeBackgroundColor({ tabId: id }),
        action.getTitle({ tabId: id }),
      ]);
      const color =
        "#" +
        rgba
          .slice(0, 3)
          .map((n) => n.toString(16).padStart(2, "0"))
          .join("");
      return { text, color, title };
    }, tabId);
  }

  async function settledBadge(tabId: number, expected: { text: string; color: string }, { timeoutMs = 5_000 } = {}): Promise<BadgeView> {
    const matches = (b: BadgeView) => b.text === expected.text && b.color === expected.color;
    const first = await pollFor(() => badge(tabId), matches, { timeoutMs });
    if (!first || !matches(first)) return first ?? { text: "(unreadable)", color: "", title: "" };
    // Firefox resets a tab's badge when the tab navigates: make sure nothing reset it just after.
    await sleep(300);
    return badge(tabId);
  }

  let closing: Promise<void> | undefined;
  return {
    ff,
    sites,
    probe,
    ask,
    visit,
    tabIdOf,
    settledTabState,
    badge,
    settledBadge,
    close: () =>
      (closing ??= (async () => {
        await ff.close();
        await closeSites();
      })()),
  };
}

/** The parts of a tab state a person reads first, for assertion messages and the demo's verdicts. */
export interface StateSummary {
  level: Level;
  url: string | null;
  top: { origin: string; level: Level; rules: string[]; blockedRequests: number } | null;
  origins: { origin: string; level: Level; rules: string[]; requests: number; blockedRequests: number }[];
  failures: string[];
}

export function summarizeState(state: TabState): StateSummary {
  const rules = (r: { verdict: { findings: { ruleId: string }[] } }) => r.verdict.findings.map((f) => f.ruleId);
  return {
    level: state.level,
    url: state.url,
    top: state.top && { origin: state.top.origin, level: state.top.verdict.level, rules: rules(state.top), blockedRequests: state.top.blockedRequests },
    origins: state.origins.map((o) => ({
      origin: o.origin,
      level: o.level,
      rules: [...new Set(o.chains.flatMap(rules))],
      requests: o.chains.reduce((n, c) => n + c.requests, 0),
      blockedRequests: o.chains.reduce((n, c) => n + c.blockedRequests, 0),
    })),
    failures: state.failures.map((f) => `${f.origin} ${f.type}: ${f.error}`),
  };
}

function summarize(value: unknown): unknown {
  const v = value as Partial<TabState> | null;
  if (v && typeof v === "object" && "tabId" in v && "origins" in v && "failures" in v) return summarizeState(v as TabState);
  return value;
}

/**
 * Collects, from the console, every document in the tab that had the demo sites' `#site-content`
 * once parsed: a site that rendered, even for an instant before being replaced, shows up here as
 * "<url> <title>" (URLs longer than 200 characters cut, with their length).
 */
export async function watchRendering(page: Page): Promise<string[]> {
  const rendered: string[] = [];
  page.on("console", (message) => {
    const text = message.text();
    if (text.startsWith("chain-sentry-test rendered ")) rendered.push(text.slice("chain-sentry-test rendered ".length));
  });
  await page.evaluateOnNewDocument(`
    document.addEventListener("DOMContentLoaded", () => {
      const content = document.getElementById("site-content");
      const href = location.href.length > 200 ? location.href.slice(0, 200) + "…(" + location.href.length + ")" : location.href;
      if (content) console.log("chain-sentry-test rendered " + href + " " + document.title);
    });
  `);
  return rendered;
}

/**
 * Waits until Firefox suspended the MV3 event page and a new instance answers (the browser must run
 * with a low `extensions.background.idle.timeout`, `idleTimeoutMs`). Every message resets the idle
 * timer, so it asks rarely; nothing else may talk to the background meanwhile. Returns the start
 * times before and after; throws if the background never restarted within `timeoutMs`.
 */
export async function forceBackgroundRestart(
  demo: DemoBrowser,
  idleTimeoutMs: number,
  { timeoutMs = 60_000 } = {},
): Promise<{ before: number; after: number }> {
  const before = (await demo.ask("ui-bg-get-status", {})).backgroundStartedAt;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(idleTimeoutMs * 3);
    const after = (await demo.ask("ui-bg-get-status", {})).backgroundStartedAt;
    if (after !== before) return { before, after };
  }
  throw new Error(`the background did not restart within ${timeoutMs} ms (extensions.background.idle.timeout=${idleTimeoutMs})`);
}

/** The origin (scheme://host:port) of each subresource the page tried to load, with whether it loaded. */
export interface SubresourceOutcome {
  url: string;
  kind: "script" | "img" | "link";
  outcome: "load" | "error";
}

/**
 * Records, for every document the page opens from now on, each script, image and stylesheet's
 * load or error event. Read it with subresourceOutcomes() after the load. A string, not a function:
 * it runs before the page's own scripts, in the page.
 */
export async function recordSubresources(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(`
    window.__chainSentryTest = [];
    for (const type of ["load", "error"]) {
      // On the document: load events of elements do not propagate to the window.
      document.addEventListener(type, (e) => {
        const t = e.target;
        if (!t || !t.tagName || !["SCRIPT", "IMG", "LINK"].includes(t.tagName)) return;
        window.__chainSentryTest.push({ url: t.src || t.href, kind: t.tagName.toLowerCase(), outcome: type });
      }, true);
    }
  `);
}

export async function subresourceOutcomes(page: Page): Promise<SubresourceOutcome[]> {
  return page.evaluate(() => (window as unknown as { __chainSentryTest?: SubresourceOutcome[] }).__chainSentryTest ?? []);
}

/** What an extension page has and Node's types do not know (only what these helpers use). */
type Ext = {
  browser: {
    runtime: { sendMessage(msg: unknown): Promise<unknown> };
    tabs: { query(q: object): Promise<{ id: number; url?: string; status?: string }[]> };
    action: {
      getBadgeText(d: { tabId: number }): Promise<string>;
      getBadgeBackgroundColor(d: { tabId: number }): Promise<number[]>;
      getTitle(d: { tabId: number }): Promise<string>;
    };
  };
};

/** Pastes `text` into the workbench page once it is ready, and submits it. */
export async function submitToWorkbench(page: Page, text: string): Promise<void> {
  await waitFor(
    "the workbench to be ready",
    () => page.evaluate(() => (document.querySelector('button[type="submit"]') as HTMLButtonElement | null)?.disabled),
    (disabled) => disabled === false,
  );
  await page.evaluate((pasted) => {
    const area = document.querySelector("textarea")!;
    area.value = pasted;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
  await page.evaluate(() => (document.querySelector('button[type="submit"]') as HTMLButtonElement).click());
}
