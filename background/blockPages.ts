/**
 * The details behind each block page. The page's address carries a short random id only: a request
 * URL (chosen by whoever links to the page, any length) in the address once let a long enough URL
 * make the redirect fail, and Firefox then let the blocked response through. Details live here, in
 * memory and in storage.session (so a restarted background still answers), bounded in number and
 * with every text field cut to a bounded length.
 */
import type { Storage } from "webextension-polyfill";
import { errorMessage } from "../src/errorMessage";
import type { BlockedCertificate, BlockedPageInfo } from "../src/protocol";
import type { Problems } from "./problems";

const KEY = "blocked:";
/** Block pages remembered; an older one shows its generic text ("opened without details"). */
const MAX_PAGES = 200;
const MAX_URL = 2048;
const MAX_TEXT = 1024;

/** `text` cut to `max` characters, marked as cut. */
export function bounded(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function boundedCertificate(c: BlockedCertificate | null): BlockedCertificate | null {
  if (!c) return null;
  return {
    ...c,
    subject: bounded(c.subject),
    sha256: bounded(c.sha256, 128),
    label: bounded(c.label),
    keyLabel: bounded(c.keyLabel),
    incident: bounded(c.incident),
    reference: bounded(c.reference, MAX_URL),
  };
}

export class BlockPages {
  readonly #pages = new Map<string, BlockedPageInfo>();
  readonly #storage: Storage.StorageArea;
  readonly #problems: Problems;

  constructor(storage: Storage.StorageArea, problems: Problems) {
    this.#storage = storage;
    this.#problems = problems;
  }

  /** Loads the pages an earlier background kept, newest MAX_PAGES only. Never rejects. */
  async restore(): Promise<void> {
    try {
      const all = await this.#storage.get(null);
      const stored = Object.entries(all).filter(([k]) => k.startsWith(KEY));
      const pages = stored
        .map(([, v]) => v)
        .filter(isPage)
        .sort((a, b) => a.time - b.time);
      const kept = new Set(pages.slice(-MAX_PAGES).map((p) => p.id));
      for (const page of pages) if (kept.has(page.id) && !this.#pages.has(page.id)) this.#pages.set(page.id, page);
      const stale = stored.map(([k]) => k).filter((k) => !kept.has(k.slice(KEY.length)));
      if (stale.length) await this.#storage.remove(stale);
    } catch (error) {
      this.#problems.report("capture", `earlier block pages could not be restored: ${errorMessage(error)}`, "restore");
    }
  }

  /** Keeps the details and returns the page's id. Synchronous: the blocking listener needs the id now. */
  add(details: Omit<BlockedPageInfo, "id">): string {
    const id = crypto.randomUUID();
    const page: BlockedPageInfo = {
      ...details,
      id,
      url: bounded(details.url, MAX_URL),
      origin: bounded(details.origin, 300),
      certificate: boundedCertificate(details.certificate),
      reason: details.reason === null ? null : bounded(details.reason),
    };
    this.#pages.set(id, page);
    const removals: string[] = [];
    while (this.#pages.size > MAX_PAGES) {
      const oldest = this.#pages.keys().next().value as string;
      this.#pages.delete(oldest);
      removals.push(KEY + oldest);
    }
    void this.#persist(page, removals);
    return id;
  }

  async get(id: string): Promise<BlockedPageInfo | null> {
    if (typeof id !== "string" || id.length > 64) return null;
    const known = this.#pages.get(id);
    if (known) return known;
    try {
      const stored = (await this.#storage.get(KEY + id))[KEY + id];
      return isPage(stored) && stored.id === id ? stored : null;
    } catch (error) {
      this.#problems.report("capture", `a block page's details could not be read: ${errorMessage(error)}`);
      return null;
    }
  }

  async #persist(page: BlockedPageInfo, removals: string[]): Promise<void> {
    try {
      await this.#storage.set({ [KEY + page.id]: page });
      if (removals.length) await this.#storage.remove(removals);
    } catch (error) {
      // The page still gets its details from memory while this background runs.
      this.#problems.report("capture", `a block page's details could not be saved: ${errorMessage(error)}`);
    }
  }
}

function isPage(value: unknown): value is BlockedPageInfo {
  const v = value as BlockedPageInfo | null;
  return (
    typeof v === "object" && v !== null && typeof v.id === "string" && typeof v.kind === "string" && typeof v.url === "string" && typeof v.time === "number"
  );
}
