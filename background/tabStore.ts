/**
 * Per-tab state: the top-level document's chain, every distinct chain its subresources presented
 * (grouped by origin), and Firefox's own TLS failures. Reset on top-level navigation, dropped when
 * the tab closes, and mirrored to storage.session so a suspended-and-restarted background (MV3
 * event page) still answers the popup. Writes are batched, never done inside the listener.
 *
 * Everything here is bounded: origins, chains and failures per tab, certificate bytes in
 * storage.session (a byte budget across tabs, least recently written dropped first), and the tabs
 * remembered as closed. Stored state is untrusted on the way back in (an older version's shape, a
 * failed write): what does not look like a tab state is dropped and reported, never thrown.
 */
import type { Storage } from "webextension-polyfill";
import type { ChainRecord, ConnectionInfo, TabState, TlsFailure, UncheckedResponse } from "../src/protocol";
import type { SecurityInfo } from "../src/securityInfo";
import { worstLevel, type Verdict } from "../src/verdict";
import { errorMessage, type Problems } from "./problems";

const TAB_KEY = "tab:";
const DER_KEY = "der:";
/** Bounds per tab, so a page that loads from thousands of origins cannot grow state without end. */
export const MAX_ORIGINS = 200;
export const MAX_CHAINS_PER_ORIGIN = 8;
/** TLS failures, and responses without a chain, listed per tab. */
export const MAX_LISTED = 50;
/**
 * Base64 certificate bytes kept in storage.session across all tabs (its quota is 10 MB, shared with
 * the tab states). Bytes dropped here only matter after a background restart: the views then ask to
 * reload the page.
 */
const DER_BUDGET = 4 * 1024 * 1024;
/** Closed tabs remembered, so a response arriving after its tab closed does not bring it back. */
export const MAX_CLOSED = 1000;
const FLUSH_DELAY_MS = 250;

export interface ResponseRecord {
  tabId: number;
  url: string;
  topLevel: boolean;
  /** Null when the listener failed before Firefox reported it. */
  info: SecurityInfo | null;
  verdict: Verdict;
  /** Base64 DER per certificate, leaf first (null where unknown). */
  der: (string | null)[];
  blocked: boolean;
  time: number;
}

