/**
 * Stops talking to an origin that presented a blocked chain. The chain is only known once the
 * response headers arrive, after the request (its cookies, Authorization header, body) was sent;
 * every later request to that origin would send its own too. So, for QUARANTINE_MS after a block,
 * the origin's requests are stopped before they leave the browser, by declarativeNetRequest session
 * rules: Firefox applies them itself, without waking the background, and they outlive a suspended
 * background. A document is sent to the block page, anything else cancelled. When the time is up
 * the rules go, and the next request checks the chain again.
 *
 * The first call to the declarativeNetRequest API (even getSessionRules) turns Firefox's rule
 * engine on for every request in the browser until the extension stops (ExtensionDNR.sys.mjs:
 * getRuleManager), which a page load pays for measurably. So the API is left alone until a rule
 * may exist: one this background added, or one an earlier background's stored stops name. A stop
 * is stored before its rules are added, so no rule exists that the stored stops do not announce.
 *
 * State (origin → rule ids, end, block page) is mirrored to storage.session; an alarm wakes the
 * background to lift expired rules. Bounded: at most MAX_ORIGINS origins, the oldest lifted first.
 */
import type { Storage } from "webextension-polyfill";
import { errorMessage } from "../src/errorMessage";
import type { SecurityInfo } from "../src/securityInfo";
import type { Verdict } from "../src/verdict";
import type { Problems } from "./problems";

export const QUARANTINE_MS = 10 * 60_000;
const MAX_ORIGINS = 500;
const STORAGE_KEY = "quarantine";
export const QUARANTINE_ALARM = "quarantine-expiry";

/** The part of declarativeNetRequest used here (Firefox 113+, MV3). */
export interface SessionRulesApi {
  updateSessionRules(options: { addRules?: DnrRule[]; removeRuleIds?: number[] }): Promise<void>;
  getSessionRules(): Promise<{ id: number }[]>;
}

export interface DnrRule {
  id: number;
  priority: number;
  action: { type: "block" } | { type: "redirect"; redirect: { extensionPath: string } };
  condition: { urlFilter: string; resourceTypes?: string[] };
}

export interface AlarmsApi {
  create(name: string, info: { when: number }): void;
  clear(name: string): Promise<boolean>;
}

/**
 * What stopped an origin, for the tabs whose requests to it are stopped: the verdict, and the
 * connection that presented the chain (its certificates left out: the verdict lists them).
 */
export interface StopRecord {
  verdict: Verdict;
  info: SecurityInfo | null;
}

interface Entry {
  origin: string;
  /** The document rule; the rule for everything else is ruleId + 1. */
  ruleId: number;
  until: number;
  stop: StopRecord;
  /** The settings it was decided under (see `retain`). */
  basis: string;
}

/** The origin requests are matched by: a WebSocket handshake is an https request to the same host. */
export function quarantineOrigin(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "wss:") return null;
    return `https://${u.host}`;
  } catch {
    return null;
  }
}

export class Quarantine {
  readonly #entries = new Map<string, Entry>();
  readonly #dnr: SessionRulesApi | undefined;
  readonly #alarms: AlarmsApi | undefined;
  readonly #storage: Storage.StorageArea;
  readonly #problems: Problems;
  /** Rule updates run one at a time, in order. */
  #queue: Promise<void> = Promise.resolve();
  /** Whether session rules may exist (see the top of the file); unknown, so true, until restore reads the stored stops. */
  #rulesMayExist = true;

  constructor(deps: { dnr: SessionRulesApi | undefined; alarms: AlarmsApi | undefined; storage: Storage.StorageArea; problems: Problems }) {
    this.#dnr = deps.dnr;
    this.#alarms = deps.alarms;
    this.#storage = deps.storage;
    this.#problems = deps.problems;
    if (!this.#dnr)
      this.#problems.report(
        "quarantine",
        "declarativeNetRequest is not available: requests to a blocked site are checked one by one instead of stopped before they are sent",
      );
  }

  /** Picks up what an earlier background left, lifting what expired meanwhile. Never rejects. */
  restore(now = Date.now()): Promise<void> {
    return this.#serial(async () => {
      const stored = (await this.#storage.get(STORAGE_KEY))[STORAGE_KEY];
      // Only no stored stops at all (never written, or none left) says that no rule exists.
      this.#rulesMayExist = !(stored === undefined || (Array.isArray(stored) && stored.length === 0));
      for (const e of Array.isArray(stored) ? stored : []) {
        if (isEntry(e) && !this.#entries.has(e.origin)) this.#entries.set(e.origin, e);
      }
      await this.#sync(now);
    });
  }

