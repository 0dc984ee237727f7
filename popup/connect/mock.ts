/**
 * A connector that serves fixture data instead of asking the background: the component tests use
 * it, and `test/components/demo/demo.html` (vite dev server) runs every view on it in a plain browser tab.
 * Saving settings and searching the blocklist run the background's own code (src/policy.ts,
 * src/blocklistSearch.ts); everything else is served as is. test/unit/connector-contract.test.ts
 * checks that both answer every request alike.
 */
import { searchBlocklist } from "../../src/blocklistSearch";
import { applySettingsInput, buildSettingsView, type ValidatedPolicy } from "../../src/policy";
import {
  HISTORY_KEPT_BY_POLICY,
  type BlockedPageInfo,
  type BlocklistEntryView,
  type Connector,
  type EffectiveSettings,
  type HistoryEvent,
  type RequestType,
  type Requests,
  type ResponseOf,
  type SettingsInput,
  type SettingsView,
  type Status,
  type TabState,
} from "../../src/protocol";
import type { Platform } from "./context";

export interface MockData {
  /** By tab id. */
  tabs: Record<string, TabState>;
  /** Base64 DER by SHA-256 as Firefox writes it (uppercase colon hex): what the background keeps. */
  certificates: Record<string, string>;
  settings: SettingsView;
  status: Status;
  /** The entries the blocklist search looks through. */
  blocklist: BlocklistEntryView[];
  history: { events: HistoryEvent[]; limit: number };
  /** Block pages' details by id (what the background keeps for each block page). */
  blockedPages?: Record<string, BlockedPageInfo>;
}

export interface MockCall {
  type: RequestType;
  request: unknown;
}

export interface MockConnector extends Connector {
  /** Every request in order, for tests that check what was asked and when. */
  readonly calls: MockCall[];
  readonly data: MockData;
}

export interface MockOptions {
  /** Answer after this many milliseconds (default: next microtask). */
  delayMs?: number;
  /** Replace the answer to one request type, e.g. to make it fail. */
  override?: { [K in RequestType]?: (request: Requests[K]["request"]) => ResponseOf<K> | Promise<ResponseOf<K>> };
}

/** Answers are copies, as runtime messages are (jsdom has no structuredClone; the data is plain JSON). */
const clone = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

export function createMockConnector(fixture: MockData, options: MockOptions = {}): MockConnector {
  const data = clone(fixture);
  const calls: MockCall[] = [];

  const handlers: { [K in RequestType]: (request: Requests[K]["request"]) => ResponseOf<K> | Promise<ResponseOf<K>> } = {
    "ui-bg-get-tab-state": ({ tabId }) => clone(data.tabs[String(tabId)] ?? null),
    "ui-bg-get-certificate": ({ sha256 }) => {
      const der = data.certificates[sha256];
      return der ? { der } : { error: "Firefox gave no bytes for this certificate, so its fields cannot be read." };
    },
    "ui-bg-get-blocked-page": ({ id }) => clone(data.blockedPages?.[id] ?? null),
    "ui-bg-get-status": () => clone(data.status),
    "ui-bg-get-settings": () => clone(data.settings),
    "ui-bg-save-settings": async ({ input }) => {
      const result = await applySettings(data.settings, input);
      if (result.ok) data.settings = result.view;
      return clone(result);
    },
    "ui-bg-search-blocklist": ({ query, limit }) => clone(searchBlocklist(data.blocklist, query, limit)),
    // Every feed checked just now: nothing new is served, so each keeps its document and its last error.
    "ui-bg-check-feeds": () => {
      const now = Date.now();
      data.status.feeds = data.status.feeds.map((f) => ({ ...f, lastCheck: now, nextCheck: now + f.intervalMinutes * 60_000 }));
      return clone(data.status.feeds);
    },
    "ui-bg-get-history": () => clone(data.history),
    // The fixture's lists in force: the user's and the policy's (its feeds' entries are not part of the settings).
    "ui-bg-get-lists": () => clone({ allowlist: data.settings.effective.allowlist, blocklist: data.settings.effective.blocklist, knownIntermediates: [] }),
    "ui-bg-clear-history": () => {
      if (data.settings.policy.locked) return { ok: false, error: HISTORY_KEPT_BY_POLICY };
      data.history.events = [];
      return { ok: true };
    },
  };

  return {
    calls,
    data,
    async send<K extends RequestType>(type: K, request: Requests[K]["request"]): Promise<ResponseOf<K>> {
      calls.push({ type, request: clone(request) });
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const handler = (options.override?.[type] ?? handlers[type]) as (r: Requests[K]["request"]) => ResponseOf<K> | Promise<ResponseOf<K>>;
      return handler(request);
    },
  };
}

export function mockPlatform(fixture: MockData, options: MockOptions & { activeTabId?: number } = {}): Platform & { connector: MockConnector } {
  return {
    connector: createMockConnector(fixture, options),
    activeTab: async () => (options.activeTabId === undefined ? null : { id: options.activeTabId }),
    openTab: (url) => void window.open(new URL(url, location.href).href, "_blank", "noopener"),
  };
}

/**
 * The background's own decision (src/policy.ts) over the fixture's settings, so saving in tests and
 * in the demo behaves as it will in the extension: per-line errors, all or nothing, managed keys refused.
 */
async function applySettings(view: SettingsView, input: SettingsInput): Promise<ResponseOf<"ui-bg-save-settings">> {
  const decision = await applySettingsInput(view, input);
  return decision.ok ? { ok: true, view: buildSettingsView(decision.user, policyOf(view)) } : decision;
}

/** The policy a SettingsView was resolved from, as far as the view tells it. */
function policyOf(view: SettingsView): ValidatedPolicy {
  const values: Partial<EffectiveSettings> = {};
  for (const key of view.managedKeys) {
    if (key === "allowlist" || key === "blocklist") values[key] = view.effective[key].filter((e) => e.source === "policy") as never;
    else values[key] = view.effective[key] as never;
  }
  return { values, locked: view.policy.locked, errors: view.policy.errors, present: view.policy.present };
}