export function connectionOf(info: SecurityInfo | null): ConnectionInfo {
  if (!info) return { state: "insecure" };
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
  return { tabId, url, top: null, origins: [], failures: [], unchecked: [], level: "ok", updatedAt: time };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isRecordShape = (r: unknown) => isObject(r) && isObject(r.verdict) && Array.isArray(r.verdict.chain) && Array.isArray(r.verdict.findings);

/** A stored tab state this version can use (storage may hold an older version's shape, or anything). */
function isTabState(value: unknown): value is TabState {
  if (!isObject(value) || typeof value.tabId !== "number" || !Array.isArray(value.origins) || !Array.isArray(value.failures)) return false;
  if (value.top !== null && !isRecordShape(value.top)) return false;
  return value.origins.every((o) => isObject(o) && typeof o.origin === "string" && Array.isArray(o.chains) && o.chains.every(isRecordShape));
}

function recordsOf(state: TabState): ChainRecord[] {
  return [state.top, ...state.origins.flatMap((o) => o.chains)].filter((r): r is ChainRecord => r !== null);
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
  /** Tabs closed in this session, oldest first (bounded). */
  readonly #closed = new Set<number>();
  /** Certificate bytes in storage.session: key → length, least recently written first. */
  readonly #derStored = new Map<string, number>();
  #derBytes = 0;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #storage: Storage.StorageArea;
  readonly #onChange: (state: TabState) => void;
  readonly #problems: Problems;

  constructor(storage: Storage.StorageArea, onChange: (state: TabState) => void, problems: Problems) {
    this.#storage = storage;
    this.#onChange = onChange;
    this.#problems = problems;
  }

  /**
   * Loads what an earlier instance of the background left in storage.session, keeping only states
   * of tabs still open (`openTabs`, when known) and sweeping certificate bytes nothing refers to.
   * Never rejects: what cannot be read is dropped and reported.
   */
  async restore(openTabs?: Promise<number[] | undefined>): Promise<void> {
    try {
      const all = await this.#storage.get(null);
      const openIds = await openTabs;
      const open = openIds ? new Set(openIds) : null;
      const stale: string[] = [];
      let unreadable = 0;
      for (const [key, value] of Object.entries(all)) {
        if (!key.startsWith(TAB_KEY)) continue;
        if (!isTabState(value)) {
          unreadable++;
          stale.push(key);
          continue;
        }
        if (open && open.size && !open.has(value.tabId)) {
          stale.push(key);
          continue;
        }
        value.unchecked = Array.isArray(value.unchecked) ? value.unchecked : [];
        for (const record of recordsOf(value)) {
          record.der = record.verdict.chain.map((c) => {
            const der = all[DER_KEY + c?.sha256];
            return typeof der === "string" ? der : null;
          });
        }
        // A response recorded while restoring wins over the stored copy.
        if (!this.#tabs.has(value.tabId)) this.#tabs.set(value.tabId, value);
      }
      const referenced = this.#referencedDer();
      for (const [key, value] of Object.entries(all)) {
        if (!key.startsWith(DER_KEY)) continue;
        if (referenced.has(key) && typeof value === "string") this.#noteDer(key, value.length);
        else stale.push(key);
      }
      if (unreadable) this.#problems.report("tab-state", `${unreadable} stored tab state${unreadable > 1 ? "s" : ""} could not be read and ${unreadable > 1 ? "were" : "was"} dropped`, "restore");
      if (stale.length) await this.#storage.remove(stale);
    } catch (error) {
      this.#problems.report("tab-state", `the tabs' state could not be restored after a background restart: ${errorMessage(error)}`, "restore");
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
    if (this.#closed.has(tabId)) return;
    this.#set(emptyState(tabId, url, time));
  }

  record(r: ResponseRecord): void {
    if (this.#closed.has(r.tabId)) return;
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
    this.#append(tabId, "failures", failure, topLevel);
  }

  /** A response that passed with no chain to check: the page is shown as not (wholly) inspected. */
  recordUnchecked(tabId: number, response: UncheckedResponse, topLevel: boolean): void {
    this.#append(tabId, "unchecked", response, topLevel);
  }

  /** Adds to one of the tab's bounded lists; a top-level one starts the tab's state afresh. */
  #append<K extends "failures" | "unchecked">(tabId: number, list: K, item: TabState[K][number], topLevel: boolean): void {
    if (this.#closed.has(tabId)) return;
    const state = topLevel ? emptyState(tabId, item.url, item.time) : (this.#tabs.get(tabId) ?? emptyState(tabId, null, item.time));
    const items = state[list] as TabState[K][number][];
    if (items.length < MAX_LISTED) items.push(item);
    state.updatedAt = item.time;
    this.#set(state);
  }

  remove(tabId: number): void {
    this.#closed.add(tabId);
    if (this.#closed.size > MAX_CLOSED) this.#closed.delete(this.#closed.values().next().value as number);
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

  /**
   * Writes changed tabs; certificate bytes are stored once per certificate, not once per tab, within
   * DER_BUDGET. Never rejects: a failed write is reported, and the tabs are written again next time.
   */
  async flush(): Promise<void> {
    this.#flushTimer = null;
    const writes: Record<string, unknown> = {};
    const dirty = [...this.#dirty];
    for (const tabId of dirty) {
      const state = this.#tabs.get(tabId);
      if (!state) continue;
      for (const record of recordsOf(state)) {
        record.verdict.chain.forEach((c, i) => {
          const der = record.der[i];
          const key = DER_KEY + c.sha256;
          if (der && !this.#derStored.has(key)) writes[key] = der;
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
    for (const [key, value] of Object.entries(writes)) if (key.startsWith(DER_KEY)) this.#noteDer(key, (value as string).length);
    if (removals.length) removals.push(...this.#unreferencedDer());
    removals.push(...this.#overBudgetDer());
    try {
      if (Object.keys(writes).length) await this.#storage.set(writes);
      if (removals.length) await this.#storage.remove(removals);
      this.#problems.resolve("tab-state");
    } catch (error) {
      // Quota or I/O: try these tabs again with the next change; the bytes are written again too.
      for (const tabId of dirty) if (this.#tabs.has(tabId)) this.#dirty.add(tabId);
      for (const key of Object.keys(writes)) this.#forgetDer(key);
      this.#problems.report("tab-state", `the tabs' state could not be saved for a background restart: ${errorMessage(error)}`);
    }
  }

  #noteDer(key: string, length: number): void {
    this.#forgetDer(key);
    this.#derStored.set(key, length);
    this.#derBytes += length;
  }

  #forgetDer(key: string): void {
    const length = this.#derStored.get(key);
    if (length === undefined) return;
    this.#derStored.delete(key);
    this.#derBytes -= length;
  }

  /** Drops the least recently written certificate bytes beyond the budget. */
  #overBudgetDer(): string[] {
    const dropped: string[] = [];
    for (const key of this.#derStored.keys()) {
      if (this.#derBytes <= DER_BUDGET) break;
      dropped.push(key);
    }
    for (const key of dropped) this.#forgetDer(key);
    return dropped;
  }

  #referencedDer(): Set<string> {
    return new Set(this.all().flatMap(recordsOf).flatMap((r) => r.verdict.chain.map((c) => DER_KEY + c?.sha256)));
  }

  /** Stored certificate bytes no open tab refers to any more. */
  #unreferencedDer(): string[] {
    const referenced = this.#referencedDer();
    const stale = [...this.#derStored.keys()].filter((k) => !referenced.has(k));
    for (const key of stale) this.#forgetDer(key);
    return stale;
  }
}
