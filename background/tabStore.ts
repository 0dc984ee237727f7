/**
 * Per-tab state: the top-level document's chain, every distinct chain its subresources presented
 * (grouped by origin), and Firefox's own TLS failures. Reset on top-level navigation, dropped when
 * the tab closes, and mirrored to storage.session so a suspended-and-restarted background (MV3
 * event page) still answers the popup. Writes are batched, never done inside the listener.
 */
import type { Storage } from "webextension-polyfill";
import type { ChainRecord, ConnectionInfo, TabState, TlsFailure } from "../src/protocol";
import type { SecurityInfo } from "../src/securityInfo";
import { worstLevel, type Verdict } from "../src/verdict";

const TAB_KEY = "tab:";
const DER_KEY = "der:";
/** Bounds per tab, so a page that loads from thousands of origins cannot grow state without end. */
const MAX_ORIGINS = 200;
const MAX_CHAINS_PER_ORIGIN = 8;
const MAX_FAILURES = 50;
const FLUSH_DELAY_MS = 250;

export interface ResponseRecord {
  tabId: number;
  url: string;
  topLevel: boolean;
  info: SecurityInfo;
  verdict: Verdict;
  /** Base64 DER per certificate, leaf first (null where unknown). */
  der: (string | null)[];
  blocked: boolean;
  time: number;
}

