/**
 * Signed list feeds in the background: fetches each feed the policy names at browser start-up and
 * on an alarm every intervalMinutes, verifies it (src/feeds/verify.ts) and keeps the last good
 * document of each feed, so that a failure (unreachable server, bad signature, rollback, expiry)
 * never removes what is in force. A new document applies at once: `onChange` tells the background
 * to hand the analyzer the new lists.
 *
 * The last good document is stored as the signed text and verified again against the pinned key
 * when the background starts: a key the policy no longer pins takes its entries with it.
 */
import type { Storage } from "webextension-polyfill";
import { shortHash } from "../src/encoding";
import { errorMessage } from "../src/errorMessage";
import { keyIdentity } from "../src/feeds/keys";
import {
  FEED_TIMEOUT_MS,
  MAX_FEED_BYTES,
  NO_FEED_LISTS,
  type FeedConfig,
  type FeedDocument,
  type FeedError,
  type FeedErrorKind,
  type FeedLists,
  type FeedStatus,
} from "../src/feeds/model";
import type { Problems } from "./problems";

/**
 * The verifier (and jose with it) is loaded when a feed is first verified: most browsers have no
 * feed, and the background is started again on every event-page wake, with requests waiting.
 */
const loadVerifier = () => import("../src/feeds/verify").then((m) => m.verifyFeed);

export const FEED_ALARM_PREFIX = "feed:";
/** storage.local: what the options page shows of each feed, by feed id. */
export const FEED_STATE_KEY = "feeds:state";
/** storage.local: the last good document of a feed, as signed. */
export const feedDocumentKey = (id: string) => `feeds:document:${id}`;
/** storage.session (cleared when the browser restarts): feeds checked in this browser session. */
export const FEED_SESSION_KEY = "feeds:checked-this-session";

export interface FeedAlarmsApi {
  create(name: string, info: { delayInMinutes: number; periodInMinutes: number }): void;
  get(name: string): Promise<{ name: string; scheduledTime: number; periodInMinutes?: number } | undefined>;
  getAll(): Promise<{ name: string }[]>;
  clear(name: string): Promise<boolean>;
}

export interface FeedManagerDeps {
  storage: Pick<Storage.StorageArea, "get" | "set" | "remove">;
  session: Pick<Storage.StorageArea, "get" | "set">;
  fetch: typeof fetch;
  alarms: FeedAlarmsApi;
  problems: Pick<Problems, "report" | "resolve">;
  /** Called when the lists the feeds add have changed. */
  onChange: () => void;
  now?: () => number;
}

interface StoredState {
  url: string;
  lastCheck: number | null;
  lastSuccess: number | null;
  lastError: FeedError | null;
  acceptedAt: number | null;
}

interface Feed extends StoredState {
  id: string;
  config: FeedConfig;
  /** The document in force, its signed payload segment and text, and the entries it left out. */
  document: FeedDocument | null;
  payload: string | null;
  entryErrors: string[];
  nextCheck: number | null;
  checking: Promise<void> | null;
}

/** Why a fetch failed: "unreachable" or "too-large". */
class FetchFailure extends Error {
  constructor(
    readonly kind: Extract<FeedErrorKind, "unreachable" | "too-large">,
    message: string,
  ) {
    super(message);
  }
}

export class FeedManager {
  readonly #deps: FeedManagerDeps;
  readonly #now: () => number;
  #feeds: Feed[] = [];
  #stored: Promise<Record<string, StoredState>> | null = null;
  #checkedThisSession: Promise<Set<string>> | null = null;
  #configured = "";
  #lists: FeedLists = NO_FEED_LISTS;
  /** Which documents were past expiry when the lists were last made: expiry changes the lists. */
  #expiredWhenListed = "";

