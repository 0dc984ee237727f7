/**
 * background/index.ts, loaded as Firefox loads it: over a fake `browser` (the WebExtension APIs a
 * unit test cannot get from a browser), with the real capture, analyzer, tab store, history and
 * message handler behind the listeners it registers.
 */
import type { WebRequest } from "webextension-polyfill";
import type { RequestType, Requests, ResponseOf } from "../../../src/protocol";
import type { SecurityInfo } from "../../../src/securityInfo";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

type Listener = (...args: never[]) => unknown;

/** A WebExtension event: each listener with the filter and options it was added with. */
function fakeEvent() {
  const added: { listener: Listener; filter?: unknown; options?: unknown }[] = [];
  return {
    added,
    addListener: (listener: Listener, filter?: unknown, options?: unknown) => void added.push({ listener, filter, options }),
    removeListener: (listener: Listener) =>
      void added.splice(
        added.findIndex((a) => a.listener === listener),
        1,
      ),
  };
}

const EXTENSION = "moz-extension://chain-sentry-test/";

/** The APIs the background uses; getSecurityInfo answers with the chain registered for the request, as Firefox does (bytes only if asked). */
function fakeBrowser() {
  const chains = new Map<string, SecurityInfo>();
  const badges = new Map<number, string>();
  const rules: { id: number }[] = [];
  const browser = {
    runtime: {
      getURL: (path: string) => EXTENSION + path,
      getManifest: () => ({ version: "0.0.0" }),
      getBrowserInfo: async () => ({ name: "Firefox", version: "153.0" }),
      onMessage: fakeEvent(),
    },
    storage: {
      local: { ...fakeStorageArea(), onChanged: fakeEvent() },
      session: fakeStorageArea(),
      managed: { get: () => Promise.reject(new Error("Managed storage manifest not found")), onChanged: fakeEvent() },
      onChanged: fakeEvent(),
    },
    action: {
      setBadgeText: async ({ tabId, text }: { tabId: number; text: string }) => void badges.set(tabId, text),
      setBadgeBackgroundColor: async () => undefined,
      setTitle: async () => undefined,
    },
    notifications: { create: async () => "notification" },
    alarms: { create: () => undefined, clear: async () => true, get: async () => undefined, getAll: async () => [], onAlarm: fakeEvent() },
    declarativeNetRequest: {
      getSessionRules: async () => [...rules],
      updateSessionRules: async ({ addRules = [], removeRuleIds = [] }: { addRules?: { id: number }[]; removeRuleIds?: number[] }) => {
        rules.splice(0, rules.length, ...rules.filter((r) => !removeRuleIds.includes(r.id)), ...addRules);
      },
    },
    tabs: { query: async () => [], onUpdated: fakeEvent(), onRemoved: fakeEvent() },
    webRequest: {
      onHeadersReceived: fakeEvent(),
      onErrorOccurred: fakeEvent(),
      onBeforeRedirect: fakeEvent(),
      getSecurityInfo: async (requestId: string, { rawDER }: { rawDER: boolean }) => {
        const info = structuredClone(chains.get(requestId));
        if (info && !rawDER) for (const c of info.certificates) delete c.rawDER;
        return info;
      },
    },
    extension: { isAllowedIncognitoAccess: async () => true },
    permissions: { contains: async () => true },
  };
  return { browser, chains, badges };
}

// Each start loads the background in its own module registry, where this factory hands it the fake of the moment.
let mockBrowser: ReturnType<typeof fakeBrowser>["browser"];
jest.mock("webextension-polyfill", () => mockBrowser);

