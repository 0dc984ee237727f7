/**
 * The blocking onHeadersReceived listener: the hot path. Every HTTPS/WSS response in the browser
 * waits for it, so it only decides:
 * - it asks Firefox for the chain without bytes first, and for rawDER (a third of the cost of the
 *   call, arrays of numbers crossing processes) only when some certificate was never seen;
 * - the analyzer answers a chain it has seen from its cache, by Firefox's own fingerprints;
 * - recording (tab state, badge, storage, history, notifications) runs after the listener returned.
 * Requests that arrive before settings are loaded wait for them instead of passing unchecked.
 *
 * It fails closed: a listener that throws lets Firefox pass the response unchecked, so nothing may
 * escape it. Whatever goes wrong (Firefox cannot give the chain, a certificate cannot be read, a
 * bug) ends in a decision: stopped in block mode, passed and recorded as an analysis error in warn
 * mode. A response Firefox reports without any chain (no TLS details on the channel: one a service
 * worker made, for instance) is not a failure: it passes, recorded as unchecked.
 */
import type { WebRequest } from "webextension-polyfill";
import { failedVerdict, type ChainAnalyzer } from "../src/analyzer";
import { bytesToBase64 } from "../src/encoding";
import { blockedCertificate, stopExplanation, stopReason, type EnforcementSettings, type StopReason } from "../src/enforcement";
import { LruCache } from "../src/lru";
import type { BlockedPageInfo, UncheckedResponse } from "../src/protocol";
import type { FirefoxCertificate, SecurityInfo } from "../src/securityInfo";
import type { Verdict } from "../src/verdict";
import { originOf } from "./tabStore";

export interface CaptureEvent {
  details: WebRequest.OnHeadersReceivedDetailsType;
  /** What Firefox reported; null when the listener failed before it had it. */
  info: SecurityInfo | null;
  verdict: Verdict;
  der: (string | null)[];
  /** Why the response was stopped (block mode), or null when it passed. */
  stopped: StopReason | null;
  time: number;
}

export interface CaptureDeps {
  getSecurityInfo: (requestId: string, options: { certificateChain: boolean; rawDER: boolean }) => Promise<SecurityInfo | undefined>;
  analyzer: () => ChainAnalyzer;
  settings: () => EnforcementSettings;
  /** Resolves once settings are loaded; until then responses wait. Never rejects. */
  ready: Promise<void>;
  /** Keeps a block page's details and returns its (short) address; null when none could be made. */
  blockPage: (page: Omit<BlockedPageInfo, "id">) => string | null;
  /** Called after the listener has returned. */
  onResponse: (event: CaptureEvent) => void;
  /** A response that passed without a chain; called after the listener has returned. */
  onUnchecked: (details: WebRequest.OnHeadersReceivedDetailsType, response: UncheckedResponse) => void;
  /** Something in the listener or in recording failed (the decision was still made). */
  onError: (error: unknown) => void;
  /**
   * Certificates' bytes kept for the views (base64 by Firefox SHA-256 string; default 8,192, ~1.4 KB
   * each). A certificate missing here makes the listener ask Firefox again for rawDER, so it holds
   * at least as many certificates as the analyzer keeps verdicts for.
   */
  derCache?: LruCache<string, string>;
}

/** What the block page says for a stopped document. */
export function blockedPageInfo(url: string, verdict: Verdict, kind: StopReason, time: number): Omit<BlockedPageInfo, "id"> {
  const certificate = kind === "blocked" ? blockedCertificate(verdict) : null;
  const reason = kind === "blocked" ? null : stopExplanation(verdict, kind);
  return { kind, url, origin: originOf(url), certificate, reason, time, blockedUntil: null };
}

/** Firefox had no TLS details for the channel (SecurityInfo.sys.mjs: state "insecure", no certificates). */
function withoutChain(info: SecurityInfo): boolean {
  return info.state === "insecure" && info.certificates === undefined;
}

/** Responses recorded per task (see recordingQueue). */
const RECORD_SLICE = 32;