  constructor(deps: FeedManagerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Applies the policy's feeds: restores the last good document of each (verified again), and
   * starts a check of each feed that is due (not yet checked in this browser session, or not within
   * its interval). Resolves once the stored documents are in force, without waiting for the network.
   */
  async configure(configs: readonly FeedConfig[]): Promise<void> {
    const signature = JSON.stringify(configs);
    if (signature === this.#configured) return;
    this.#configured = signature;
    const stored = await (this.#stored ??= this.#readState());
    const previous = new Map(this.#feeds.map((f) => [f.id, f]));
    const feeds = await Promise.all(configs.map((config) => this.#feedFor(config, previous, stored)));
    if (signature !== this.#configured) return; // a newer configuration arrived meanwhile
    this.#feeds = feeds;
    await this.#forgetOthers(new Set(feeds.map((f) => f.id)));
    this.#publish(true);
    const checked = await (this.#checkedThisSession ??= this.#readSession());
    const now = this.#now();
    for (const feed of feeds) {
      await this.#schedule(feed);
      const interval = feed.config.intervalMinutes * 60_000;
      if (!checked.has(feed.id) || feed.lastCheck === null || now - feed.lastCheck >= interval) void this.#check(feed);
    }
  }

  /** What the feeds add to the lists in force now: every block; allowances only of unexpired documents. */
  lists(): FeedLists {
    return this.#lists;
  }

  status(): FeedStatus[] {
    const now = this.#now();
    return this.#feeds.map((f) => ({
      url: f.config.url,
      label: f.config.label ?? f.document?.label ?? hostOf(f.config.url),
      algorithm: f.config.publicKey.alg,
      intervalMinutes: f.config.intervalMinutes,
      document: f.document && {
        label: f.document.label,
        sequence: f.document.sequence,
        issuedAt: f.document.issuedAt,
        expiresAt: f.document.expiresAt,
        expired: isExpired(f.document, now),
        counts: { blocklist: f.document.blocklist.length, allowlist: f.document.allowlist.length, knownIntermediates: f.document.knownIntermediates.length },
        entryErrors: [...f.entryErrors],
        acceptedAt: f.acceptedAt ?? now,
      },
      lastCheck: f.lastCheck,
      lastSuccess: f.lastSuccess,
      lastError: f.lastError,
      nextCheck: f.nextCheck,
    }));
  }

  /** Checks every feed now (the options page's "Check now"). */
  async checkAll(): Promise<FeedStatus[]> {
    await Promise.all(this.#feeds.map((f) => this.#check(f)));
    return this.status();
  }

  async onAlarm(name: string): Promise<void> {
    const feed = this.#feeds.find((f) => `${FEED_ALARM_PREFIX}${f.id}` === name);
    if (feed) await this.#check(feed);
  }

  async #feedFor(config: FeedConfig, previous: Map<string, Feed>, stored: Record<string, StoredState>): Promise<Feed> {
    const id = shortHash(`${config.url}\n${keyIdentity(config.publicKey)}`);
    const known = previous.get(id);
    if (known) {
      // The same object: a check in flight still lands on it.
      known.config = config;
      return known;
    }
    const state = stored[id];
    const feed: Feed = {
      id,
      config,
      url: config.url,
      lastCheck: state?.lastCheck ?? null,
      lastSuccess: state?.lastSuccess ?? null,
      lastError: state?.lastError ?? null,
      acceptedAt: state?.acceptedAt ?? null,
      document: null,
      payload: null,
      entryErrors: [],
      nextCheck: null,
      checking: null,
    };
    await this.#restoreDocument(feed);
    return feed;
  }

  /** The stored last good document, if it still verifies against the pinned key (expired or not). */
  async #restoreDocument(feed: Feed): Promise<void> {
    let text: unknown;
    try {
      text = (await this.#deps.storage.get(feedDocumentKey(feed.id)))?.[feedDocumentKey(feed.id)];
    } catch (e) {
      this.#deps.problems.report(
        "feeds",
        `the last good document of ${feed.config.url} could not be read (${errorMessage(e)}): its entries apply again after the next successful check`,
        "restore",
      );
      return;
    }
    if (typeof text !== "string") return;
    const verifyFeed = await loadVerifier();
    const result = await verifyFeed(text, feed.config.publicKey, { checkExpiry: false });
    if (result.ok) {
      feed.document = result.document;
      feed.payload = result.payload;
      feed.entryErrors = result.entryErrors;
    } else {
      this.#deps.problems.report("feeds", `the stored document of ${feed.config.url} no longer verifies (${result.message}); it is not applied`, "restore");
    }
  }

  #check(feed: Feed): Promise<void> {
    feed.checking ??= this.#fetchAndVerify(feed).finally(() => {
      feed.checking = null;
    });
    return feed.checking;
  }

  async #fetchAndVerify(feed: Feed): Promise<void> {
    const time = this.#now();
    let error: FeedError | null = null;
    let accepted = false;
    try {
      const text = await this.#fetch(feed.config.url);
      const last = feed.document && feed.payload ? { sequence: feed.document.sequence, payload: feed.payload } : null;
      const verifyFeed = await loadVerifier();
      const result = await verifyFeed(text, feed.config.publicKey, { now: time, last });
      if (!result.ok) error = { kind: result.kind, message: result.message, time };
      else if (result.payload !== feed.payload) {
        feed.document = result.document;
        feed.payload = result.payload;
        feed.entryErrors = result.entryErrors;
        feed.acceptedAt = time;
        accepted = true;
        await this.#keepDocument(feed, text);
      }
    } catch (e) {
      error = e instanceof FetchFailure ? { kind: e.kind, message: e.message, time } : { kind: "unreachable", message: errorMessage(e).slice(0, 300), time };
    }
    if (!this.#feeds.includes(feed)) return; // the policy dropped or replaced it meanwhile
    feed.lastCheck = time;
    feed.lastError = error;
    if (!error) feed.lastSuccess = time;
    feed.nextCheck = time + feed.config.intervalMinutes * 60_000;
    this.#publish(accepted);
    await Promise.all([this.#saveState(), this.#markChecked(feed.id)]);
  }

  /** The feed's text: status 200, at most MAX_FEED_BYTES, within FEED_TIMEOUT_MS; no cookies, no cache. */
  async #fetch(url: string): Promise<string> {
    const signal = AbortSignal.timeout(FEED_TIMEOUT_MS);
    let response: Response;
    try {
      response = await this.#deps.fetch(url, { credentials: "omit", cache: "no-store", signal, headers: { Accept: "application/jose" } });
    } catch (e) {
      throw new FetchFailure(
        "unreachable",
        signal.aborted ? `no answer within ${FEED_TIMEOUT_MS / 1000} seconds` : `the server could not be reached (${errorMessage(e)})`,
      );
    }
    if (response.status !== 200) {
      void response.body?.cancel().catch(() => undefined);
      throw new FetchFailure("unreachable", `the server answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length"));
    const tooLarge = (size: string) =>
      new FetchFailure("too-large", `the document is ${size} bytes, more than the ${MAX_FEED_BYTES.toLocaleString("en")} a feed may have; not read`);
    if (declared > MAX_FEED_BYTES) {
      void response.body?.cancel().catch(() => undefined);
      throw tooLarge(declared.toLocaleString("en"));
    }
    // Read up to the cap whatever the headers claim: a server may send more than it declared.
    const reader = response.body?.getReader();
    if (!reader) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > MAX_FEED_BYTES) {
          void reader.cancel().catch(() => undefined);
          throw tooLarge(`over ${MAX_FEED_BYTES.toLocaleString("en")}`);
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof FetchFailure) throw e;
      throw new FetchFailure(
        "unreachable",
        signal.aborted ? `no complete answer within ${FEED_TIMEOUT_MS / 1000} seconds` : `the answer broke off (${errorMessage(e)})`,
      );
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return new TextDecoder().decode(bytes);
  }

  /**
   * Makes the merged lists and tells the background, when they can have changed: a document was
   * accepted (or the feeds configured), or a document expired since the lists were last made.
   */
  #publish(documentsChanged: boolean): void {
    const now = this.#now();
    const expired = this.#feeds.map((f) => (f.document && isExpired(f.document, now) ? f.id : "")).join(",");
    if (!documentsChanged && expired === this.#expiredWhenListed) return;
    const lists: FeedLists = { blocklist: [], allowlist: [], knownIntermediates: [] };
    for (const { document } of this.#feeds) {
      if (!document) continue;
      lists.blocklist.push(...document.blocklist);
      // An expired document keeps blocking but no longer vouches for anything.
      if (isExpired(document, now)) continue;
      lists.allowlist.push(...document.allowlist);
      lists.knownIntermediates.push(...document.knownIntermediates);
    }
    this.#expiredWhenListed = expired;
    this.#lists = lists;
    this.#deps.onChange();
  }

  /** One alarm per feed, created only when missing or of another period: re-creating would restart its countdown on every wake. */
  async #schedule(feed: Feed): Promise<void> {
    const name = `${FEED_ALARM_PREFIX}${feed.id}`;
    const period = feed.config.intervalMinutes;
    const existing = await this.#deps.alarms.get(name).catch(() => undefined);
    if (existing && existing.periodInMinutes === period) {
      feed.nextCheck = existing.scheduledTime;
      return;
    }
    this.#deps.alarms.create(name, { delayInMinutes: period, periodInMinutes: period });
    feed.nextCheck = this.#now() + period * 60_000;
  }

  /** Drops the alarms and stored documents of feeds the policy no longer names. */
  async #forgetOthers(ids: Set<string>): Promise<void> {
    const alarms = await this.#deps.alarms.getAll().catch(() => []);
    for (const { name } of alarms) {
      if (name.startsWith(FEED_ALARM_PREFIX) && !ids.has(name.slice(FEED_ALARM_PREFIX.length))) await this.#deps.alarms.clear(name).catch(() => false);
    }
    const stored = await (this.#stored ??= this.#readState());
    const gone = Object.keys(stored).filter((id) => !ids.has(id));
    if (!gone.length) return;
    for (const id of gone) delete stored[id];
    await this.#deps.storage.remove(gone.map(feedDocumentKey)).catch(() => undefined);
    await this.#saveState();
  }

  async #readState(): Promise<Record<string, StoredState>> {
    try {
      const raw = (await this.#deps.storage.get(FEED_STATE_KEY))?.[FEED_STATE_KEY];
      return raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, StoredState>) : {};
    } catch (e) {
      this.#deps.problems.report("feeds", `the feeds' last checks could not be read (${errorMessage(e)})`, "restore");
      return {};
    }
  }

  async #saveState(): Promise<void> {
    const stored = await (this.#stored ??= this.#readState());
    for (const f of this.#feeds) {
      stored[f.id] = { url: f.config.url, lastCheck: f.lastCheck, lastSuccess: f.lastSuccess, lastError: f.lastError, acceptedAt: f.acceptedAt };
    }
    try {
      await this.#deps.storage.set({ [FEED_STATE_KEY]: stored });
    } catch (e) {
      this.#deps.problems.report("feeds", `the feeds' last checks could not be saved: ${errorMessage(e)}`);
    }
  }

  async #keepDocument(feed: Feed, text: string): Promise<void> {
    try {
      await this.#deps.storage.set({ [feedDocumentKey(feed.id)]: text });
      this.#deps.problems.resolve("feeds");
    } catch (e) {
      // Applied anyway (it verified); after a restart the previous document applies until the next check.
      this.#deps.problems.report("feeds", `sequence ${feed.document?.sequence} of ${feed.config.url} applies but could not be saved: ${errorMessage(e)}`);
    }
  }

  async #readSession(): Promise<Set<string>> {
    try {
      const ids = (await this.#deps.session.get(FEED_SESSION_KEY))?.[FEED_SESSION_KEY];
      return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : []);
    } catch {
      return new Set(); // unknown: check again, the safe side
    }
  }

  async #markChecked(id: string): Promise<void> {
    const checked = await (this.#checkedThisSession ??= this.#readSession());
    if (checked.has(id)) return;
    checked.add(id);
    await this.#deps.session.set({ [FEED_SESSION_KEY]: [...checked] }).catch(() => undefined);
  }
}

function isExpired(document: FeedDocument, now: number): boolean {
  return Date.parse(document.expiresAt) <= now;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
