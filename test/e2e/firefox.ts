/**
 * The project's Firefox harness: one real, headless Firefox ESR with the built extension installed,
 * for the end-to-end tests, the demo and the benchmark.
 *
 *   const ff = await launchFirefox({ policies: { Certificates: { Install: [rootPem] } } });
 *   const status = await ff.sendMessage({ type: "ui-bg-get-status" });
 *   const popup = await ff.openExtensionPage("popup/index.html");
 *   await ff.close();
 *
 * Run it only inside scripts/run-in-sandbox.sh: it bind-mounts its own policies.json over Firefox's
 * distribution folder, which is only harmless in a private mount namespace, and the sandbox keeps
 * Firefox on loopback. Launch once per test file (a launch costs seconds; a page, milliseconds).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The extension's moz-extension:// host, fixed in advance so page URLs are known before install. */
export const EXTENSION_UUID = "5e1f0c2a-7b3d-4c9e-8a61-2d4f6b8c0e13";

export interface LaunchOptions {
  /**
   * Firefox enterprise policies, the object that goes under "policies" in policies.json, e.g.
   * `{ Certificates: { Install: ["/abs/root.pem"] }, "3rdparty": { Extensions: { [id]: {...} } } }`.
   * Paths must be absolute. Omitted: an empty policy set, so no policy of the machine leaks in.
   */
  policies?: Record<string, unknown>;
  /**
   * The text of policies.json exactly as given, instead of one built from `policies`: for a file
   * Firefox cannot use (invalid JSON makes it apply no policy at all).
   */
  policiesText?: string;
  /** Unpacked extension to install, relative to the repository root; default the build output. */
  extensionDir?: string;
  /** Extra Firefox prefs; they override the harness defaults. */
  prefs?: Record<string, unknown>;
  /** false: a visible window (the demo on a desktop). Default true. */
  headless?: boolean;
  /**
   * Run with this profile folder (created if missing) instead of a fresh one, and keep it on close:
   * a second launch with the same folder is a browser restart, storage.local included. The extension
   * is installed temporarily on each launch; at shutdown Firefox (ESR 153) unloads a temporary add-on
   * without the AddonManager "uninstalled" event that wipes an extension's storage (that wipe, skipped
   * when `extensions.webextensions.keepStorageOnUninstall` is true, comes only with an explicit
   * uninstall), and the fixed UUID keeps its storage origin, so its data is there after the restart.
   * Puppeteer restores prefs.js and user.js as they were before the launch on close. The caller
   * deletes the folder.
   */
  profileDir?: string;
  /**
   * false: Puppeteer does not subscribe to WebDriver BiDi's network events, so Firefox's remote agent
   * does not report every request to it (work in the parent process that the benchmarks' tens of
   * thousands of requests would pay for). goto() then resolves to null instead of a response.
   */
  networkEvents?: boolean;
}

export interface FirefoxHandle {
  browser: Browser;
  /** The id Firefox installed the extension under (the manifest's gecko id). */
  extensionId: string;
  /** The moz-extension:// host of the extension (EXTENSION_UUID). */
  uuid: string;
  /** The profile Firefox runs with: a fresh one, deleted on close, or LaunchOptions.profileDir, kept. */
  profileDir: string;
  /** moz-extension://<uuid>/<path> */
  extensionUrl(pagePath: string): string;
  /** Opens an extension page in a new tab and resolves once it has loaded. */
  openExtensionPage(pagePath: string): Promise<Page>;
  /** Sends `msg` to the background with runtime.sendMessage from an extension page, as the popup does. */
  sendMessage(msg: unknown): Promise<unknown>;
  /** Uncaught errors Firefox reported for the extension's own scripts (background included) so far. */
  extensionErrors(): string[];
  /** Everything Firefox printed so far (stdout and stderr), for diagnosing a failure. */
  firefoxLog(): string[];
  close(): Promise<void>;
}

/** The Firefox binary: $FIREFOX if set, else firefox-esr or firefox from PATH. */
export function firefoxPath(): string {
  if (process.env.FIREFOX) return process.env.FIREFOX;
  for (const name of ["firefox-esr", "firefox"]) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      const candidate = path.join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  throw new Error("Firefox not found: run scripts/setup.sh (installs firefox-esr) or set FIREFOX");
}

