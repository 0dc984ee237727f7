/**
 * Fleet reporting's delivery queue: findings wait in storage.local (they survive a suspended event
 * page and a browser restart) until the organisation's collector acknowledged them. At least once:
 * an event leaves the queue only after a 2xx for its batch, so a restart mid-send may send it again
 * (its id lets the collector drop the duplicate).
 *
 * Bounded by count and bytes: when full, the oldest are dropped and counted, and the next delivery
 * starts with one "dropped N events" event. One delivery at a time; a failure is retried with
 * exponential backoff and full jitter (so a fleet whose collector comes back does not return all at
 * once), or after the collector's Retry-After; a batch the collector refuses (other 4xx) is set
 * aside and the rest goes on. A setTimeout delivers while the background lives, an alarm wakes a
 * suspended one. Nothing here runs in the blocking listener: events arrive after it returned.
 *
 * Stored in chunks ("reporting:queue:<n>", listed by "reporting:meta") written behind on a short
 * timer, so a burst of thousands of findings costs a few writes, not one full rewrite each.
 */
import type { Storage } from "webextension-polyfill";
import { errorMessage } from "../src/errorMessage";
import type { ReportingStatus } from "../src/protocol";
import { serializeBatch } from "../src/reporting/formats";
import type { ReportEvent, ReportingConfig } from "../src/reporting/model";
import type { Problems } from "./problems";
import type { AlarmsApi } from "./quarantine";
import { WriteBehind } from "./writeBehind";

export const REPORTING_ALARM = "reporting-delivery";
export const MAX_QUEUED_EVENTS = 10_000;
/** Of JSON (UTF-16 code units, close to bytes for this mostly-ASCII data). */
export const MAX_QUEUED_BYTES = 5_000_000;
/** Events the collector refused, kept aside (within the bounds above) to be tried again once. */
export const MAX_SET_ASIDE = 1_000;
export const CHUNK_SIZE = 200;
export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_CAP_MS = 15 * 60_000;
/** How much later than Retry-After a browser returns, at most: a quarter of the wait, up to 15 s. */
export function retryAfterSpreadMs(waitMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(waitMs / 4, 15_000));
}
/** A collector asking for more than this is asked again sooner: a typo must not silence a fleet for days. */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;
/** Full jitter may draw almost 0: a floor keeps a failing browser from retrying at once. */
const MIN_RETRY_MS = 1_000;
/** The first delivery after a quiet spell waits this long, so a page's findings go in one request. */
export const SETTLE_MS = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;

const META_KEY = "reporting:meta";
const CHUNK_PREFIX = "reporting:queue:";
const ASIDE_KEY = "reporting:rejected";
const chunkKey = (n: number) => `${CHUNK_PREFIX}${n}`;
/**
 * Chunk numbers are reused (the smallest free), so they stay below this and restore can look for
 * chunks an index no longer lists (a removal that failed) without reading all of storage.local.
 */
const CHUNK_SLOTS = 2 * Math.ceil(MAX_QUEUED_EVENTS / CHUNK_SIZE);

export interface ReporterDeps {
  storage: Pick<Storage.StorageArea, "get" | "set" | "remove">;
  fetch: typeof fetch;
  alarms: AlarmsApi;
  problems: Pick<Problems, "report" | "resolve">;
  now?: () => number;
  random?: () => number;
  /** Makes the "dropped N events" event when one is due (src/reporting/events.ts's droppedEvent, with the background's context). */
  dropped: (count: number, time: number, config: ReportingConfig) => ReportEvent;
}

interface Meta {
  chunks: number[];
  /** Dropped since reporting was turned on. */
  dropped: number;
  /** Dropped and not yet told to the collector. */
  unreported: number;
  /** The "dropped N events" event being delivered: kept with its id, so a resend is a duplicate by id. */
  notice: ReportEvent | null;
  lastSuccess: number | null;
  lastError: { time: number; message: string } | null;
  failures: number;
  nextAttempt: number | null;
}

type Outcome = { kind: "delivered" } | { kind: "retry"; error: string; afterMs?: number } | { kind: "rejected"; error: string };

interface Chunk {
  n: number;
  events: ReportEvent[];
}

