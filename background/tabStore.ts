/**
 * Per-tab state: the top-level document's chain, every distinct chain its subresources presented
 * (grouped by origin), and Firefox's own TLS failures. Reset on top-level navigation, dropped when
 * the tab closes, and mirrored to storage.session so a suspended-and-restarted background (MV3
 * event page) still answers the popup. Writes are batched, never done inside the listener.
 *
 * Recording runs once per response, on the event loop every next blocking request waits on, so
 * the usual response costs counters only: a chain already recorded for its origin is found by the
 * verdict object itself (the analyzer returns the same object for a chain it has cached), falling
 * back to comparing the chains' SHA-256s; the state changes no level, no event fires (no badge
 * work), and only the tab's counters are marked for a later write.
 *
 * storage.session gets what changed, in small pieces:
 * - `tab:<id>`: the tab's state without its origins (page chain, failures, unchecked, level);
 * - `tab-origin:<id>:<n>`: its n-th origin with its chains (origins are only appended until the
 *   tab's state starts afresh, so a piece is written when it is new or its chains change). A page
 *   with fewer origins than the tab's last leaves the rest in place until the tab closes (the
 *   counters say how many are current), rather than removing pieces the next page writes again;
 * - `tab-counts:<id>`: `updatedAt` and every chain's request counters, which also say how many
 *   origins the tab has. Written with every piece of the tab, and otherwise at most every
 *   COUNTS_DELAY_MS, or at once when the popup asks for the tab (`view`);
 * - `der:<sha256>`: a certificate's base64 bytes, and `verdict:<id>`: a chain's verdict (the
 *   analyzer's cached object, numbered by this store), each written once however many tabs, pages
 *   and records show it; records name them.
 * The popup's state carries no bytes: the views ask for a certificate's (`certificate`) when needed.
 *
 * What a restart may lose: counters (requests, blocked requests, updatedAt) changed in the last
 * COUNTS_DELAY_MS and never asked for by the popup. Structure is written within FLUSH_DELAY_MS.
 *
 * Everything here is bounded: origins, chains and failures per tab, certificate bytes in
 * storage.session (a byte budget across tabs, least recently written dropped first), certificates
 * and verdicts waiting out their grace period (MAX_RELEASED each), and the tabs
 * remembered as closed. Stored state is untrusted on the way back in (an older version's shape, a
 * failed write): what does not look like a tab state is dropped and reported, never thrown.
 */
import type { Storage } from "webextension-polyfill";
import { errorMessage } from "../src/errorMessage";
import {
  CONNECTION_FIELDS,
  type ChainRecord,
  type ConnectionInfo,
  type OriginRecord,
  type TabState,
  type TlsFailure,
  type UncheckedResponse,
} from "../src/protocol";
import type { SecurityInfo } from "../src/securityInfo";
import { worstLevel, type ChainCertificate, type Verdict } from "../src/verdict";
import type { Problems } from "./problems";
import { SharedValues } from "./sharedValues";

const TAB_KEY = "tab:";
const ORIGIN_KEY = "tab-origin:";
const COUNTS_KEY = "tab-counts:";
const DER_KEY = "der:";
const VERDICT_KEY = "verdict:";
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
/** A new chain, origin, failure or page is written this soon. */
const FLUSH_DELAY_MS = 250;
/** Counters alone are written at most this often (and at once when the popup asks). */
export const COUNTS_DELAY_MS = 2000;
/**
 * Certificate bytes and verdicts no tab shows any more stay this long (in memory and storage)
 * before the first write after it removes them, so a tab reopened on the same sites, or the next
 * page of a site, does not write them again.
 */
export const SHARED_GRACE_MS = 30_000;
/**
 * Certificates, and verdicts, kept for their grace period at most (the oldest released go first):
 * a page reloading itself with new chains would otherwise fill storage.session at its own pace.
 */
export const MAX_RELEASED = 1000;

export interface ResponseRecord {
  tabId: number;
  url: string;
  /** `url`'s origin, when the caller has it already. */
  origin?: string;
  topLevel: boolean;
  /** Null when the listener failed before Firefox reported it. */
  info: SecurityInfo | null;
  verdict: Verdict;
  /** Base64 DER per certificate, leaf first (null where unknown). */
  der: (string | null)[];
  blocked: boolean;
  time: number;
}

export interface TabStoreOptions {
  now?: () => number;
}

