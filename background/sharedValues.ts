/**
 * Values the tab states share (a certificate's bytes, a chain's verdict), each written to
 * storage.session once, under `prefix + id`, however many tabs and records show it. A value is held
 * while a record shows it and for a grace period after the last one goes, so the next page of a
 * site, or a tab opened again on it, writes nothing again; then it is forgotten and its key removed.
 * At most `maxReleased` values wait out their grace period (the oldest go first), so a page that
 * keeps bringing new chains cannot make this grow with its pace. Optionally within a byte budget:
 * the least recently written values are dropped first.
 */
export class SharedValues<T> {
  /** Values by id, with how many records show them (a value may be unknown: null). */
  readonly #held = new Map<string, { value: T | null; refs: number }>();
  /** Ids no record shows any more, with when the last went: oldest first. */
  readonly #released = new Map<string, number>();
  /** Ids whose values storage.session lacks. */
  readonly #pending = new Set<string>();
  /** Ids in storage.session, with their values' sizes: least recently written first. */
  readonly #stored = new Map<string, number>();
  #bytes = 0;
  readonly #prefix: string;
  readonly #size: (value: T) => number;
  readonly #budget: number;
  readonly #maxReleased: number;

  constructor(prefix: string, size: (value: T) => number, { budget = Infinity, maxReleased }: { budget?: number; maxReleased: number }) {
    this.#prefix = prefix;
    this.#size = size;
    this.#budget = budget;
    this.#maxReleased = maxReleased;
  }

  /** One more record shows `id` (`value`, if the caller has it); returns whether its value is held. */
  retain(id: string, value: T | null): boolean {
    let held = this.#held.get(id);
    if (!held) this.#held.set(id, (held = { value: null, refs: 0 }));
    if (held.refs++ === 0) this.#released.delete(id);
    if (held.value === null && value !== null) {
      held.value = value;
      if (!this.#stored.has(id)) this.#pending.add(id);
    }
    return held.value !== null;
  }

  /** A record showing `id` is gone: if it was the last, the grace period starts `now`. */
  release(id: string, now: number): void {
    const held = this.#held.get(id);
    if (held && --held.refs === 0) this.#released.set(id, now);
  }

  get(id: string): T | null {
    return this.#held.get(id)?.value ?? null;
  }

  /** The key storage.session keeps `id` under. */
  #key(id: string): string {
    return this.#prefix + id;
  }

  /** The id of a storage key under this prefix, or null. */
  idOf(key: string): string | null {
    return key.startsWith(this.#prefix) ? key.slice(this.#prefix.length) : null;
  }

  get hasPending(): boolean {
    return this.#pending.size > 0;
  }

  /** A value found in storage.session at restore: kept as stored if a record shows it (returns false if it is stale). */
  stored(id: string, value: T): boolean {
    if (!this.#held.get(id)?.value) return false;
    if (!this.#stored.has(id)) this.#note(id, this.#size(value));
    this.#pending.delete(id);
    return true;
  }

  /** Adds the values storage.session lacks to `writes`; returns their ids, for `unwritten` if the write fails. */
  collect(writes: Record<string, unknown>): string[] {
    const ids = [...this.#pending];
    this.#pending.clear();
    for (const id of ids) {
      const value = this.#held.get(id)?.value;
      if (!value) continue;
      writes[this.#key(id)] = value;
      this.#note(id, this.#size(value));
    }
    return ids;
  }

  /** A write of these ids failed: written again with the next one. */
  unwritten(ids: string[]): void {
    for (const id of ids) {
      this.#forget(id);
      if (this.#held.get(id)?.value) this.#pending.add(id);
    }
  }

  /**
   * Values no record has shown since `before`, and the oldest beyond `maxReleased` of those no record
   * shows, are forgotten and their keys removed; then values beyond the budget, least recently
   * written first, are removed (or, if in `writes`, not written).
   */
  sweep(before: number, writes: Record<string, unknown>, removals: Set<string>): void {
    for (const [id, since] of this.#released) {
      if (since > before && this.#released.size <= this.#maxReleased) break;
      this.#released.delete(id);
      this.#held.delete(id);
      this.#pending.delete(id);
      const key = this.#key(id);
      delete writes[key]; // collected for this very write after a failed one: not written after all
      if (this.#forget(id)) removals.add(key);
    }
    for (const id of this.#stored.keys()) {
      if (this.#bytes <= this.#budget) break;
      this.#forget(id);
      const key = this.#key(id);
      if (key in writes) delete writes[key];
      else removals.add(key);
    }
  }

  #note(id: string, size: number): void {
    this.#forget(id);
    this.#stored.set(id, size);
    this.#bytes += size;
  }

  #forget(id: string): boolean {
    const size = this.#stored.get(id);
    if (size === undefined) return false;
    this.#stored.delete(id);
    this.#bytes -= size;
    return true;
  }
}