  /** What stopped the origin of `url`, while its requests are being stopped; else null. */
  stoppedBy(url: string, now = Date.now()): StopRecord | null {
    const origin = quarantineOrigin(url);
    const entry = origin ? this.#entries.get(origin) : undefined;
    return entry !== undefined && entry.until > now ? entry.stop : null;
  }

  /**
   * Stops requests to the origin of `url` until `until`; documents go to the block page `pagePath`
   * (an extension path such as "/popup/blocked.html?id=…").
   */
  add(url: string, stop: StopRecord, pagePath: string, until: number, basis: string): Promise<void> {
    const origin = quarantineOrigin(url);
    if (!origin || !this.#dnr) return Promise.resolve();
    return this.#serial(async () => {
      if ((this.#entries.get(origin)?.until ?? 0) > Date.now()) return;
      const previous = this.#entries.get(origin);
      const ruleId = this.#freeRuleId();
      const urlFilter = `|${origin}/`;
      const addRules: DnrRule[] = [
        {
          id: ruleId,
          priority: 1,
          action: { type: "redirect", redirect: { extensionPath: pagePath } },
          condition: { urlFilter, resourceTypes: ["main_frame"] },
        },
        // No resourceTypes: every type but main_frame.
        { id: ruleId + 1, priority: 1, action: { type: "block" }, condition: { urlFilter } },
      ];
      const removeRuleIds = previous ? [previous.ruleId, previous.ruleId + 1] : [];
      this.#entries.delete(origin);
      this.#entries.set(origin, { origin, ruleId, until, stop: { verdict: stop.verdict, info: stop.info && { ...stop.info, certificates: [] } }, basis });
      while (this.#entries.size > MAX_ORIGINS) {
        const oldest = this.#entries.values().next().value as Entry;
        this.#entries.delete(oldest.origin);
        removeRuleIds.push(oldest.ruleId, oldest.ruleId + 1);
      }
      this.#rulesMayExist = true;
      await this.#persist();
      await this.#dnr!.updateSessionRules({ addRules, removeRuleIds });
    });
  }

  /**
   * Keeps only the stops decided under `basis` (the mode and lists in force): after a change, a
   * block since lifted is checked again at once; after a restart with the same settings, nothing changes.
   */
  retain(basis: string): Promise<void> {
    return this.#serial(async () => {
      for (const [origin, e] of this.#entries) if (e.basis !== basis) this.#entries.delete(origin);
      await this.#sync(Date.now());
    });
  }

  /** Lifts what expired (the alarm fired). */
  expire(now = Date.now()): Promise<void> {
    return this.#serial(() => this.#sync(now));
  }

  /** Drops expired entries, makes the session rules match the entries, and persists them. */
  async #sync(now: number): Promise<void> {
    for (const [origin, e] of this.#entries) if (e.until <= now) this.#entries.delete(origin);
    if (this.#dnr && this.#rulesMayExist) {
      const wanted = new Set([...this.#entries.values()].flatMap((e) => [e.ruleId, e.ruleId + 1]));
      const stale = (await this.#dnr.getSessionRules()).map((r) => r.id).filter((id) => !wanted.has(id));
      if (stale.length) await this.#dnr.updateSessionRules({ removeRuleIds: stale });
    }
    await this.#persist();
  }

  async #persist(): Promise<void> {
    await this.#storage.set({ [STORAGE_KEY]: [...this.#entries.values()] });
    const next = Math.min(...[...this.#entries.values()].map((e) => e.until));
    if (!this.#alarms) return;
    if (Number.isFinite(next)) this.#alarms.create(QUARANTINE_ALARM, { when: next });
    else await this.#alarms.clear(QUARANTINE_ALARM);
  }

  #freeRuleId(): number {
    const used = new Set([...this.#entries.values()].flatMap((e) => [e.ruleId, e.ruleId + 1]));
    let id = 1;
    while (used.has(id) || used.has(id + 1)) id += 2;
    return id;
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task).then(
      () => void (this.#dnr && this.#problems.resolve("quarantine")),
      (error) => this.#problems.report("quarantine", `requests to a blocked site could not be stopped before they are sent: ${errorMessage(error)}`),
    );
    this.#queue = run;
    return run;
  }
}

function isEntry(value: unknown): value is Entry {
  const e = value as Entry | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.origin === "string" &&
    Number.isSafeInteger(e.ruleId) &&
    e.ruleId > 0 &&
    typeof e.until === "number" &&
    typeof e.basis === "string" &&
    typeof e.stop?.verdict === "object" &&
    e.stop.verdict !== null &&
    Array.isArray(e.stop.verdict.chain) &&
    Array.isArray(e.stop.verdict.findings)
  );
}