/** Starts a background over `fake`, as Firefox does by loading the script. */
function start(fake: ReturnType<typeof fakeBrowser>) {
  mockBrowser = fake.browser;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules loads into its own registry only synchronously
  jest.isolateModules(() => require("../../../background/index"));
  const { webRequest, runtime } = fake.browser;
  const [onMessage] = runtime.onMessage.added;
  const ask = <K extends RequestType>(type: K, request: Requests[K]["request"]) =>
    (onMessage.listener as (m: unknown) => Promise<ResponseOf<K>>)({ type, ...request });
  let requests = 0;
  /** A response on `tabId` that presented `info`, through the blocking listener; resolves once it is recorded. */
  const respond = async (tabId: number, url: string, type: WebRequest.ResourceType, info: SecurityInfo) => {
    const requestId = String(++requests);
    fake.chains.set(requestId, info);
    const details = {
      requestId,
      tabId,
      url,
      type,
      frameId: 0,
      parentFrameId: -1,
      method: "GET",
      timeStamp: Date.now(),
      statusCode: 200,
      statusLine: "HTTP/1.1 200 OK",
      thirdParty: false,
      urlClassification: { firstParty: [], thirdParty: [] },
    };
    const blocking = webRequest.onHeadersReceived.added.find((a) => a.options !== undefined)!;
    const decision = await (blocking.listener as (d: WebRequest.OnHeadersReceivedDetailsType) => Promise<WebRequest.BlockingResponse>)(details);
    await settled();
    return decision;
  };
  const tabState = (tabId: number) => ask("ui-bg-get-tab-state", { tabId });
  return { ask, respond, tabState };
}