export function connectionOf(info: SecurityInfo | null): ConnectionInfo {
  if (!info) return { state: "insecure" };
  return Object.fromEntries(CONNECTION_FIELDS.map((field) => [field, info[field]])) as ConnectionInfo;
}

export function originOf(url: string): string {
  return urlParts(url).origin;
}

export interface UrlParts {
  origin: string;
  /** host:port, as URL.host gives it ("" for a URL that does not parse). */
  host: string;
}

/**
 * Origins and hosts already worked out, by the URL's scheme and authority (a page's hundreds of
 * responses come from a few): a response costs a slice and a look-up, not a URL parse.
 */
const partsByAuthority = new Map<string, UrlParts>();
const PARTS_CACHED = 512;

/** A URL's origin and host; an unparsable URL is its own origin, with no host. */
export function urlParts(url: string): UrlParts {
  // An https: or wss: URL's origin depends on its text up to the authority's end only (WHATWG URL:
  // a special scheme's authority ends at / ? # or \), so the text before that names it exactly.
  const start = url.startsWith("https://") ? 8 : url.startsWith("wss://") ? 6 : -1;
  const first = url.charCodeAt(start);
  if (start < 0 || first === 0x2f || first === 0x5c) return parse(url) ?? { origin: url, host: "" }; // not special, or more slashes
  let end = start;
  for (let c = first; end < url.length && c !== 0x2f && c !== 0x3f && c !== 0x23 && c !== 0x5c; c = url.charCodeAt(++end));
  const authority = url.slice(0, end);
  const cached = partsByAuthority.get(authority);
  if (cached) return cached;
  const parts = parse(url);
  if (!parts) return { origin: url, host: "" };
  if (partsByAuthority.size >= PARTS_CACHED) partsByAuthority.clear();
  partsByAuthority.set(authority, parts);
  return parts;
}

function parse(url: string): UrlParts | null {
  try {
    const { origin, host } = new URL(url);
    return { origin, host };
  } catch {
    return null;
  }
}

