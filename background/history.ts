/**
 * The alert history: every notice, warning and blocked finding (time, page, origin, rule,
 * certificate), persisted in storage.local across browser restarts and bounded (oldest dropped
 * first). Per host it also remembers the CA part of the chain (intermediates and root) and records
 * "chain-changed" when it changes: Certificate Patrol's idea, at CA level so that routine leaf
 * renewals are not noise.
 *
 * Events are stored in chunks of CHUNK_SIZE under their own keys ("history:<n>"), listed by an
 * index ("history:meta"), so a flush writes the chunk that grew (and the one the limit trimmed),
 * not the whole history. Writes are batched: a change waits BATCH_MS for the rest of its burst (a
 * page load's findings), then all go in one write, and there is at most one write a second. A
 * blocked finding does not wait: a user who sees it may quit Firefox at once, and it must be kept.
 * Storage failures never reach the caller: they are reported to Problems, the data stays in memory
 * and is written again with the next flush.
 *
 * `record` runs for every response with findings, so a repeated one (the chain this origin's
 * findings were last logged from, the host's CA chain last seen) costs a few map look-ups and a
 * key comparison in place: no string, summary or array is built.
 */
import type { Storage } from "webextension-polyfill";
import {
  caChainKey,
  CHAIN_CHANGED,
  chainChangedTitle,
  isCaChainKey,
  isChainChange,
  isChainSummary,
  summarizeChain,
  type CertificateSummary,
} from "../src/chainDiff";
import { errorMessage } from "../src/errorMessage";
import { MAX_HISTORY_LIMIT, type HistoryEvent } from "../src/protocol";
import type { ChainCertificate, Finding, Verdict } from "../src/verdict";
import type { Problems } from "./problems";
import { urlParts } from "./tabStore";
import { WriteBehind } from "./writeBehind";

/**
 * Events per stored chunk: a flush writes at most two, about 18 KB each (an event takes about 360
 * bytes). Firefox reads a storage.local key's old value before writing it, and sends old and new
 * to its change listeners, so a write costs about three times its chunk: a page's findings rewrote
 * up to 90 KB with chunks of 250. The index lists at most MAX_HISTORY_LIMIT / CHUNK_SIZE chunks.
 */
export const CHUNK_SIZE = 50;
const CHUNK_PREFIX = "history:";
const META_KEY = "history:meta";
/** Where versions before chunking kept the whole history: migrated on restore. */
const LEGACY_KEY = "history";
/**
 * One key per host ("ca:<host>"), so a change writes one host's chain, not the whole map. The value
 * is the chain's summaries, leaf first; versions before summaries stored the CA chain's key (a
 * string), read as a chain without details until the host is seen again.
 */
const CA_KEY = "ca:";
/**
 * Hosts whose chain is remembered; the least recently seen are forgotten first. A summarised chain
 * takes about 1.5–2 KB as JSON (three certificates, usual names) and at most 7.5 KB (8 certificates,
 * every string at its bound: see src/chainDiff.ts), in storage and in memory: about 4 MB for 2,000
 * hosts, 15 MB at most. (5,000 hosts of fingerprint keys took about 1 MB before summaries.)
 */
export const MAX_HOSTS = 2000;
/**
 * How long a change waits for others to join its write. A history write rewrites a whole chunk
 * (up to CHUNK_SIZE events) in storage.local; what is held back when Firefox quits is lost.
 */
export const BATCH_MS = 1000;
/** What `record` returns when nothing new was logged (frozen: never added to). */
const NOTHING = Object.freeze([]) as unknown as Finding[];

/** A host's chain last seen: the key of its CA part, and its summaries (null: stored by an older version). */
interface RememberedChain {
  key: string;
  chain: CertificateSummary[] | null;
}

/** What a tab's current page load has logged. */
interface PageLog {
  /** `origin|rule|certificate` of every finding logged. */
  keys: Set<string>;
  /** Per origin, the verdict its findings were last logged from. */
  last: Map<string, Verdict>;
}

interface Chunk {
  n: number;
  events: HistoryEvent[];
}

/** The index: which chunks hold the history, oldest first, and the next event id number. */
interface Meta {
  chunks: number[];
  nextId: number;
}

