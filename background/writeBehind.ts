/**
 * Write-behind for a store kept in memory and mirrored to storage under several keys (the alert
 * history's chunks, the reporting queue's chunks): the owner marks the keys whose stored value
 * differs from memory, and they are written together at most once per interval, so a burst of
 * changes costs a few writes, not one each. A key whose value is undefined is removed. A failed
 * write keeps its keys marked and is retried after a doubling wait; the owner reports it.
 */
import type { Storage } from "webextension-polyfill";

export interface WriteBehindOptions {
  storage: Pick<Storage.StorageArea, "set" | "remove">;
  /** The value to store under `key` now; undefined removes the key. */
  valueOf: (key: string) => unknown;
  onSaved: (afterFailure: boolean) => void;
  onFailed: (error: unknown) => void;
  now?: () => number;
  /**
   * At most one write per this interval. The first change after a quiet spell is written at once
   * (after the current task, so one event's changes go together), unless `batchMs` says otherwise:
   * a change still held back when Firefox quits is lost.
   */
  intervalMs?: number;
  /**
   * How long a change waits for others to join its write (default 0: the first change after a
   * quiet spell is written once the current task ends). A burst of changes spread over several
   * tasks, such as a page load's responses, goes in one write when it lasts less than this.
   */
  batchMs?: number;
  /** A failed write is retried after twice the previous wait, up to this: storage may stay broken. */
  maxRetryMs?: number;
}

export class WriteBehind {
  /** Storage keys whose stored value differs from memory. */
  readonly dirty = new Set<string>();
  /** Off until the owner restored its state: writing a partial index would drop what is stored. */
  #enabled = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending timer fires. */
  #timerAt = 0;
  #last = -Infinity;
  /** Writes run one after another, so a slow failed write cannot land after a newer one. */
  #flushing: Promise<void> = Promise.resolve();
  #failures = 0;
  readonly #options: Required<WriteBehindOptions>;

  constructor(options: WriteBehindOptions) {
    this.#options = { now: Date.now, intervalMs: 1000, batchMs: 0, maxRetryMs: 60_000, ...options };
  }

  mark(...keys: string[]): void {
    for (const key of keys) this.dirty.add(key);
    this.schedule();
  }

  /** The owner's state is restored: writes may start. */
  enable(): void {
    this.#enabled = true;
    this.schedule();
  }

  schedule(delay = Math.max(this.#options.batchMs, this.#last + this.#options.intervalMs - this.#options.now())): void {
    if (this.dirty.size === 0 || !this.#enabled || this.#timer !== null) return;
    this.#timerAt = this.#options.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, delay);
  }

  /**
   * What is marked must not wait for a batch (it must survive Firefox quitting right away): it is
   * written as soon as the interval allows, after the current task. Not during a failure's backoff.
   */
  urgent(): void {
    const delay = Math.max(0, this.#last + this.#options.intervalMs - this.#options.now());
    if (this.#timer !== null && (this.#failures > 0 || this.#timerAt <= this.#options.now() + delay)) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.schedule(delay);
  }

  /** Writes what changed. Never rejects. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    if (!this.#enabled || this.dirty.size === 0) return;
    const { storage, valueOf, now } = this.#options;
    this.#last = now();
    const keys = [...this.dirty];
    this.dirty.clear();
    try {
      const writes: Record<string, unknown> = {};
      const removals: string[] = [];
      for (const key of keys) {
        const value = valueOf(key);
        if (value === undefined) removals.push(key);
        else writes[key] = value;
      }
      // An index is written with what it lists, before removals: a removal that fails leaves only unlisted keys.
      if (Object.keys(writes).length) await storage.set(writes);
      if (removals.length) await storage.remove(removals);
      this.#options.onSaved(this.#failures > 0);
      this.#failures = 0;
    } catch (error) {
      for (const key of keys) this.dirty.add(key);
      this.#failures++;
      this.#options.onFailed(error);
      this.schedule(Math.min(this.#options.maxRetryMs, this.#options.intervalMs * 2 ** this.#failures));
    }
  }
}