function emptyState(tabId: number, url: string | null, time: number): TabState {
  return { tabId, url, top: null, origins: [], failures: [], unchecked: [], level: "ok", updatedAt: time };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isVerdictShape = (v: unknown): v is Verdict => isObject(v) && Array.isArray(v.chain) && Array.isArray(v.findings);
/** A stored record names its verdict by id (`verdict:<id>`); an older version's holds it inline. */
const isRecordShape = (r: unknown) => isObject(r) && (typeof r.verdict === "string" || isVerdictShape(r.verdict));
const isOriginShape = (o: unknown): o is OriginRecord =>
  isObject(o) && typeof o.origin === "string" && Array.isArray(o.chains) && o.chains.every(isRecordShape);
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** A stored tab state (or its part without origins) this version can use: storage may hold an older version's shape, or anything. */
function isTabState(value: unknown): value is TabState {
  if (!isObject(value) || typeof value.tabId !== "number" || !Array.isArray(value.origins) || !Array.isArray(value.failures)) return false;
  if (value.top !== null && !isRecordShape(value.top)) return false;
  return value.origins.every(isOriginShape);
}

/** `tab-counts:<id>`: per origin, per chain, requests then blocked requests. */
interface StoredCounts {
  updatedAt: number;
  origins: number[][];
}

function isCounts(value: unknown): value is StoredCounts {
  return (
    isObject(value) && Number.isFinite(value.updatedAt) && Array.isArray(value.origins) && value.origins.every((o) => Array.isArray(o) && o.every(isCount))
  );
}

function recordsOf(state: TabState): ChainRecord[] {
  return [state.top, ...state.origins.flatMap((o) => o.chains)].filter((r): r is ChainRecord => r !== null);
}

/** Same certificates, by SHA-256, in the same order: what made two responses "the same chain". */
function sameChain(a: readonly ChainCertificate[], b: readonly ChainCertificate[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.sha256 !== b[i]?.sha256) return false;
  return true;
}

const originKey = (tabId: number, n: number) => `${ORIGIN_KEY}${tabId}:${n}`;

/** A tab's state and what this store keeps beside it (never sent to the popup). */
interface Tab {
  state: TabState;
  /** Origin → its position in `state.origins`, which numbers its storage piece. */
  positions: Map<string, number>;
  /** What storage.session lacks of this tab: its `tab:` key, its origin pieces ... */
  header: boolean;
  origins: Set<number>;
  /** ... or anything at all: at least its counters (`tab-counts:`, written with every write of the tab). */
  pending: boolean;
}

export class TabStore {
  readonly #tabs = new Map<number, Tab>();
  /** Tabs with something to write. */
  readonly #dirty = new Set<number>();
  /** Origin pieces in storage per tab (`tab-origin:<id>:0…n-1`), so a smaller state removes the rest. */
  readonly #storedOrigins = new Map<number, number>();
  /** Keys to remove from storage.session with the next write. */
  readonly #removals = new Set<string>();
  /** Tabs closed in this session, oldest first (bounded). */
  readonly #closed = new Set<number>();
  /** Certificate bytes by SHA-256, while a record shows them and for SHARED_GRACE_MS after. */
  readonly #ders = new SharedValues<string>(DER_KEY, (der) => der.length, { budget: DER_BUDGET, maxReleased: MAX_RELEASED });
  /** Verdicts by id, likewise (no byte budget: records that show them need them). */
  readonly #verdicts = new SharedValues<Verdict>(VERDICT_KEY, () => 0, { maxReleased: MAX_RELEASED });
  readonly #verdictIds = new WeakMap<Verdict, string>();
  /** Verdict ids start with this instance's own prefix, so a new one never takes a restored one's. */
  readonly #idPrefix = `${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}.`;
  #nextVerdictId = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = 0;
  /** Writes run one after another, and wait for restore: it decides which stored keys are stale. */
  #flushing: Promise<void> = Promise.resolve();
  #restoring: Promise<void> | null = null;
  readonly #storage: Storage.StorageArea;
  readonly #onChange: (state: TabState) => void;
  readonly #problems: Problems;
  readonly #now: () => number;

  constructor(storage: Storage.StorageArea, onChange: (state: TabState) => void, problems: Problems, options: TabStoreOptions = {}) {
    this.#storage = storage;
    this.#onChange = onChange;
    this.#problems = problems;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads what an earlier instance of the background left in storage.session, keeping only states
   * of tabs still open (`openTabs`, when known) and sweeping pieces and certificate bytes nothing
   * refers to. Never rejects: what cannot be read is dropped and reported.
   */
  restore(openTabs?: Promise<number[] | undefined>): Promise<void> {
    this.#restoring = this.#restore(openTabs).finally(() => (this.#restoring = null));
    return this.#restoring;
  }

  async #restore(openTabs?: Promise<number[] | undefined>): Promise<void> {
    try {
      const all = await this.#storage.get(null);
      const openIds = await openTabs;
      const open = openIds ? new Set(openIds) : null;
      const stale = new Set<string>();
      const kept = new Set<string>();
      let unreadable = 0;
      for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(ORIGIN_KEY) || key.startsWith(COUNTS_KEY)) stale.add(key); // unless a kept tab claims it
        if (!key.startsWith(TAB_KEY)) continue;
        const state = isTabState(value) ? this.#assemble(value, all) : null;
        if (!state) {
          unreadable++;
          stale.add(key);
          continue;
        }
        const tabId = state.tabId;
        const pieces = [key, COUNTS_KEY + tabId, ...state.origins.map((_, n) => originKey(tabId, n))];
        if (open && open.size && !open.has(tabId)) {
          for (const k of pieces) stale.add(k);
          continue;
        }
        for (const k of pieces) kept.add(k);
        // A response recorded while restoring wins over the stored copy; its own write replaces these keys.
        const early = this.#tabs.get(tabId);
        this.#storedOrigins.set(tabId, Math.max(this.#storedOrigins.get(tabId) ?? 0, state.origins.length));
        if (early) continue;
        for (const record of recordsOf(state)) {
          record.derAvailable = record.verdict.chain.map((c) => {
            const der = all[DER_KEY + c?.sha256];
            return this.#retain(c?.sha256, typeof der === "string" ? der : null);
          });
          this.#retainVerdict(record.verdict);
          delete (record as { der?: unknown }).der; // an older version's shape
        }
        this.#tabs.set(tabId, { state, positions: new Map(state.origins.map((o, n) => [o.origin, n])), header: false, origins: new Set(), pending: false });
      }
      for (const key of kept) stale.delete(key);
      // Bytes and verdicts a record shows (restored or recorded meanwhile) are stored already; the rest go.
      for (const [key, value] of Object.entries(all)) {
        const sha256 = this.#ders.idOf(key);
        const verdictId = this.#verdicts.idOf(key);
        if (sha256 !== null && !(typeof value === "string" && this.#ders.stored(sha256, value))) stale.add(key);
        if (verdictId !== null && !(isVerdictShape(value) && this.#verdicts.stored(verdictId, value))) stale.add(key);
      }
      if (unreadable)
        this.#problems.report(
          "tab-state",
          `${unreadable} stored tab state${unreadable > 1 ? "s" : ""} could not be read and ${unreadable > 1 ? "were" : "was"} dropped`,
          "restore",
        );
      if (stale.size) await this.#storage.remove([...stale]);
    } catch (error) {
      this.#problems.report("tab-state", `the tabs' state could not be restored after a background restart: ${errorMessage(error)}`, "restore");
    }
    if (this.#dirty.size || this.#removals.size || this.#ders.hasPending || this.#verdicts.hasPending) this.#schedule(FLUSH_DELAY_MS);
  }

  /** A stored `tab:` value with its origin pieces, counters and verdicts put back, or null if they do not read. */
  #assemble(header: TabState, all: Record<string, unknown>): TabState | null {
    const state = this.#withOrigins(header, all);
    if (!state) return null;
    for (const record of recordsOf(state)) {
      const id: unknown = record.verdict;
      if (typeof id !== "string") continue;
      const verdict = all[VERDICT_KEY + id];
      if (!isVerdictShape(verdict)) return null;
      this.#verdictIds.set(verdict, id);
      record.verdict = verdict;
    }
    return state;
  }

  /** The header with its origin pieces and counters put back (an older version's: its inline origins), or null. */
  #withOrigins(header: TabState, all: Record<string, unknown>): TabState | null {
    const state = header;
    state.unchecked = Array.isArray(state.unchecked) ? state.unchecked : [];
    const counts = all[COUNTS_KEY + state.tabId];
    // Without counters: an older version's state, its origins inline.
    if (counts === undefined) return state;
    if (!isCounts(counts) || state.origins.length) return null;
    const origins: OriginRecord[] = [];
    for (let n = 0; n < counts.origins.length; n++) {
      const origin = all[originKey(state.tabId, n)];
      const pairs = counts.origins[n];
      if (!isOriginShape(origin) || pairs.length !== origin.chains.length * 2) return null;
      origin.chains.forEach((c, i) => {
        c.requests = pairs[2 * i];
        c.blockedRequests = pairs[2 * i + 1];
      });
      origins.push(origin);
    }
    state.origins = origins;
    state.updatedAt = counts.updatedAt;
    return state;
  }

  get(tabId: number): TabState | null {
    return this.#tabs.get(tabId)?.state ?? null;
  }

  /**
   * The tab's state for the popup. What it shows is written at once (counters are otherwise held
   * back), so a background restarted right after still gives the popup this state.
   */
  view(tabId: number): TabState | null {
    const tab = this.#tabs.get(tabId);
    if (tab?.pending) this.#schedule(0);
    return tab?.state ?? null;
  }

  /** A certificate's base64 bytes, if the tab's state shows the certificate and they are held. */
  certificate(tabId: number, sha256: string): string | null {
    const state = this.get(tabId);
    if (!state || !recordsOf(state).some((r) => r.verdict.chain.some((c) => c?.sha256 === sha256))) return null;
    return this.#ders.get(sha256);
  }

  all(): TabState[] {
    return [...this.#tabs.values()].map((t) => t.state);
  }

  /** A top-level navigation that brought no TLS chain (http:, or before any response). */
  navigate(tabId: number, url: string, time: number): void {
    if (this.#closed.has(tabId)) return;
    this.#replace(emptyState(tabId, url, time));
  }

  record(r: ResponseRecord): void {
    if (this.#closed.has(r.tabId)) return;
    const origin = r.origin ?? originOf(r.url);
    if (r.topLevel) {
      const state = emptyState(r.tabId, r.url, r.time);
      state.top = this.#newRecord(r, origin);
      this.#replace(state);
      return;
    }
    const tab = this.#tabs.get(r.tabId) ?? this.#start(emptyState(r.tabId, null, r.time));
    const { state } = tab;
    let n = tab.positions.get(origin);
    if (n === undefined) {
      if (state.origins.length >= MAX_ORIGINS) return;
      n = state.origins.push({ origin, level: "ok", chains: [] }) - 1;
      tab.positions.set(origin, n);
    }
    const group = state.origins[n];
    const { chains } = group;
    state.updatedAt = r.time;
    let existing: ChainRecord | undefined;
    for (let i = 0; i < chains.length && !existing; i++) if (chains[i].verdict === r.verdict) existing = chains[i];
    if (existing) {
      // The usual response: a chain this origin presented before, judged by the same (cached) verdict.
      this.#count(tab, existing, r.blocked);
      return;
    }
    for (let i = 0; i < chains.length && !existing; i++) if (sameChain(chains[i].verdict.chain, r.verdict.chain)) existing = chains[i];
    if (existing) {
      this.#count(tab, existing, r.blocked);
      // Same chain, judged again (settings changed, or the analyzer's cache let it go): keep the latest verdict.
      this.#retainVerdict(r.verdict);
      this.#verdicts.release(this.#verdictId(existing.verdict), this.#now());
      existing.verdict = r.verdict;
    } else if (chains.length < MAX_CHAINS_PER_ORIGIN) {
      chains.push(this.#newRecord(r, origin));
    } else {
      this.#touched(tab);
      return;
    }
    group.level = worstLevel(chains.map((c) => c.verdict.level));
    tab.origins.add(n);
    this.#changed(tab);
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
    const tab = topLevel
      ? this.#replace(emptyState(tabId, item.url, item.time), false)
      : (this.#tabs.get(tabId) ?? this.#start(emptyState(tabId, null, item.time)));
    const items = tab.state[list] as TabState[K][number][];
    if (items.length < MAX_LISTED) items.push(item);
    tab.state.updatedAt = item.time;
    tab.header = true;
    this.#changed(tab);
  }

  remove(tabId: number): void {
    this.#closed.add(tabId);
    if (this.#closed.size > MAX_CLOSED) this.#closed.delete(this.#closed.values().next().value as number);
    const tab = this.#tabs.get(tabId);
    if (!tab) return;
    this.#tabs.delete(tabId);
    this.#dirty.delete(tabId);
    this.#release(tab.state);
    this.#removals.add(TAB_KEY + tabId);
    this.#removals.add(COUNTS_KEY + tabId);
    for (let n = 0; n < (this.#storedOrigins.get(tabId) ?? 0); n++) this.#removals.add(originKey(tabId, n));
    this.#storedOrigins.delete(tabId);
    this.#schedule(FLUSH_DELAY_MS);
  }

  #newRecord(r: ResponseRecord, origin: string): ChainRecord {
    this.#retainVerdict(r.verdict);
    return {
      url: r.url,
      origin,
      verdict: r.verdict,
      connection: connectionOf(r.info),
      derAvailable: r.verdict.chain.map((c, i) => this.#retain(c?.sha256, r.der[i] ?? null)),
      firstSeen: r.time,
      requests: 1,
      blockedRequests: r.blocked ? 1 : 0,
    };
  }

  /** A tab's state not known before, registered (the caller fills it and reports the change). */
  #start(state: TabState): Tab {
    const tab: Tab = { state, positions: new Map(), header: true, origins: new Set(), pending: true };
    this.#tabs.set(state.tabId, tab);
    this.#dirty.add(state.tabId);
    return tab;
  }

  /** The tab's state starts afresh: what the old one showed is released, all of it written again. */
  #replace(state: TabState, announce = true): Tab {
    const old = this.#tabs.get(state.tabId);
    const tab = this.#start(state);
    if (old) this.#release(old.state);
    if (announce) this.#changed(tab);
    return tab;
  }

  #count(tab: Tab, record: ChainRecord, blocked: boolean): void {
    record.requests++;
    if (blocked) record.blockedRequests++;
    this.#touched(tab);
  }

  /** Counters (and updatedAt) changed, nothing else: written later, no event. */
  #touched(tab: Tab): void {
    if (tab.pending) return;
    tab.pending = true;
    this.#dirty.add(tab.state.tabId);
    this.#schedule(COUNTS_DELAY_MS);
  }

  /** The tab's chains, origins or lists changed: its level is worked out again, the change announced and written soon. */
  #changed(tab: Tab): void {
    const { state } = tab;
    const level = worstLevel([state.top?.verdict.level ?? "ok", ...state.origins.map((o) => o.level)]);
    if (level !== state.level) tab.header = true;
    state.level = level;
    tab.pending = true;
    this.#dirty.add(state.tabId);
    this.#schedule(FLUSH_DELAY_MS);
    this.#onChange(state);
  }

  /** One more record shows this certificate; returns whether its bytes are held. */
  #retain(sha256: string | undefined, der: string | null): boolean {
    return typeof sha256 === "string" && this.#ders.retain(sha256, der || null);
  }

  /** A verdict's id, numbered the first time this store writes or reads it. */
  #verdictId(verdict: Verdict): string {
    let id = this.#verdictIds.get(verdict);
    if (id === undefined) this.#verdictIds.set(verdict, (id = this.#idPrefix + (this.#nextVerdictId++).toString(36)));
    return id;
  }

  #retainVerdict(verdict: Verdict): void {
    this.#verdicts.retain(this.#verdictId(verdict), verdict);
  }

  /** A state's records are gone: certificates and verdicts no other record shows start their grace period. */
  #release(state: TabState): void {
    const now = this.#now();
    for (const record of recordsOf(state)) {
      for (const c of record.verdict.chain) if (typeof c?.sha256 === "string") this.#ders.release(c.sha256, now);
      this.#verdicts.release(this.#verdictId(record.verdict), now);
    }
  }

  /** A record as stored: its verdict named by id. */
  #storedRecord(record: ChainRecord): Omit<ChainRecord, "verdict"> & { verdict: string } {
    return { ...record, verdict: this.#verdictId(record.verdict) };
  }

  /** Flushes within `delay` ms; an earlier flush already planned stands. */
  #schedule(delay: number): void {
    const at = this.#now() + delay;
    if (this.#timer !== null) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, delay);
  }

  /**
   * Writes what changed: the changed pieces of each tab, counters, certificate bytes not yet stored
   * (within DER_BUDGET), and removes what is gone. Never rejects: a failed write is reported, and
   * what it held is written again with the next one.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    if (this.#restoring) await this.#restoring;
    const writes: Record<string, unknown> = {};
    const written: number[] = [];
    for (const tabId of this.#dirty) {
      const tab = this.#tabs.get(tabId);
      if (!tab) continue;
      const { state } = tab;
      if (tab.header) writes[TAB_KEY + tabId] = { ...state, top: state.top && this.#storedRecord(state.top), origins: [] };
      for (const n of tab.origins) writes[originKey(tabId, n)] = { ...state.origins[n], chains: state.origins[n].chains.map((c) => this.#storedRecord(c)) };
      writes[COUNTS_KEY + tabId] = {
        updatedAt: state.updatedAt,
        origins: state.origins.map((o) => o.chains.flatMap((c) => [c.requests, c.blockedRequests])),
      } satisfies StoredCounts;
      // Pieces past the counters' number stay until the tab closes (see the top of this file).
      this.#storedOrigins.set(tabId, Math.max(this.#storedOrigins.get(tabId) ?? 0, state.origins.length));
      tab.header = tab.pending = false;
      tab.origins.clear();
      written.push(tabId);
    }
    this.#dirty.clear();
    const derWritten = this.#ders.collect(writes);
    const verdictsWritten = this.#verdicts.collect(writes);
    const releasedBefore = this.#now() - SHARED_GRACE_MS;
    this.#ders.sweep(releasedBefore, writes, this.#removals);
    this.#verdicts.sweep(releasedBefore, writes, this.#removals);
    // A key written again (an origin piece after a failed removal) is not removed after its write.
    const removals = [...this.#removals].filter((key) => !(key in writes));
    this.#removals.clear();
    try {
      if (Object.keys(writes).length) await this.#storage.set(writes);
      if (removals.length) await this.#storage.remove(removals);
      this.#problems.resolve("tab-state");
    } catch (error) {
      // Quota or I/O: these tabs are written whole with the next write; the bytes are written again too.
      for (const tabId of written) {
        const tab = this.#tabs.get(tabId);
        if (!tab) continue;
        tab.header = tab.pending = true;
        tab.state.origins.forEach((_, n) => tab.origins.add(n));
        this.#dirty.add(tabId);
      }
      this.#ders.unwritten(derWritten);
      this.#verdicts.unwritten(verdictsWritten);
      for (const key of removals) this.#removals.add(key);
      this.#problems.report("tab-state", `the tabs' state could not be saved for a background restart: ${errorMessage(error)}`);
    }
  }
}