export function connectionOf(info: SecurityInfo): ConnectionInfo {
  const { state, protocolVersion, cipherSuite, keaGroupName, signatureSchemeName, secretKeyLength, certificateTransparencyStatus,
    isExtendedValidation, hsts, usedEch, usedOcsp, usedDelegatedCredentials, usedPrivateDns } = info;
  return { state, protocolVersion, cipherSuite, keaGroupName, signatureSchemeName, secretKeyLength, certificateTransparencyStatus,
    isExtendedValidation, hsts, usedEch, usedOcsp, usedDelegatedCredentials, usedPrivateDns };
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function emptyState(tabId: number, url: string | null, time: number): TabState {
  return { tabId, url, top: null, origins: [], failures: [], level: "ok", updatedAt: time };
}

function chainId(record: { verdict: Verdict }): string {
  return record.verdict.chain.map((c) => c.sha256).join("|");
}

function newChainRecord(r: ResponseRecord): ChainRecord {
  return {
    url: r.url,
    origin: originOf(r.url),
    verdict: r.verdict,
    connection: connectionOf(r.info),
    der: r.der,
    firstSeen: r.time,
    requests: 1,
    blockedRequests: r.blocked ? 1 : 0,
  };
}

export class TabStore {
  readonly #tabs = new Map<number, TabState>();
  readonly #dirty = new Set<number>();
  readonly #removed = new Set<number>();
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #storage: Storage.StorageArea;
  readonly #onChange: (state: TabState) => void;

  constructor(storage: Storage.StorageArea, onChange: (state: TabState) => void) {
    this.#storage = storage;
    this.#onChange = onChange;
  }

  /** Loads what an earlier instance of the background left in storage.session. */
  async restore(): Promise<void> {
    const all = await this.#storage.get(null);
    for (const [key, value] of Object.entries(all)) {
      if (!key.startsWith(TAB_KEY)) continue;
      const state = value as TabState;
      for (const record of [state.top, ...state.origins.flatMap((o) => o.chains)]) {
        if (record) record.der = record.verdict.chain.map((c) => (all[DER_KEY + c.sha256] as string | undefined) ?? null);
      }
      // A response recorded while restoring wins over the stored copy.
      if (!this.#tabs.has(state.tabId)) this.#tabs.set(state.tabId, state);
    }
  }

  get(tabId: number): TabState | null {
    return this.#tabs.get(tabId) ?? null;
  }

  all(): TabState[] {
    return [...this.#tabs.values()];
  }

  /** A top-level navigation that brought no TLS chain (http:, or before any response). */
  navigate(tabId: number, url: string, time: number): void {
    this.#set(emptyState(tabId, url, time));
  }

  record(r: ResponseRecord): void {
    if (r.topLevel) {
      const state = emptyState(r.tabId, r.url, r.time);
      state.top = newChainRecord(r);
      this.#set(state);
      return;
    }
    const state = this.#tabs.get(r.tabId) ?? emptyState(r.tabId, null, r.time);
    const origin = originOf(r.url);
    let group = state.origins.find((o) => o.origin === origin);
    if (!group) {
      if (state.origins.length >= MAX_ORIGINS) return;
      group = { origin, level: "ok", chains: [] };
      state.origins.push(group);
    }
    const id = chainId(r);
    const existing = group.chains.find((c) => chainId(c) === id);
    if (existing) {
      existing.requests++;
      if (r.blocked) existing.blockedRequests++;
      // Same chain, possibly judged again after a settings change: keep the latest verdict.
      existing.verdict = r.verdict;
    } else if (group.chains.length < MAX_CHAINS_PER_ORIGIN) {
      group.chains.push(newChainRecord(r));
    }
    group.level = worstLevel(group.chains.map((c) => c.verdict.level));
    state.updatedAt = r.time;
    this.#set(state);
  }

  recordFailure(tabId: number, failure: TlsFailure, topLevel: boolean): void {
    const state = topLevel ? emptyState(tabId, failure.url, failure.time) : (this.#tabs.get(tabId) ?? emptyState(tabId, null, failure.time));
    if (state.failures.length < MAX_FAILURES) state.failures.push(failure);
    state.updatedAt = failure.time;
    this.#set(state);
  }

  remove(tabId: number): void {
    if (!this.#tabs.delete(tabId)) return;
    this.#dirty.delete(tabId);
    this.#removed.add(tabId);
    this.#scheduleFlush();
  }

  #set(state: TabState): void {
    state.level = worstLevel([state.top?.verdict.level ?? "ok", ...state.origins.map((o) => o.level)]);
    this.#tabs.set(state.tabId, state);
    this.#dirty.add(state.tabId);
    this.#scheduleFlush();
    this.#onChange(state);
  }

  #scheduleFlush(): void {
    this.#flushTimer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes changed tabs; certificate bytes are stored once per certificate, not once per tab. */
  async flush(): Promise<void> {
    this.#flushTimer = null;
    const writes: Record<string, unknown> = {};
    for (const tabId of this.#dirty) {
      const state = this.#tabs.get(tabId);
      if (!state) continue;
      const records = [state.top, ...state.origins.flatMap((o) => o.chains)].filter((r): r is ChainRecord => r !== null);
      for (const record of records) {
        record.verdict.chain.forEach((c, i) => {
          if (record.der[i]) writes[DER_KEY + c.sha256] = record.der[i];
        });
      }
      writes[TAB_KEY + tabId] = {
        ...state,
        top: state.top && { ...state.top, der: [] },
        origins: state.origins.map((o) => ({ ...o, chains: o.chains.map((c) => ({ ...c, der: [] })) })),
      };
    }
    this.#dirty.clear();
    const removals = [...this.#removed].map((id) => TAB_KEY + id);
    this.#removed.clear();
    if (Object.keys(writes).length) await this.#storage.set(writes);
    if (removals.length) await this.#storage.remove([...removals, ...(await this.#unreferencedDer())]);
  }

  /** Certificate bytes no open tab refers to any more. */
  async #unreferencedDer(): Promise<string[]> {
    const referenced = new Set(
      this.all().flatMap((s) => [s.top, ...s.origins.flatMap((o) => o.chains)]).flatMap((r) => r?.verdict.chain.map((c) => DER_KEY + c.sha256) ?? []),
    );
    const stored = Object.keys(await this.#storage.get(null)).filter((k) => k.startsWith(DER_KEY));
    return stored.filter((k) => !referenced.has(k));
  }
}