/** Lets what the listeners left for later (recording, the badge's batch) run. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 60));

/** The tab's badge once its batch has run: polled, since a loaded machine runs the 50 ms timer late. */
async function badgeOf(fake: ReturnType<typeof fakeBrowser>, tabId: number, expected: string): Promise<string | undefined> {
  for (let i = 0; i < 100 && fake.badges.get(tabId) !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return fake.badges.get(tabId);
}

const INSPECTED = ["https://*/*", "wss://*/*"];

test("every listener is registered at start-up: blocking on every TLS response, the rest on what they need", async () => {
  const fake = fakeBrowser();
  const { ask } = start(fake);
  const { webRequest, tabs, alarms, runtime, storage } = fake.browser;
  const filters = (event: ReturnType<typeof fakeEvent>) => event.added.map(({ filter, options }) => ({ filter, options }));
  expect(filters(webRequest.onHeadersReceived)).toEqual([
    { filter: { urls: INSPECTED }, options: ["blocking"] },
    { filter: { urls: ["http://*/*"], types: ["main_frame"] }, options: undefined },
  ]);
  expect(filters(webRequest.onErrorOccurred)).toEqual([{ filter: { urls: INSPECTED }, options: undefined }]);
  expect(filters(webRequest.onBeforeRedirect)).toEqual([{ filter: { urls: INSPECTED }, options: undefined }]);
  for (const event of [tabs.onRemoved, tabs.onUpdated, alarms.onAlarm, runtime.onMessage, storage.local.onChanged]) expect(event.added).toHaveLength(1);
  // Firefox sends every storage.session write (the tab state, on every page load) to a storage.onChanged
  // listener, and warns of a listener on storage.managed.onChanged, which it does not implement.
  expect(storage.onChanged.added).toEqual([]);
  expect(storage.managed.onChanged.added).toEqual([]);
  // Started with everything restored: nothing to report.
  expect((await ask("ui-bg-get-status", {})).problems).toEqual([]);
});

test("warn mode: a response's chain is judged by the core and shown in its tab's state, badge and history; the tab's other events land there too", async () => {
  const fake = fakeBrowser();
  const { ask, respond, tabState } = start(fake);
  const info = await securityInfo(await makePki());
  const expected = analyzer().analyze(info);
  expect(expected.level).toBe("warning");

  expect(await respond(7, "https://site.test/", "main_frame", info)).toEqual({});
  const state = (await tabState(7))!;
  expect(state).toMatchObject({ url: "https://site.test/", level: "warning", top: { requests: 1, blockedRequests: 0 } });
  expect(state.top!.verdict.findings.map((f) => f.ruleId)).toEqual(expected.findings.map((f) => f.ruleId));
  expect(await badgeOf(fake, 7, "!")).toBe("!");
  const { events } = await ask("ui-bg-get-history", {});
  expect(events.map((e) => [e.pageUrl, e.ruleId])).toEqual(expected.findings.map((f) => ["https://site.test/", f.ruleId]));

  // Firefox's own TLS failure, and a response a service worker answered: both on the tab.
  const { onErrorOccurred, onBeforeRedirect, onHeadersReceived } = fake.browser.webRequest;
  onErrorOccurred.added[0].listener({ tabId: 7, url: "https://bad.test/x.js", type: "script", error: "SEC_ERROR_UNKNOWN_ISSUER" } as never);
  onBeforeRedirect.added[0].listener({
    tabId: 7,
    url: "https://site.test/app.js",
    redirectUrl: "https://site.test/app.js",
    statusCode: 0,
    type: "script",
    requestId: "sw",
  } as never);
  expect(await tabState(7)).toMatchObject({
    failures: [{ origin: "https://bad.test", error: "SEC_ERROR_UNKNOWN_ISSUER" }],
    unchecked: [{ url: "https://site.test/app.js" }],
  });

  // An http: page replaces the tab's state; closing the tab drops it.
  onHeadersReceived.added[1].listener({ tabId: 7, url: "http://plain.test/", type: "main_frame" } as never);
  expect(await tabState(7)).toMatchObject({ url: "http://plain.test/", top: null, failures: [] });
  fake.browser.tabs.onRemoved.added[0].listener(7 as never);
  expect(await tabState(7)).toBeNull();
});

test("block mode: a page presenting a blocked chain goes to the block page, a subresource is cancelled, both counted as blocked", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  const fake = fakeBrowser();
  const { ask, respond, tabState } = start(fake);
  // As the options page saves them: block mode, and the chain's intermediate on the user's blocklist.
  const blocklistText = `sha256:${info.certificates[1].fingerprint.sha256} # Rogue CA`;
  expect(await ask("ui-bg-save-settings", { input: { mode: "block", blocklistText } })).toMatchObject({ ok: true });

  const page = await respond(3, "https://shop.test/", "main_frame", info);
  expect(page.redirectUrl).toMatch(new RegExp(`^${EXTENSION}popup/blocked\\.html\\?id=`));
  const id = new URL(page.redirectUrl!).searchParams.get("id")!;
  expect(await ask("ui-bg-get-blocked-page", { id })).toMatchObject({ kind: "blocked", url: "https://shop.test/", certificate: { label: "Rogue CA" } });
  expect(await respond(3, "https://cdn.test/app.js", "script", info)).toEqual({ cancel: true });

  const state = (await tabState(3))!;
  expect(state.level).toBe("blocked");
  expect(state.top?.blockedRequests).toBe(1);
  expect(state.origins.map((o) => [o.origin, o.chains[0].blockedRequests])).toEqual([["https://cdn.test", 1]]);
  expect(await badgeOf(fake, 3, "✕")).toBe("✕");
});