// Keep Firefox on loopback and deterministic: no IPv6 lookups, no connectivity or captive-portal checks,
// no OCSP, no remote-settings downloads (intermediates, CRLite) that would change which chains Firefox
// builds, no add-on blocklist or telemetry traffic.
const DEFAULT_PREFS: Record<string, unknown> = {
  "network.dns.disableIPv6": true,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "browser.safebrowsing.provider.google4.updateURL": "",
  "browser.safebrowsing.provider.mozilla.updateURL": "",
  "security.OCSP.enabled": 0,
  "security.remote_settings.crlite_filters.enabled": false,
  "security.remote_settings.intermediates.enabled": false,
  "extensions.blocklist.enabled": false,
  "toolkit.telemetry.enabled": false,
};

export async function launchFirefox(options: LaunchOptions = {}): Promise<FirefoxHandle> {
  if (process.env.CHAIN_SENTRY_SANDBOX !== "1") {
    throw new Error("launchFirefox runs only inside scripts/run-in-sandbox.sh (CHAIN_SENTRY_SANDBOX=1)");
  }
  const extensionDir = path.resolve(repoRoot, options.extensionDir ?? "dist");
  const manifestPath = path.join(extensionDir, "manifest.json");
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} not found: run npm run build first`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const geckoId: string | undefined = manifest.browser_specific_settings?.gecko?.id;
  if (!geckoId) throw new Error(`${manifestPath} has no browser_specific_settings.gecko.id`);
  // sendMessage needs a page of the extension to send from. The block page is best: it sends nothing
  // itself, whereas the popup polls every 2 s, which would keep the MV3 event page awake.
  const messengerPage = ["popup/blocked.html", manifest.action?.default_popup, manifest.options_ui?.page].find(
    (p): p is string => typeof p === "string" && existsSync(path.join(extensionDir, p)),
  );
  if (!messengerPage) throw new Error(`${manifestPath} names no extension page (action.default_popup)`);

  const executablePath = firefoxPath();
  const workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-firefox-"));
  const profileDir = options.profileDir ? path.resolve(options.profileDir) : path.join(workDir, "profile");
  const policyDir = path.join(workDir, "distribution");
  mkdirSync(profileDir, { recursive: true });
  mkdirSync(policyDir);
  writeFileSync(path.join(policyDir, "policies.json"), options.policiesText ?? JSON.stringify({ policies: options.policies ?? {} }));

  // If the test process dies without close(), at least leave no profile behind (Puppeteer kills
  // Firefox on exit; the mount ends with the sandbox).
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  process.once("exit", removeWorkDir);
  let unmount = () => {};
  let browser: Browser | undefined;
  const shutdown = async () => {
    await browser?.close().catch(() => {});
    unmount();
    removeWorkDir();
    process.off("exit", removeWorkDir);
  };
  try {
    unmount = mountPolicies(executablePath, policyDir);
    browser = await puppeteer.launch({
      browser: "firefox",
      executablePath,
      headless: options.headless ?? true,
      userDataDir: profileDir,
      // Lets WebDriver BiDi navigate a tab to moz-extension:// pages.
      args: ["--remote-allow-system-access"],
      networkEnabled: options.networkEvents ?? true,
      extraPrefsFirefox: {
        ...DEFAULT_PREFS,
        "extensions.webextensions.uuids": JSON.stringify({ [geckoId]: EXTENSION_UUID }),
        ...options.prefs,
      },
    });
    // Firefox prints uncaught errors of every script, the extension's background included, as
    // "JavaScript error: <url>, line N: ..." on its stdout/stderr: the only place a background that
    // failed to load (e.g. a module chunk loaded as a classic script) leaves a trace.
    const log: string[] = [];
    const proc = browser.process();
    for (const stream of [proc?.stdout, proc?.stderr]) {
      if (stream) createInterface({ input: stream }).on("line", (line) => log.push(line));
    }
    const extensionId = await browser.installExtension(extensionDir);
    return handle(browser, extensionId, profileDir, messengerPage, log, shutdown);
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/**
 * Hides Firefox's distribution folder (where it reads policies.json) behind `policyDir`, in this
 * process's mount namespace only. Returns the undo. Firefox reads policies at start-up, so one
 * harness at a time: a second mount would silently replace the first one's policies.
 */
function mountPolicies(executablePath: string, policyDir: string): () => void {
  // /usr/lib/firefox-esr/distribution is a symlink into /usr/share on Debian: mount over the real folder.
  const target = realpathSync(path.join(path.dirname(realpathSync(executablePath)), "distribution"));
  const mountPoints = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4]);
  if (mountPoints.includes(target)) {
    throw new Error(`${target} is already mounted over: another Firefox harness is running in this sandbox`);
  }
  // /etc/firefox/policies/policies.json, if the machine has one, would win over the distribution folder.
  if (existsSync("/etc/firefox/policies/policies.json")) {
    throw new Error("/etc/firefox/policies/policies.json exists and would override the test's policies");
  }
  execFileSync("mount", ["--bind", policyDir, target]);
  let mounted = true;
  return () => {
    if (mounted) execFileSync("umount", [target]);
    mounted = false;
  };
}

function handle(browser: Browser, extensionId: string, profileDir: string, messengerPage: string, log: string[], shutdown: () => Promise<void>): FirefoxHandle {
  const extensionUrl = (pagePath: string) => `moz-extension://${EXTENSION_UUID}/${pagePath.replace(/^\//, "")}`;
  const extensionErrors = () => log.filter((line) => line.startsWith(`JavaScript error: ${extensionUrl("")}`));

  async function openExtensionPage(pagePath: string): Promise<Page> {
    const url = new URL(extensionUrl(pagePath)).href;
    const page = await browser.newPage();
    // goto() never resolves for moz-extension:// pages (no load event reaches puppeteer over BiDi), and
    // rejects when the tab closes: start it, ignore its outcome, and watch the document instead.
    page.goto(url).catch(() => {});
    const loaded = await poll(
      () => page.evaluate(() => [location.href, document.readyState]),
      ([href, state]) => href === url && state === "complete",
      10_000,
    );
    if (!loaded) throw new Error(`extension page ${url} did not load${errorsSuffix()}`);
    return page;
  }

  // One extension tab carries sendMessage calls; opened on first use.
  let messenger: Promise<Page> | undefined;
  async function sendMessage(msg: unknown): Promise<unknown> {
    const page = await openMessenger();
    // Right after install the background may not have registered its listener yet: retry "Receiving
    // end does not exist" briefly, so only a background that never comes up fails.
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        // As JSON: WebDriver BiDi serializes an object referenced twice (a cached verdict shared by two
        // chain records) as a reference that Puppeteer turns into undefined.
        const json = await page.evaluate(
          (m: unknown) => (globalThis as unknown as ExtensionGlobal).browser.runtime.sendMessage(m).then((r) => JSON.stringify(r ?? null)),
          msg,
        );
        return JSON.parse(json);
      } catch (error) {
        const text = String((error as Error).message ?? error);
        if (!/Receiving end does not exist/i.test(text) || Date.now() > deadline) {
          throw new Error(`sendMessage(${JSON.stringify(msg)}) failed: ${text}${errorsSuffix()}`);
        }
        await sleep(100);
      }
    }
  }
  function openMessenger(): Promise<Page> {
    messenger ??= openExtensionPage(messengerPage).catch((error) => {
      messenger = undefined;
      throw error;
    });
    return messenger;
  }

  function errorsSuffix(): string {
    const errors = extensionErrors();
    return errors.length ? `\nFirefox reported for the extension:\n  ${errors.join("\n  ")}` : "";
  }

  let closing: Promise<void> | undefined;
  return {
    browser,
    extensionId,
    uuid: EXTENSION_UUID,
    profileDir,
    extensionUrl,
    openExtensionPage,
    sendMessage,
    extensionErrors,
    firefoxLog: () => [...log],
    close: () => (closing ??= shutdown()),
  };
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return true;
    await sleep(50);
  }
  return false;
}

/** What an extension page has and Node's types do not know. */
type ExtensionGlobal = { browser: { runtime: { sendMessage(msg: unknown): Promise<unknown> } } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
