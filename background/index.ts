/**
 * The background: wires the WebExtension APIs to the pure core. The blocking listener is
 * registered synchronously at start-up (so an MV3 event page woken by a request handles it) and
 * waits inside for settings, so no request passes unchecked while they load. `ready` never
 * rejects: state that cannot be restored counts as empty and is reported (see problems.ts).
 */
import browser from "webextension-polyfill";
import { ChainAnalyzer } from "../src/analyzer";
import type { CompiledIndex } from "../src/blocklist";
import { blockedCertificate } from "../src/enforcement";
import { errorMessage } from "../src/errorMessage";
import type { Coverage, EffectiveSettings, SettingsView } from "../src/protocol";
import { shortHash } from "../src/encoding";
import { droppedEvent, reportEvents } from "../src/reporting/events";
import type { SecurityInfo } from "../src/securityInfo";
import indexJson from "../data/blocklist.json";
import { BadgeUpdater } from "./badge";
import { BlockPages } from "./blockPages";
import { createCapture, type CaptureEvent } from "./capture";
import { FEED_ALARM_PREFIX, FeedManager } from "./feeds";
import { History } from "./history";
import { createMessageHandler } from "./messages";
import { Notifier } from "./notifications";
import { Problems } from "./problems";
import { Quarantine, QUARANTINE_ALARM, QUARANTINE_MS, type SessionRulesApi } from "./quarantine";
import { Reporter, REPORTING_ALARM } from "./reporting";
import { createSettingsStore } from "./settings";
import { originOf, TabStore, urlParts } from "./tabStore";

/** What the blocking listener must see: every TLS response (host permissions a user can revoke). */
const INSPECTED_ORIGINS = ["https://*/*", "wss://*/*"];

const blockPageUrl = browser.runtime.getURL("popup/blocked.html");
const startedAt = Date.now();
const index = indexJson as unknown as CompiledIndex;
const problems = new Problems();
const settings = createSettingsStore(browser);
let effective: EffectiveSettings = settings.view().effective;
const analyzer = new ChainAnalyzer(index);
const badges = new BadgeUpdater(browser.action);
const tabs = new TabStore(browser.storage.session, (state) => badges.update(state), problems);
const history = new History(browser.storage.local, effective.historyLimit, problems);
const notifier = new Notifier(browser.notifications);
const blockPages = new BlockPages(browser.storage.session, problems);
const dnr = (browser as unknown as { declarativeNetRequest?: SessionRulesApi }).declarativeNetRequest;
const quarantine = new Quarantine({ dnr, alarms: browser.alarms, storage: browser.storage.session, problems });
const extensionVersion = browser.runtime.getManifest().version;
/** Asked once; known before the first response is handled (`ready` waits for it). */
let browserVersion = "unknown";
const newId = () => crypto.randomUUID();
const reporter = new Reporter({
  storage: browser.storage.local,
  fetch: (input, init) => fetch(input, init),
  alarms: browser.alarms,
  problems,
  dropped: (count, time, config) => droppedEvent(count, { time, extensionVersion, browserVersion, blocklistVersion: index.version }, config, newId),
});

const feeds = new FeedManager({
  storage: browser.storage.local,
  session: browser.storage.session,
  fetch: (input, init) => fetch(input, init),
  alarms: browser.alarms,
  problems,
  onChange: () => applyLists(),
});

let basis = "";

/**
 * Hands the analyzer the lists in force: the settings' (policy and user) and the feeds'. A stop on
 * an origin is kept only while the mode and these lists are what it was decided under.
 */
function applyLists(): void {
  const added = feeds.lists();
  const lists = {
    blocklist: [...effective.blocklist, ...added.blocklist],
    allowlist: [...effective.allowlist, ...added.allowlist],
    knownIntermediates: added.knownIntermediates,
  };
  analyzer.setLists(lists);
  basis = shortHash(JSON.stringify([effective.mode, lists]));
  void quarantine.retain(basis);
}

function applySettings(view: SettingsView): void {
  effective = view.effective;
  applyLists();
  void feeds.configure(effective.feeds);
  history.setLimit(effective.historyLimit);
  reporter.configure(effective.reporting);
}

/** Runs a restore step; a failure is reported, and the background starts without that state. */
const restored = (area: "tab-state" | "history" | "capture" | "quarantine" | "reporting" | "feeds", step: () => Promise<unknown>) =>
  step().catch((error) => problems.report(area, `could not be restored: ${errorMessage(error)}`, "restore"));