export class Reporter {
  readonly #deps: Required<ReporterDeps>;
  readonly #writer: WriteBehind;
  /** undefined until the policy is known; null when it does not set reporting. */
  #config: ReportingConfig | null | undefined;
  #restored = false;
  #chunks: Chunk[] = [];
  /** Events queued (not those set aside). */
  #count = 0;
  /** JSON size of the queued and the set-aside events: the bytes bound covers both. */
  #bytes = 0;
  readonly #sizes = new WeakMap<ReportEvent, number>();
  #aside: ReportEvent[] = [];
  #meta: Omit<Meta, "chunks"> = emptyMeta();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #delivering: Promise<void> | null = null;

  constructor(deps: ReporterDeps) {
    this.#deps = { now: Date.now, random: Math.random, ...deps };
    this.#writer = new WriteBehind({
      storage: deps.storage,
      now: this.#deps.now,
      valueOf: (key) => this.#stored(key),
      onSaved: (afterFailure) => void (afterFailure && deps.problems.resolve("reporting")),
      onFailed: (error) =>
        deps.problems.report(
          "reporting",
          `The reporting queue could not be saved (it is kept until Firefox closes, and saving is retried): ${errorMessage(error)}`,
        ),
    });
  }

  /** Reads the stored queue. Never rejects: what cannot be read is dropped and reported. */
  async restore(): Promise<void> {
    const issues: string[] = [];
    let stored: Record<string, unknown> = {};
    try {
      stored = await this.#deps.storage.get([META_KEY, ASIDE_KEY]);
      const listed = isMeta(stored[META_KEY]) ? stored[META_KEY].chunks : [];
      const slots = Array.from({ length: CHUNK_SLOTS }, (_, n) => n);
      Object.assign(stored, await this.#deps.storage.get([...new Set([...listed, ...slots])].map(chunkKey)));
    } catch (error) {
      stored = {};
      this.#deps.problems.report("reporting", `The reporting queue could not be read, so it starts empty: ${errorMessage(error)}`, "restore");
    }
    // Queued before restore finished: newer than the stored ones.
    const early = this.#chunks.flatMap((c) => c.events);
    this.#chunks = [];
    this.#count = this.#bytes = 0;
    for (const key of Object.keys(stored)) if (key.startsWith(CHUNK_PREFIX)) this.#writer.dirty.add(key);

    const meta = stored[META_KEY];
    if (isMeta(meta)) {
      const { chunks, ...rest } = meta;
      this.#meta = rest;
      for (const n of chunks) {
        const events = validEvents(stored[chunkKey(n)], chunkKey(n), issues);
        if (events.length === (stored[chunkKey(n)] as unknown[] | undefined)?.length) this.#writer.dirty.delete(chunkKey(n));
        if (events.length) this.#chunks.push({ n, events });
        for (const e of events) this.#account(e, 1, true);
      }
    } else if (meta !== undefined) {
      issues.push(`the index "${META_KEY}" is not readable`);
    }
    this.#writer.dirty.add(META_KEY).add(ASIDE_KEY);
    // Refused events are tried once more per start: the collector or its configuration may have been fixed.
    const aside = ASIDE_KEY in stored ? validEvents(stored[ASIDE_KEY], ASIDE_KEY, issues) : [];
    this.#prepend(aside);
    for (const e of early) this.#append(e);
    if (issues.length)
      this.#deps.problems.report("reporting", `Part of the stored reporting queue could not be read and was dropped: ${issues.join("; ")}.`, "restore");

    this.#restored = true;
    if (this.#config === null) this.#clear();
    this.#trim();
    this.#writer.enable();
    this.#wake();
  }

  /**
   * The policy's `reporting` key (null: not set). When it is no longer set, the organisation turned
   * reporting off: the queue is dropped, not kept for a later policy that may name another collector.
   */
  configure(config: ReportingConfig | null): void {
    const previous = this.#config;
    this.#config = config;
    if (config === null) {
      if (previous !== null) this.#clear();
      return;
    }
    if (previous && destination(previous) !== destination(config)) {
      // Another collector, or new credentials: what the old one refused or failed is tried at once.
      this.#prepend(this.#takeAside());
      this.#meta.failures = 0;
      this.#meta.nextAttempt = null;
      this.#cancelTimer();
    }
    this.#wake();
  }

  /** Queues events for delivery (ignored while reporting is off). */
  enqueue(events: ReportEvent[]): void {
    if (!this.#config || events.length === 0) return;
    for (const e of events) this.#append(e);
    this.#trim();
    this.#wake();
  }

  /** The alarm fired: the background may just have been woken for it. */
  onAlarm(): void {
    // Scheduled again from the stored time: due now, or (a stale alarm) later.
    this.#cancelTimer();
    this.#wake();
  }

  /** Writes what changed. Never rejects. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Resolves when the delivery under way (if any) is over. */
  settled(): Promise<void> {
    return this.#delivering ?? Promise.resolve();
  }

  status(): ReportingStatus | null {
    const config = this.#config;
    if (!config) return null;
    const { dropped, lastSuccess, lastError, nextAttempt, notice } = this.#meta;
    return {
      endpoint: displayEndpoint(config.endpoint),
      format: config.format,
      url: config.url,
      minLevel: config.minLevel,
      includeChain: config.includeChain,
      queued: this.#count + (notice ? 1 : 0),
      dropped,
      rejected: this.#aside.length,
      lastSuccess,
      lastError,
      nextAttempt: this.#count || notice || this.#meta.unreported ? nextAttempt : null,
    };
  }

  /** Schedules a delivery if events wait and none is scheduled or under way. */
  #wake(): void {
    if (!this.#restored || !this.#config || this.#delivering || this.#timer) return;
    if (!this.#pending()) {
      this.#meta.nextAttempt = null;
      this.#clearAlarm();
      return;
    }
    const now = this.#deps.now();
    this.#scheduleAt(this.#meta.nextAttempt ?? Math.max(now + SETTLE_MS, (this.#meta.lastSuccess ?? 0) + this.#config.intervalSeconds * 1000));
  }

  #pending(): boolean {
    return this.#count > 0 || this.#meta.notice !== null || this.#meta.unreported > 0;
  }

  #scheduleAt(when: number): void {
    this.#cancelTimer();
    this.#meta.nextAttempt = when;
    this.#writer.mark(META_KEY);
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#deliver();
      },
      Math.max(0, when - this.#deps.now()),
    );
    try {
      // The timer dies with a suspended event page; the alarm wakes it.
      this.#deps.alarms.create(REPORTING_ALARM, { when });
    } catch (error) {
      this.#deps.problems.report("reporting", `Delivery could not be scheduled for after a suspension: ${errorMessage(error)}`);
    }
  }

  #cancelTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #clearAlarm(): void {
    Promise.resolve()
      .then(() => this.#deps.alarms.clear(REPORTING_ALARM))
      .catch(() => undefined); // a stale alarm only wakes a background with nothing to send
  }

  #deliver(): void {
    if (this.#delivering || !this.#config) return;
    this.#delivering = this.#round().finally(() => {
      this.#delivering = null;
      this.#wake();
    });
  }

  /** Sends batches until the queue is empty or a send fails. */
  async #round(): Promise<void> {
    this.#meta.nextAttempt = null;
    for (let config = this.#config; config && this.#pending(); config = this.#config) {
      const now = this.#deps.now();
      if (!this.#meta.notice && this.#meta.unreported > 0) {
        this.#meta.notice = this.#deps.dropped(this.#meta.unreported, now, config);
        this.#meta.unreported = 0;
      }
      const notice = this.#meta.notice;
      const batch = [...(notice ? [notice] : []), ...this.#head(config.batchSize - (notice ? 1 : 0))];
      const outcome = await this.#send(batch, config);
      // Reporting was turned off meanwhile: the queue is gone, and so is this batch.
      if (!this.#config) return;
      const time = this.#deps.now();
      if (outcome.kind === "retry") {
        this.#meta.failures++;
        this.#meta.lastError = { time, message: outcome.error };
        this.#scheduleAt(time + (outcome.afterMs ?? backoffMs(this.#meta.failures, this.#deps.random)));
        return;
      }
      this.#remove(batch, notice);
      if (outcome.kind === "delivered") {
        this.#meta.failures = 0;
        this.#meta.lastSuccess = time;
      } else {
        this.#meta.lastError = { time, message: outcome.error };
        this.#setAside(batch);
      }
      this.#writer.mark(META_KEY);
    }
  }

  async #send(batch: ReportEvent[], config: ReportingConfig): Promise<Outcome> {
    let request;
    try {
      request = serializeBatch(batch, config);
    } catch (error) {
      return { kind: "rejected", error: `The events could not be put in the ${config.format} format: ${errorMessage(error)}` };
    }
    let response: Response;
    try {
      response = await this.#deps.fetch(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        credentials: "omit",
        cache: "no-store",
        redirect: "error",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      return { kind: "retry", error: `${displayEndpoint(request.url)} could not be reached: ${errorMessage(error)}` };
    }
    if (response.ok) return { kind: "delivered" };
    const status = response.status;
    // The collector's own words, cut short: it is another party's text, shown in the options page.
    const text = (await response.text().catch(() => "")).trim().slice(0, 200);
    const error = `${displayEndpoint(request.url)} answered HTTP ${status}${text ? `: ${text}` : ""}`;
    if (status === 429 || status === 503) {
      const wait = retryAfterMs(response.headers.get("Retry-After"), this.#deps.now());
      if (wait !== null) {
        const honoured = Math.max(MIN_RETRY_MS, Math.min(wait, RETRY_AFTER_CAP_MS));
        // Never sooner than asked; spread a little later, so a fleet told the same wait does not return in one second.
        return { kind: "retry", error, afterMs: honoured + retryAfterSpreadMs(honoured, this.#deps.random) };
      }
    }
    if (status === 408 || status === 429 || status >= 500 || status < 400) return { kind: "retry", error };
    return { kind: "rejected", error };
  }

  /** The oldest `n` queued events. */
  #head(n: number): ReportEvent[] {
    const out: ReportEvent[] = [];
    for (const c of this.#chunks) {
      if (out.length >= n) break;
      out.push(...c.events.slice(0, n - out.length));
    }
    return out;
  }

  /** Takes a sent batch out of the queue (by id: the bound may have dropped some of it meanwhile). */
  #remove(batch: ReportEvent[], notice: ReportEvent | null): void {
    if (notice) this.#meta.notice = null;
    const ids = new Set(batch.map((e) => e.id));
    for (const c of this.#chunks) {
      if (ids.size === 0) break;
      const kept: ReportEvent[] = [];
      for (const e of c.events) {
        if (ids.delete(e.id)) this.#account(e, -1, true);
        else kept.push(e);
      }
      if (kept.length !== c.events.length) {
        c.events = kept;
        this.#writer.mark(chunkKey(c.n));
      }
    }
    this.#chunks = this.#chunks.filter((c) => c.events.length > 0);
    this.#writer.mark(META_KEY);
  }

  #setAside(batch: ReportEvent[]): void {
    for (const e of batch) {
      this.#aside.push(e);
      this.#account(e, 1, false);
    }
    this.#writer.mark(ASIDE_KEY);
    this.#trim();
  }

  #append(event: ReportEvent): void {
    let last = this.#chunks.at(-1);
    if (!last || last.events.length >= CHUNK_SIZE) {
      last = { n: this.#freeChunk(), events: [] };
      this.#chunks.push(last);
    }
    last.events.push(event);
    this.#account(event, 1, true);
    this.#writer.mark(chunkKey(last.n), META_KEY);
  }

  /** Puts older events before the queue (those set aside, tried again). */
  #prepend(events: ReportEvent[]): void {
    for (let i = events.length; i > 0; i -= CHUNK_SIZE) {
      const chunk = { n: this.#freeChunk(), events: events.slice(Math.max(0, i - CHUNK_SIZE), i) };
      this.#chunks.unshift(chunk);
      for (const e of chunk.events) this.#account(e, 1, true);
      this.#writer.mark(chunkKey(chunk.n), META_KEY);
    }
  }

  #freeChunk(): number {
    const used = new Set(this.#chunks.map((c) => c.n));
    let n = 0;
    while (used.has(n)) n++;
    return n;
  }

  /** Adds (1) or removes (-1) an event, queued or set aside, from the counts the bounds apply to. */
  #account(event: ReportEvent, sign: 1 | -1, queued: boolean): void {
    let size = this.#sizes.get(event);
    if (size === undefined) {
      size = JSON.stringify(event).length;
      this.#sizes.set(event, size);
    }
    this.#bytes += sign * size;
    if (queued) this.#count += sign;
  }

  #takeAside(): ReportEvent[] {
    for (const e of this.#aside) this.#account(e, -1, false);
    this.#writer.mark(ASIDE_KEY);
    return this.#aside.splice(0);
  }

  /** Drops the oldest beyond the bounds: refused events first (the least likely to arrive), then the queue's. */
  #trim(): void {
    const over = () => this.#count > MAX_QUEUED_EVENTS || this.#bytes > MAX_QUEUED_BYTES || this.#aside.length > MAX_SET_ASIDE;
    while (over()) {
      const fromAside = this.#aside.length > MAX_SET_ASIDE || (this.#aside.length > 0 && this.#bytes > MAX_QUEUED_BYTES);
      if (fromAside) {
        this.#account(this.#aside.shift()!, -1, false);
        this.#writer.mark(ASIDE_KEY);
      } else {
        const first = this.#chunks[0];
        if (!first) break;
        this.#account(first.events.shift()!, -1, true);
        this.#writer.mark(chunkKey(first.n));
        if (first.events.length === 0) this.#chunks.shift();
      }
      this.#meta.dropped++;
      this.#meta.unreported++;
      this.#writer.mark(META_KEY);
    }
  }

  #clear(): void {
    for (const c of this.#chunks) this.#writer.dirty.add(chunkKey(c.n));
    this.#chunks = [];
    this.#aside = [];
    this.#count = this.#bytes = 0;
    this.#meta = emptyMeta();
    this.#cancelTimer();
    this.#clearAlarm();
    this.#writer.mark(META_KEY, ASIDE_KEY);
  }

  /** What storage should hold under `key` (undefined: nothing). */
  #stored(key: string): unknown {
    if (key === META_KEY) return this.#config === null ? undefined : ({ ...this.#meta, chunks: this.#chunks.map((c) => c.n) } satisfies Meta);
    if (key === ASIDE_KEY) return this.#aside.length ? this.#aside : undefined;
    return this.#chunks.find((c) => chunkKey(c.n) === key)?.events;
  }
}