export function createCapture(deps: CaptureDeps) {
  const derCache = deps.derCache ?? new LruCache<string, string>(8192);
  let ready = false;
  void deps.ready.then(() => (ready = true));

  const missingDer = (certificates: FirefoxCertificate[]) => certificates.some((c) => !derCache.has(c?.fingerprint?.sha256));

  const later = recordingQueue(deps.onError);
  const redirects = blockPageRedirects(deps.blockPage);
  const stop = redirects.stop;

  async function decide(details: WebRequest.OnHeadersReceivedDetailsType): Promise<WebRequest.BlockingResponse> {
    if (!ready) await deps.ready;
    let info = await deps.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: false });
    if (!info) throw new Error("Firefox gave no security information for this request");
    if (withoutChain(info)) {
      const time = Date.now();
      const response = {
        url: details.url,
        origin: originOf(details.url),
        type: details.type,
        reason: "Firefox reported no TLS details for this response (it did not come from a TLS connection of its own, e.g. a service worker made it)",
        time,
      };
      later(() => deps.onUnchecked(details, response));
      return {};
    }
    // After an overridden certificate error Firefox reports no chain at all (observed in ESR 153): the
    // analyzer says so (certificate-error-overridden), and blockUnverifiableChains decides.
    const overridden = typeof info.overridableErrorCategory === "string" && info.overridableErrorCategory !== "";
    if (!Array.isArray(info.certificates) || (info.certificates.length === 0 && !overridden)) {
      throw new Error(`Firefox reported a ${info.state} connection without its certificates`);
    }
    const analyzer = deps.analyzer();
    if (analyzer.needsRawDer(info) || missingDer(info.certificates)) {
      info = (await deps.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: true })) ?? info;
    }
    const verdict = analyzer.analyze(info);
    const stopped = stopReason(verdict, deps.settings());
    const time = Date.now();
    const seen = info;
    later(() => deps.onResponse({ details, info: seen, verdict, der: derOf(seen.certificates, derCache), stopped, time }));
    return stopped ? stop(details, verdict, stopped, time) : {};
  }

  async function onHeadersReceived(details: WebRequest.OnHeadersReceivedDetailsType): Promise<WebRequest.BlockingResponse> {
    try {
      return await decide(details);
    } catch (error) {
      // Could not decide: block mode stops the response, warn mode passes it and says so.
      try {
        const time = Date.now();
        const verdict = failedVerdict("the chain could not be read", error, deps.analyzer().blocklistVersion, time);
        const stopped = deps.settings().mode === "block" ? "undecided" : null;
        later(() => deps.onResponse({ details, info: null, verdict, der: [], stopped, time }));
        deps.onError(error);
        return stopped ? stop(details, verdict, stopped, time) : {};
      } catch (inner) {
        deps.onError(inner);
        return { cancel: true };
      }
    }
  }

  return { onHeadersReceived, derCache, redirectedHere: redirects.redirectedHere };
}

/**
 * Recording waits until the listener has returned: tasks are queued and run together by one timer
 * (not a timer per response: a page's 200 responses arrive in bursts), at most RECORD_SLICE per
 * task, so a blocking request arriving meanwhile waits for one slice at most. A failure in a task
 * is reported, never thrown.
 */
function recordingQueue(onError: (error: unknown) => void): (task: () => void) => void {
  const queue: (() => void)[] = [];
  const runQueued = () => {
    const tasks = queue.splice(0, RECORD_SLICE);
    if (queue.length) setTimeout(runQueued, 0);
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        onError(error);
      }
    }
  };
  return (task) => {
    if (queue.push(task) === 1) setTimeout(runQueued, 0);
  };
}

/**
 * The answer that stops a response: a document is sent to the block page (`blockPage` keeps its
 * details), anything else is cancelled. Remembers the last few requests it sent there, so they are
 * told apart from other redirects to the block page (the quarantine's).
 */
function blockPageRedirects(blockPage: CaptureDeps["blockPage"]) {
  const redirected = new Set<string>();
  function stop(details: WebRequest.OnHeadersReceivedDetailsType, verdict: Verdict, reason: StopReason, time: number): WebRequest.BlockingResponse {
    if (details.type === "main_frame") {
      const url = blockPage(blockedPageInfo(details.url, verdict, reason, time));
      if (url) {
        redirected.add(details.requestId);
        if (redirected.size > 64) redirected.delete(redirected.values().next().value as string);
        return { redirectUrl: url };
      }
    }
    return { cancel: true };
  }
  return { stop, redirectedHere: (requestId: string) => redirected.has(requestId) };
}

/** Base64 bytes per certificate: from this response when Firefox sent them, else from the cache. */
function derOf(certificates: FirefoxCertificate[], cache: LruCache<string, string>): (string | null)[] {
  return certificates.map((c) => {
    const key = c?.fingerprint?.sha256;
    if (typeof key !== "string") return null;
    if (c.rawDER) {
      const b64 = cache.get(key) ?? bytesToBase64(c.rawDER);
      cache.set(key, b64);
      return b64;
    }
    return cache.get(key) ?? null;
  });
}
