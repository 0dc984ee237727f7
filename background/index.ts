/**
 * The background: wires the WebExtension APIs to the pure core. The blocking listener is
 * registered synchronously at start-up (so an MV3 event page woken by a request handles it) and
 * waits inside for settings, so no request passes unchecked while they load.
 */
import browser from "webextension-polyfill";
import { ChainAnalyzer } from "../src/analyzer";
import type { CompiledIndex } from "../src/blocklist";
import type { EffectiveSettings, SettingsView } from "../src/protocol";
import type { SecurityInfo } from "../src/securityInfo";
import indexJson from "../data/blocklist.json";
import { BadgeUpdater } from "./badge";
import { createCapture, type CaptureEvent } from "./capture";
import { History } from "./history";
import { createMessageHandler } from "./messages";
import { Notifier } from "./notifications";
import { createSettingsStore } from "./settings";
import { originOf, TabStore } from "./tabStore";

const startedAt = Date.now();
const index = indexJson as unknown as CompiledIndex;
const settings = createSettingsStore(browser);
let effective: EffectiveSettings = settings.view().effective;
const analyzer = new ChainAnalyzer(index);
const badges = new BadgeUpdater(browser.action);
const tabs = new TabStore(browser.storage.session, (state) => badges.update(state));
const history = new History(browser.storage.local, effective.historyLimit);
const notifier = new Notifier(browser.notifications);

function applySettings(view: SettingsView): void {
  effective = view.effective;
  analyzer.setSettings(effective);
  history.setLimit(effective.historyLimit);
}

const ready = (async () => {
  await Promise.all([settings.ready, tabs.restore(), history.restore()]);
  applySettings(settings.view());
  settings.onChange(applySettings);
})();

function onResponse({ details, info, verdict, der, blocked, time }: CaptureEvent): void {
  const topLevel = details.type === "main_frame";
  if (topLevel) {
    history.resetTab(details.tabId);
    notifier.resetTab(details.tabId);
  }
  if (details.tabId < 0) return;
  tabs.record({ tabId: details.tabId, url: details.url, topLevel, info, verdict, der, blocked, time });
  const pageUrl = tabs.get(details.tabId)?.url ?? details.url;
  if (verdict.findings.length) history.record(details.tabId, pageUrl, details.url, verdict, time);
  notifier.maybeNotify(details.tabId, details.url, verdict, effective, blocked);
}

const capture = createCapture({
  getSecurityInfo: (requestId, options) => browser.webRequest.getSecurityInfo(requestId, options) as Promise<SecurityInfo | undefined>,
  analyzer: () => analyzer,
  mode: () => effective.mode,
  ready,
  blockedPageUrl: (page) => browser.runtime.getURL(`popup/blocked.html?d=${encodeURIComponent(JSON.stringify(page))}`),
  onResponse,
});

// Only TLS responses can carry a chain; http: navigations are tracked by the non-blocking listener below.
browser.webRequest.onHeadersReceived.addListener(capture.onHeadersReceived, { urls: ["https://*/*", "wss://*/*"] }, ["blocking"]);

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
    if (details.tabId < 0 || NOT_A_FAILURE.test(details.error)) return;
    const failure = { url: details.url, origin: originOf(details.url), error: details.error, type: details.type, time: Date.now() };
    tabs.recordFailure(details.tabId, failure, details.type === "main_frame");
  },
  { urls: ["https://*/*", "wss://*/*"] },
);

// Firefox resets a tab's badge when the tab navigates, which happens after the response was seen.
browser.tabs.onUpdated.addListener((tabId, change) => {
  const state = tabs.get(tabId);
  if (state && change.status) badges.reapply(state);
});

browser.tabs.onRemoved.addListener((tabId) => {
  tabs.remove(tabId);
  badges.forget(tabId);
  history.resetTab(tabId);
  notifier.resetTab(tabId);
});

browser.runtime.onMessage.addListener(
  createMessageHandler({ index, analyzer: () => analyzer, tabs, history, settings, startedAt, ready }),
);