const chunkKey = (n: number) => `${CHUNK_PREFIX}${n}`;
const SEVERITIES: unknown[] = ["notice", "warning", "blocked"];
const TEXT_FIELDS = ["id", "pageUrl", "origin", "ruleId", "title", "subject", "sha256"] as const;

export class History {
  #chunks: Chunk[] = [];
  #count = 0;
  #caChains = new Map<string, RememberedChain>();
  /** Events already recorded for a page load, so a page's 200 subresources log a finding once. */
  readonly #seen = new Map<number, PageLog>();
  #limit: number;
  /** Persisted in the index, so ids stay unique across restarts. */
  #nextId = 0;
  #nextChunk = 0;
  /** Writes the keys marked in its `dirty` set: written if they hold something, else removed. */
  readonly #writer: WriteBehind;
  readonly #dirty: Set<string>;
  readonly #storage: Storage.StorageArea;
  readonly #problems: Problems;

  constructor(storage: Storage.StorageArea, limit: number, problems: Problems) {
    this.#storage = storage;
    this.#limit = Math.min(limit, MAX_HISTORY_LIMIT);
    this.#problems = problems;
    this.#writer = new WriteBehind({
      storage,
      valueOf: (key) => this.#stored(key),
      onSaved: (afterFailure) => void (afterFailure && problems.resolve("history")),
      onFailed: (error) =>
        problems.report("history", `The alert history could not be saved (it is kept until Firefox closes, and saving is retried): ${errorMessage(error)}`),
      batchMs: BATCH_MS,
    });
    this.#dirty = this.#writer.dirty;
  }

  /**
   * Reads the stored history. Never rejects: what cannot be read is dropped (and reported), the
   * rest kept. Keeps up to MAX_HISTORY_LIMIT events whatever the limit given so far, as the limit
   * in force is only known once settings are restored (setLimit applies it).
   */
  async restore(): Promise<void> {
    let stored: Record<string, unknown> = {};
    try {
      stored = await this.#storage.get(null);
    } catch (error) {
      this.#problems.report("history", `The stored alert history could not be read, so it starts empty: ${errorMessage(error)}`, "restore");
    }
    const issues = [...this.#restoreEvents(stored), ...this.#restoreCaChains(stored)];
    if (issues.length) this.#problems.report("history", `Part of the stored alert history could not be read and was dropped: ${issues.join("; ")}.`, "restore");
    this.#writer.enable();
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    this.#limit = Math.min(limit, MAX_HISTORY_LIMIT);
    this.#trim(this.#limit);
    this.#schedule();
  }

  /** Oldest first. */
  events(): HistoryEvent[] {
    return this.#chunks.flatMap((c) => c.events);
  }

  /** A new page load in the tab: its findings may be logged again. */
  resetTab(tabId: number): void {
    this.#seen.delete(tabId);
  }

  /**
   * Returns the findings logged now (not already logged for this page load): what is reported, too.
   * `where` is `url`'s origin and host, when the caller has parsed it already.
   */
  record(tabId: number, pageUrl: string, url: string, verdict: Verdict, time: number, where = urlParts(url)): Finding[] {
    const { origin } = where;
    let page = this.#seen.get(tabId);
    if (!page) this.#seen.set(tabId, (page = { keys: new Set(), last: new Map() }));
    let logged = NOTHING;
    // The verdict this origin's findings were last logged from (the usual response): all of them are logged.
    if (page.last.get(origin) !== verdict) {
      page.last.set(origin, verdict);
      for (const f of verdict.findings) {
        // A finding may name a certificate the chain does not hold (one that failed analysis): the event is kept without it.
        const cert = f.certIndex === null ? undefined : (verdict.chain[f.certIndex] as ChainCertificate | undefined);
        const key = `${origin}|${f.ruleId}|${cert?.sha256 ?? ""}`;
        if (page.keys.has(key)) continue;
        page.keys.add(key);
        if (logged === NOTHING) logged = [];
        logged.push(f);
        this.#push({ time, level: f.severity, pageUrl, origin, ruleId: f.ruleId, title: f.title, subject: cert?.subject ?? "", sha256: cert?.sha256 ?? "" });
      }
    }
    this.checkChain(pageUrl, url, verdict, time, where);
    return logged;
  }

  clear(): void {
    for (const c of this.#chunks) this.#dirty.add(chunkKey(c.n));
    this.#dirty.add(META_KEY);
    this.#chunks = [];
    this.#count = 0;
    this.#schedule();
  }

  /** Writes what changed. Never rejects: a failure is reported and retried. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #restoreEvents(stored: Record<string, unknown>): string[] {
    const issues: string[] = [];
    // Recorded before restore finished: newer than the stored ones, and numbered again after them.
    const early = this.events().map(withoutId);
    this.#chunks = [];
    this.#count = 0;
    for (const key of this.#dirty) if (!key.startsWith(CA_KEY)) this.#dirty.delete(key);
    const found = Object.keys(stored).flatMap((k) => (/^history:\d+$/.test(k) ? [Number(k.slice(CHUNK_PREFIX.length))] : []));
    // Chunks the index does not list (a removal that failed) are removed; listed ones stay unless rewritten.
    for (const n of found) this.#dirty.add(chunkKey(n));
    if (LEGACY_KEY in stored) this.#dirty.add(LEGACY_KEY);

    const readChunk = (n: number) => validEvents(stored[chunkKey(n)], chunkKey(n), issues);
    const meta = stored[META_KEY];
    if (isMeta(meta)) {
      for (const n of meta.chunks) {
        const events = readChunk(n);
        if (events.length && events.length === (stored[chunkKey(n)] as unknown[]).length) this.#dirty.delete(chunkKey(n));
        else this.#dirty.add(META_KEY);
        if (events.length) this.#chunks.push({ n, events });
        this.#count += events.length;
      }
      this.#nextId = meta.nextId;
      this.#nextChunk = Math.max(-1, ...meta.chunks) + 1;
    } else {
      if (meta !== undefined) issues.push(`the index "${META_KEY}" is not readable`);
      // The single key of older versions (or chunks whose index is lost): stored again as chunks,
      // with new ids, as older versions could repeat ids across restarts.
      const legacy = LEGACY_KEY in stored ? validEvents(stored[LEGACY_KEY], LEGACY_KEY, issues) : [];
      const chunked = found.sort((a, b) => a - b).flatMap(readChunk);
      this.#nextId = 0;
      this.#nextChunk = 0;
      for (const event of [...legacy, ...chunked]) this.#append(withoutId(event));
    }
    for (const event of early) this.#append(event);
    this.#trim(MAX_HISTORY_LIMIT);
    return issues;
  }

  #restoreCaChains(stored: Record<string, unknown>): string[] {
    let unreadable = 0;
    const caChains: [string, RememberedChain][] = [];
    for (const [key, value] of Object.entries(stored)) {
      if (!key.startsWith(CA_KEY)) continue;
      if (typeof value === "string") caChains.push([key.slice(CA_KEY.length), { key: value, chain: null }]);
      else if (isChainSummary(value)) caChains.push([key.slice(CA_KEY.length), { key: caChainKey(value), chain: value }]);
      else {
        unreadable++;
        this.#dirty.add(key);
      }
    }
    // Chains seen before restore finished are newer than the stored ones.
    this.#caChains = new Map([...caChains, ...this.#caChains]);
    return unreadable ? [`${unreadable} remembered CA chain(s) of the wrong shape`] : [];
  }

  /**
   * Logs "chain-changed" when a host presents another CA chain than last time. Runs for every
   * response (with findings or not: a clean site's chain changing is news too), so the usual case
   * (the chain last seen) is a key comparison in place; the key and summaries are built only when
   * something is to be remembered. `where` is `url`'s origin and host, when the caller has them.
   */
  checkChain(pageUrl: string, url: string, verdict: Verdict, time: number, { origin, host } = urlParts(url)): void {
    const { chain } = verdict;
    if (!host || chain.length < 2) return;
    const previous = this.#caChains.get(host);
    // Most recently seen last: the first entry is the one to forget.
    this.#caChains.delete(host);
    if (previous && isCaChainKey(previous.key, chain)) {
      this.#caChains.set(host, previous);
      // A new leaf under the same CA chain is remembered only when it lasts longer (a renewal), so two
      // leaves served side by side do not rewrite storage on every connection; a chain stored by an
      // older version gets its details now.
      const leaf = previous.chain?.[0];
      if (leaf && (leaf.sha256 === chain[0].sha256 || leaf.validity.end >= chain[0].validity.end)) return;
      previous.chain = summarizeChain(chain);
      this.#dirty.add(CA_KEY + host);
      this.#schedule();
      return;
    }
    const after = summarizeChain(chain);
    this.#caChains.set(host, { key: caChainKey(chain), chain: after });
    this.#dirty.add(CA_KEY + host);
    if (this.#caChains.size > MAX_HOSTS) {
      const oldest = this.#caChains.keys().next().value as string;
      this.#caChains.delete(oldest);
      this.#dirty.add(CA_KEY + oldest);
    }
    this.#schedule();
    if (previous !== undefined) {
      this.#push({
        time,
        level: "notice",
        pageUrl,
        origin,
        ruleId: CHAIN_CHANGED,
        title: chainChangedTitle(host, after),
        subject: after[1].subject,
        sha256: after[1].sha256,
        change: { before: previous.chain, after },
      });
    }
  }

  #push(event: Omit<HistoryEvent, "id">): void {
    this.#append(event);
    this.#trim(this.#limit);
    if (event.level === "blocked") this.#writer.urgent();
    else this.#schedule();
  }

  #append(event: Omit<HistoryEvent, "id">): void {
    let last = this.#chunks.at(-1);
    if (!last || last.events.length >= CHUNK_SIZE) {
      last = { n: this.#nextChunk++, events: [] };
      this.#chunks.push(last);
    }
    last.events.push({ id: `${event.time}-${this.#nextId++}`, ...event });
    this.#count++;
    this.#dirty.add(chunkKey(last.n));
    this.#dirty.add(META_KEY);
  }

  /** Drops the oldest events beyond `limit`; a chunk left empty is removed from storage. */
  #trim(limit: number): void {
    while (this.#count > limit) {
      const first = this.#chunks[0];
      const drop = Math.min(this.#count - limit, first.events.length);
      first.events.splice(0, drop);
      this.#count -= drop;
      this.#dirty.add(chunkKey(first.n));
      this.#dirty.add(META_KEY);
      if (first.events.length === 0) this.#chunks.shift();
    }
  }

  #schedule(): void {
    this.#writer.schedule();
  }

  /** What storage should hold under `key` (undefined: nothing). */
  #stored(key: string): unknown {
    if (key === META_KEY) return { chunks: this.#chunks.map((c) => c.n), nextId: this.#nextId } satisfies Meta;
    if (key.startsWith(CA_KEY)) {
      const remembered = this.#caChains.get(key.slice(CA_KEY.length));
      return remembered && (remembered.chain ?? remembered.key);
    }
    return this.#chunks.find((c) => chunkKey(c.n) === key)?.events;
  }
}