// Started at once, awaited by the tab state's restore; unknown (undefined) if Firefox cannot say.
const openTabIds = browser.tabs.query({}).then(
  (list) => list.map((t) => t.id).filter((id): id is number => id !== undefined),
  () => undefined,
);

const ready = (async () => {
  await Promise.all([
    settings.ready,
    restored("tab-state", () => tabs.restore(openTabIds)),
    restored("history", () => history.restore()),
    restored("capture", () => blockPages.restore()),
    restored("quarantine", () => quarantine.restore()),
    restored("reporting", () => reporter.restore()),
    browser.runtime.getBrowserInfo().then(
      (info) => void (browserVersion = `${info.name} ${info.version}`),
      () => undefined,
    ),
  ]);
  // The feeds' last good documents are in force before the first response is decided. The settings
  // come first: restoring the feeds applies the lists, and the restored stops on origins are kept
  // only if those lists are the ones they were decided under.
  effective = settings.view().effective;
  await restored("feeds", () => feeds.configure(effective.feeds));
  applySettings(settings.view());
  settings.onChange(applySettings);
})().catch((error) => problems.report("settings", `start-up did not complete: ${errorMessage(error)}`));

/** Stops an origin that presented a blocked chain, so its next requests are not even sent. */
function stopOrigin({ details, info, verdict, time }: CaptureEvent): void {
  const until = time + QUARANTINE_MS;
  const id = blockPages.add({
    kind: "origin-blocked",
    url: originOf(details.url),
    origin: originOf(details.url),
    certificate: blockedCertificate(verdict),
    reason: null,
    time,
    blockedUntil: until,
  });
  void quarantine.add(details.url, { verdict, info }, `/popup/blocked.html?id=${id}`, until, basis);
}

/**
 * A request the quarantine stopped before it was sent: counted as a blocked request of its origin
 * in the tab, with the verdict that stopped the origin (the chain was not presented again).
 */
function recordStopped(details: { tabId: number; url: string; type: string }): boolean {
  const stop = quarantine.stoppedBy(details.url);
  if (!stop) return false;
  if (details.tabId < 0) return true;
  const { verdict, info } = stop;
  const der = verdict.chain.map((c) => capture.derCache.get(c.sha256) ?? null);
  tabs.record({ tabId: details.tabId, url: details.url, topLevel: details.type === "main_frame", info, verdict, der, blocked: true, time: Date.now() });
  return true;
}

function onResponse(event: CaptureEvent): void {
  const { details, info, verdict, der, stopped, time } = event;
  if (stopped === "blocked") stopOrigin(event);
  const topLevel = details.type === "main_frame";
  if (topLevel) {
    history.resetTab(details.tabId);
    notifier.resetTab(details.tabId);
  }
  if (details.tabId < 0) return;
  const blocked = stopped !== null;
  // The URL parsed once for the tab's state and the history.
  const where = urlParts(details.url);
  tabs.record({ tabId: details.tabId, url: details.url, origin: where.origin, topLevel, info, verdict, der, blocked, time });
  const pageUrl = tabs.get(details.tabId)?.url ?? details.url;
  if (verdict.findings.length) {
    // What the history logs now is what is reported: a page's 200 subresources report a finding once.
    const logged = history.record(details.tabId, pageUrl, details.url, verdict, time, where);
    if (logged.length && effective.reporting) {
      const input = {
        verdict: { ...verdict, findings: logged },
        pageUrl,
        url: details.url,
        stopped: blocked,
        connection: { protocolVersion: info?.protocolVersion, cipherSuite: info?.cipherSuite },
        der,
        time,
        extensionVersion,
        browserVersion,
      };
      reporter.enqueue(reportEvents(input, effective.reporting, newId));
    }
  } else {
    history.checkChain(pageUrl, details.url, verdict, time, where);
  }
  notifier.maybeNotify(details.tabId, details.url, verdict, effective, blocked);
}

const capture = createCapture({
  getSecurityInfo: (requestId, options) => browser.webRequest.getSecurityInfo(requestId, options) as Promise<SecurityInfo | undefined>,
  analyzer: () => analyzer,
  settings: () => effective,
  ready,
  blockPage: (page) => {
    const blockedUntil = page.kind === "blocked" && dnr ? page.time + QUARANTINE_MS : null;
    return `${blockPageUrl}?id=${blockPages.add({ ...page, blockedUntil })}`;
  },
  onResponse,
  onUnchecked: (details, response) => {
    if (details.tabId >= 0) tabs.recordUnchecked(details.tabId, response, details.type === "main_frame");
  },
  onError: (error) => problems.report("capture", `a response could not be checked: ${errorMessage(error)}`),
});

