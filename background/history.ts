/**
 * The alert history: every notice, warning and blocked finding (time, page, origin, rule,
 * certificate), persisted in storage.local across browser restarts and bounded (oldest dropped
 * first). Per host it also remembers the CA part of the chain (intermediates and root) and records
 * "chain-changed" when it changes: Certificate Patrol's idea, at CA level so that routine leaf
 * renewals are not noise.
 */
import type { Storage } from "webextension-polyfill";
import type { HistoryEvent } from "../src/protocol";
import type { Verdict } from "../src/verdict";
import { originOf } from "./tabStore";

const EVENTS_KEY = "history";
/** One key per host ("ca:<host>"), so a change writes a few bytes, not the whole map. */
const CA_KEY = "ca:";
/** Hosts whose CA chain is remembered; the least recently seen are forgotten first. */
const MAX_HOSTS = 5000;
/**
 * At most one write per this interval. The first change after a quiet spell is written at once
 * (after the current task, so one verdict's findings go together): a change still held back when
 * Firefox quits is lost, and quitting within a second of a blocked page is not rare.
 */
const FLUSH_INTERVAL_MS = 1000;

export class History {
  #events: HistoryEvent[] = [];
  #caChains = new Map<string, string>();
  /** Events already recorded for a page load, so a page's 200 subresources log a finding once. */
  readonly #seen = new Map<number, Set<string>>();
  #limit: number;
  #nextId = 0;
  #eventsChanged = false;
  readonly #caWrites = new Map<string, string>();
  readonly #caRemovals = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastFlush = -Infinity;
  readonly #storage: Storage.StorageArea;

  constructor(storage: Storage.StorageArea, limit: number) {
    this.#storage = storage;
    this.#limit = limit;
  }

  async restore(): Promise<void> {
    const stored = await this.#storage.get(null);
    const events = Array.isArray(stored[EVENTS_KEY]) ? (stored[EVENTS_KEY] as HistoryEvent[]) : [];
    // Events recorded before restore finished are newer than the stored ones.
    this.#events = [...events, ...this.#events].slice(-this.#limit);
    const caChains = Object.entries(stored).filter(([k]) => k.startsWith(CA_KEY)).map(([k, v]) => [k.slice(CA_KEY.length), v as string] as const);
    this.#caChains = new Map([...caChains, ...this.#caChains]);
    this.#nextId = this.#events.length;
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    this.#limit = limit;
    if (this.#events.length > limit) {
      this.#events = this.#events.slice(-limit);
      this.#eventsChanged = true;
      this.#schedule();
    }
  }

  events(): HistoryEvent[] {
    return this.#events;
  }

  /** A new page load in the tab: its findings may be logged again. */
  resetTab(tabId: number): void {
    this.#seen.delete(tabId);
  }

  record(tabId: number, pageUrl: string, url: string, verdict: Verdict, time: number): void {
    const origin = originOf(url);
    const seen = this.#seen.get(tabId) ?? new Set<string>();
    this.#seen.set(tabId, seen);
    for (const f of verdict.findings) {
      const cert = f.certIndex === null ? undefined : verdict.chain[f.certIndex];
      const key = `${origin}|${f.ruleId}|${cert?.sha256 ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.#push({ time, level: f.severity, pageUrl, origin, ruleId: f.ruleId, title: f.title, subject: cert?.subject ?? "", sha256: cert?.sha256 ?? "" });
    }
    this.#checkCaChain(pageUrl, url, verdict, time);
  }

  clear(): void {
    this.#events = [];
    this.#eventsChanged = true;
    this.#schedule();
  }

  #checkCaChain(pageUrl: string, url: string, verdict: Verdict, time: number): void {
    const host = safeHost(url);
    const ca = verdict.chain.slice(1);
    if (!host || ca.length === 0) return;
    const key = ca.map((c) => c.sha256).join("|");
    const previous = this.#caChains.get(host);
    this.#caChains.delete(host);
    this.#caChains.set(host, key);
    if (previous === key) return;
    this.#caWrites.set(host, key);
    if (this.#caChains.size > MAX_HOSTS) {
      const oldest = this.#caChains.keys().next().value as string;
      this.#caChains.delete(oldest);
      this.#caRemovals.add(oldest);
    }
    this.#schedule();
    if (previous !== undefined) {
      const issuer = ca[0];
      this.#push({
        time, level: "notice", pageUrl, origin: originOf(url), ruleId: "chain-changed",
        title: `The CA chain for ${host} changed: now issued by ${issuer.subject}`,
        subject: issuer.subject, sha256: issuer.sha256,
      });
    }
  }

  #push(event: Omit<HistoryEvent, "id">): void {
    this.#events.push({ id: `${event.time}-${this.#nextId++}`, ...event });
    if (this.#events.length > this.#limit) this.#events.splice(0, this.#events.length - this.#limit);
    this.#eventsChanged = true;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => void this.flush(), Math.max(0, this.#lastFlush + FLUSH_INTERVAL_MS - Date.now()));
  }

  async flush(): Promise<void> {
    this.#timer = null;
    this.#lastFlush = Date.now();
    const writes: Record<string, unknown> = Object.fromEntries([...this.#caWrites].map(([host, key]) => [CA_KEY + host, key]));
    if (this.#eventsChanged) writes[EVENTS_KEY] = this.#events;
    const removals = [...this.#caRemovals].map((host) => CA_KEY + host);
    this.#caWrites.clear();
    this.#caRemovals.clear();
    this.#eventsChanged = false;
    if (Object.keys(writes).length) await this.#storage.set(writes);
    if (removals.length) await this.#storage.remove(removals);
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}