function withoutId({ id: _id, ...event }: HistoryEvent): Omit<HistoryEvent, "id"> {
  return event;
}

function isMeta(value: unknown): value is Meta {
  const meta = value as Partial<Meta> | null;
  return (
    typeof meta === "object" &&
    meta !== null &&
    Number.isSafeInteger(meta.nextId) &&
    (meta.nextId as number) >= 0 &&
    Array.isArray(meta.chunks) &&
    meta.chunks.every((n) => Number.isSafeInteger(n) && n >= 0)
  );
}

/** The well-shaped events of a stored list; what is wrong with the rest goes to `issues`. */
function validEvents(value: unknown, key: string, issues: string[]): HistoryEvent[] {
  if (value === undefined) {
    issues.push(`"${key}" is missing`);
    return [];
  }
  if (!Array.isArray(value)) {
    issues.push(`"${key}" is not a list of events`);
    return [];
  }
  const events = value.filter(isEvent);
  if (events.length < value.length) issues.push(`${value.length - events.length} event(s) in "${key}" of the wrong shape`);
  return events;
}

function isEvent(value: unknown): value is HistoryEvent {
  const e = value as Record<string, unknown> | null;
  return (
    typeof e === "object" &&
    e !== null &&
    Number.isFinite(e.time) &&
    SEVERITIES.includes(e.level) &&
    TEXT_FIELDS.every((k) => typeof e[k] === "string") &&
    (e.change === undefined || isChainChange(e.change))
  );
}