// Only TLS responses can carry a chain; http: navigations are tracked by the non-blocking listener below.
browser.webRequest.onHeadersReceived.addListener(capture.onHeadersReceived, { urls: INSPECTED_ORIGINS }, ["blocking"]);

browser.webRequest.onHeadersReceived.addListener(
  (details) => {
    if (details.tabId >= 0) tabs.navigate(details.tabId, details.url, Date.now());
  },
  { urls: ["http://*/*"], types: ["main_frame"] },
);

/** Cancellations (ours, or the user's) are not TLS failures. */
const NOT_A_FAILURE = /NS_BINDING_ABORTED|NS_ERROR_ABORT|NS_BINDING_REDIRECTED|NS_BINDING_RETARGETED/;

browser.webRequest.onErrorOccurred.addListener(
  (details) => {
    // A request the quarantine's rules cancelled ends here as an abort.
    if (/NS_ERROR_ABORT/.test(details.error) && recordStopped(details)) return;
    if (details.tabId < 0 || NOT_A_FAILURE.test(details.error)) return;
    const failure = { url: details.url, origin: originOf(details.url), error: details.error, type: details.type, time: Date.now() };
    tabs.recordFailure(details.tabId, failure, details.type === "main_frame");
  },
  { urls: INSPECTED_ORIGINS },
);

/**
 * Firefox hands a request a service worker intercepts to the worker with an internal redirect to
 * the same URL (status 0). A response the worker makes itself or takes from its cache then never
 * reaches onHeadersReceived: no TLS connection, no chain (the worker's own network requests are
 * checked like any other). Noted as unchecked; if the worker lets a document go to the network
 * instead, the document's response starts the tab's state afresh, without the note.
 */
const SERVICE_WORKER_REASON =
  "handled by the site's service worker: a response it makes itself or takes from its cache comes from no TLS connection, so there is no chain to check (its own network requests are checked)";

browser.webRequest.onBeforeRedirect.addListener(
  (details) => {
    if (details.statusCode === 0 && details.redirectUrl === details.url) {
      if (details.tabId < 0) return;
      const response = { url: details.url, origin: originOf(details.url), type: details.type, reason: SERVICE_WORKER_REASON, time: Date.now() };
      tabs.recordUnchecked(details.tabId, response, details.type === "main_frame");
    } else if (details.type === "main_frame" && details.redirectUrl.startsWith(blockPageUrl) && !capture.redirectedHere(details.requestId)) {
      // A document the quarantine's rules sent to the block page.
      recordStopped(details);
    }
  },
  { urls: INSPECTED_ORIGINS },
);

// Firefox resets a tab's badge when the tab navigates, which happens after the response was seen.
// Only status changes are asked for: Firefox then skips the others (title, favicon...), each of
// which it would describe, whole tab included, to the background.
browser.tabs.onUpdated.addListener(
  (tabId, change) => {
    const state = tabs.get(tabId);
    if (state && change.status) badges.reapply(state);
  },
  { properties: ["status"] },
);

browser.tabs.onRemoved.addListener((tabId) => {
  tabs.remove(tabId);
  badges.forget(tabId);
  history.resetTab(tabId);
  notifier.resetTab(tabId);
});

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === QUARANTINE_ALARM) void ready.then(() => quarantine.expire());
  if (alarm.name === REPORTING_ALARM) void ready.then(() => reporter.onAlarm());
  if (alarm.name.startsWith(FEED_ALARM_PREFIX)) void ready.then(() => feeds.onAlarm(alarm.name));
});

async function coverage(): Promise<Coverage> {
  const [privateBrowsing, hostPermissions] = await Promise.all([
    browser.extension.isAllowedIncognitoAccess().catch(() => false),
    browser.permissions.contains({ origins: INSPECTED_ORIGINS }).catch(() => false),
  ]);
  return { privateBrowsing, hostPermissions };
}

browser.runtime.onMessage.addListener(
  createMessageHandler({
    index,
    analyzer: () => analyzer,
    tabs,
    history,
    settings,
    blockPages,
    problems,
    coverage,
    startedAt,
    ready,
    reporting: reporter,
    feeds,
  }),
);