test("a page's responses presenting chains already recorded for their origins: no badge call, nothing written until the popup asks, then the counters alone", async () => {
  const fake = fakeBrowser();
  const badgeCalls = jest.fn();
  for (const name of ["setBadgeText", "setBadgeBackgroundColor", "setTitle"] as const) {
    const call = fake.browser.action[name] as (details: never) => Promise<void>;
    fake.browser.action[name] = (async (details: never) => (badgeCalls(name), call(details))) as never;
  }
  const sessionWrites: Record<string, unknown>[] = [];
  const { session } = fake.browser.storage;
  const set = session.set;
  session.set = (items) => (sessionWrites.push(items), set(items));
  const { respond, tabState } = start(fake);
  const page = await securityInfo(await makePki());
  const cdn = await securityInfo(await makePki());
  await respond(7, "https://site.test/", "main_frame", page);
  await respond(7, "https://cdn.test/0.js", "script", cdn);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the new origin's piece is written
  expect(badgeCalls).toHaveBeenCalled();
  expect(sessionWrites.flatMap(Object.keys)).toContain("tab-origin:7:0");
  badgeCalls.mockClear();
  sessionWrites.length = 0;

  for (let i = 1; i <= 5; i++) await respond(7, `https://cdn.test/${i}.js`, "script", cdn);
  expect(badgeCalls).not.toHaveBeenCalled();
  expect(sessionWrites).toEqual([]);
  // The popup asks: it is shown the counters, and they are written now (without the tab's bytes or verdicts).
  expect((await tabState(7))!.origins[0].chains[0].requests).toBe(6);
  await settled();
  expect(sessionWrites.map(Object.keys)).toEqual([["tab-counts:7"]]);
});

test("the side listeners leave alone what is not a page's: other tabs' requests, cancellations, ordinary redirects; a failed page starts its tab afresh", async () => {
  const fake = fakeBrowser();
  const { respond, tabState, ask } = start(fake);
  const { onErrorOccurred, onBeforeRedirect } = fake.browser.webRequest;
  await respond(7, "https://site.test/", "main_frame", await securityInfo(await makePki()));
  const fail = (tabId: number, error: string, type = "script") =>
    onErrorOccurred.added[0].listener({ tabId, url: "https://bad.test/x.js", type, error, requestId: "e" } as never);
  fail(-1, "SEC_ERROR_UNKNOWN_ISSUER");
  fail(7, "NS_BINDING_ABORTED");
  fail(7, "NS_ERROR_ABORT");
  const redirect = (tabId: number, redirectUrl: string, statusCode: number) =>
    onBeforeRedirect.added[0].listener({ tabId, url: "https://site.test/a", redirectUrl, statusCode, type: "script", requestId: "r" } as never);
  redirect(-1, "https://site.test/a", 0);
  redirect(7, "https://site.test/b", 301);
  expect(await tabState(-1)).toBeNull();
  expect(await tabState(7)).toMatchObject({ url: "https://site.test/", failures: [], unchecked: [] });
  expect((await ask("ui-bg-get-status", {})).problems).toEqual([]);

  fail(7, "SSL_ERROR_BAD_CERT_DOMAIN", "main_frame");
  expect(await tabState(7)).toMatchObject({ url: "https://bad.test/x.js", top: null, failures: [{ error: "SSL_ERROR_BAD_CERT_DOMAIN" }] });
});

test("Firefox resets a tab's badge when the tab navigates: the tab's next update puts it back; status says what Firefox lets it see", async () => {
  const fake = fakeBrowser();
  const { respond, ask } = start(fake);
  await respond(7, "https://site.test/", "main_frame", await securityInfo(await makePki()));
  expect(await badgeOf(fake, 7, "!")).toBe("!");
  fake.badges.delete(7);
  // Firefox is asked for status changes only (it skips describing the others to the background).
  expect(fake.browser.tabs.onUpdated.added[0].filter).toEqual({ properties: ["status"] });
  const onUpdated = fake.browser.tabs.onUpdated.added[0].listener as (tabId: number, change: object) => void;
  onUpdated(7, { title: "no status change" });
  onUpdated(8, { status: "complete" });
  expect(fake.badges.has(7)).toBe(false);
  onUpdated(7, { status: "complete" });
  expect(await badgeOf(fake, 7, "!")).toBe("!");
  expect(fake.badges.has(8)).toBe(false);

  fake.browser.extension.isAllowedIncognitoAccess = async () => false;
  fake.browser.permissions.contains = () => Promise.reject(new Error("not in this context"));
  expect((await ask("ui-bg-get-status", {})).coverage).toEqual({ privateBrowsing: false, hostPermissions: false });
});