/** Full jitter: uniformly up to BACKOFF_BASE_MS · 2^(failures−1), capped (failures counts from 1). */
export function backoffMs(failures: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.max(MIN_RETRY_MS, Math.floor(random() * ceiling));
}

/** A Retry-After header's wait: delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  const text = header?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Where events go, as the options page names it: no user name or password a URL might carry. */
function displayEndpoint(url: string): string {
  try {
    const u = new URL(url);
    u.username = u.password = "";
    return u.href;
  } catch {
    return url;
  }
}

/** What tells one collector (and its credentials) from another. */
function destination(c: ReportingConfig): string {
  return JSON.stringify([c.endpoint, c.format, c.token ?? null, Object.entries(c.headers).sort()]);
}

function emptyMeta(): Omit<Meta, "chunks"> {
  return { dropped: 0, unreported: 0, notice: null, lastSuccess: null, lastError: null, failures: 0, nextAttempt: null };
}

const SEVERITIES: unknown[] = ["notice", "warning", "blocked"];
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const timeOrNull = (v: unknown) => v === null || Number.isFinite(v);

function isMeta(value: unknown): value is Meta {
  const m = value as Partial<Meta> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    Array.isArray(m.chunks) &&
    m.chunks.every((n) => count(n) && n < CHUNK_SLOTS) &&
    count(m.dropped) &&
    count(m.unreported) &&
    count(m.failures) &&
    timeOrNull(m.lastSuccess) &&
    timeOrNull(m.nextAttempt) &&
    (m.notice === null || isEvent(m.notice)) &&
    (m.lastError === null || (typeof m.lastError === "object" && Number.isFinite(m.lastError?.time) && typeof m.lastError?.message === "string"))
  );
}

function isEvent(value: unknown): value is ReportEvent {
  const e = value as Record<string, unknown> | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.id === "string" &&
    Number.isFinite(e.time) &&
    (e.kind === "finding" || e.kind === "dropped") &&
    SEVERITIES.includes(e.level) &&
    typeof e.ruleId === "string" &&
    typeof e.title === "string" &&
    typeof e.stopped === "boolean"
  );
}

/** The well-shaped events of a stored list; what is wrong with the rest goes to `issues`. */
function validEvents(value: unknown, key: string, issues: string[]): ReportEvent[] {
  if (!Array.isArray(value)) {
    issues.push(value === undefined ? `"${key}" is missing` : `"${key}" is not a list of events`);
    return [];
  }
  const events = value.filter(isEvent);
  if (events.length < value.length) issues.push(`${value.length - events.length} event(s) in "${key}" of the wrong shape`);
  return events;
}
