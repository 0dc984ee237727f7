/**
 * The blocking onHeadersReceived listener: the hot path. Every HTTPS/WSS response in the browser
 * waits for it, so it only decides:
 * - it asks Firefox for the chain without bytes first, and for rawDER (a third of the cost of the
 *   call, arrays of numbers crossing processes) only when some certificate was never seen;
 * - the analyzer answers a chain it has seen from its cache, by Firefox's own fingerprints;
 * - recording (tab state, badge, storage, history, notifications) runs after the listener returned.
 * Requests that arrive before settings are loaded wait for them instead of passing unchecked.
 */
import type { WebRequest } from "webextension-polyfill";
import type { ChainAnalyzer } from "../src/analyzer";
import { bytesToBase64 } from "../src/encoding";
import type { BlockedPageInfo, Mode } from "../src/protocol";
import type { FirefoxCertificate, SecurityInfo } from "../src/securityInfo";
import type { Verdict } from "../src/verdict";
import { LruCache } from "../src/lru";

export interface CaptureEvent {
  details: WebRequest.OnHeadersReceivedDetailsType;
  info: SecurityInfo;
  verdict: Verdict;
  der: (string | null)[];
  blocked: boolean;
  time: number;
}

export interface CaptureDeps {
  getSecurityInfo: (requestId: string, options: { certificateChain: boolean; rawDER: boolean }) => Promise<SecurityInfo | undefined>;
  analyzer: () => ChainAnalyzer;
  mode: () => Mode;
  /** Resolves once settings are loaded; until then responses wait. */
  ready: Promise<void>;
  blockedPageUrl: (info: BlockedPageInfo) => string;
  /** Called after the listener has returned. */
  onResponse: (event: CaptureEvent) => void;
  /**
   * Certificates' bytes kept for the views (base64 by Firefox SHA-256 string; default 8,192, ~1.4 KB
   * each). A certificate missing here makes the listener ask Firefox again for rawDER, so it holds
   * at least as many certificates as the analyzer keeps verdicts for.
   */
  derCache?: LruCache<string, string>;
}

/** Describes the blocked certificate for the block page: the first enforced match decides. */
export function blockedPageInfo(url: string, verdict: Verdict, time: number): BlockedPageInfo | null {
  const finding = verdict.findings.find((f) => f.ruleId === "blocked-certificate" && f.match);
  if (!finding?.match || finding.certIndex === null) return null;
  const cert = verdict.chain[finding.certIndex];
  const { label, source, key, keyLabel, incident, reference } = finding.match;
  return { url, subject: cert.subject, sha256: cert.sha256, role: cert.role, label, source, key, keyLabel, incident, reference, time };
}

export function createCapture(deps: CaptureDeps) {
  const derCache = deps.derCache ?? new LruCache<string, string>(8192);
  let ready = false;
  void deps.ready.then(() => (ready = true));

  const missingDer = (certificates: FirefoxCertificate[]) => certificates.some((c) => !derCache.has(c.fingerprint.sha256));

  async function onHeadersReceived(details: WebRequest.OnHeadersReceivedDetailsType): Promise<WebRequest.BlockingResponse> {
    if (!ready) await deps.ready;
    let info = await deps.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: false });
    if (!info?.certificates?.length) return {};
    const analyzer = deps.analyzer();
    if (analyzer.needsRawDer(info) || missingDer(info.certificates)) {
      info = (await deps.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: true })) ?? info;
    }
    const verdict = analyzer.analyze(info);
    const blocked = verdict.level === "blocked" && deps.mode() === "block";
    const time = Date.now();
    const seen = info;
    setTimeout(() => deps.onResponse({ details, info: seen, verdict, der: derOf(seen.certificates, derCache), blocked, time }), 0);
    if (!blocked) return {};
    if (details.type === "main_frame") {
      const page = blockedPageInfo(details.url, verdict, time);
      if (page) return { redirectUrl: deps.blockedPageUrl(page) };
    }
    return { cancel: true };
  }

  return { onHeadersReceived, derCache };
}

/** Base64 bytes per certificate: from this response when Firefox sent them, else from the cache. */
function derOf(certificates: FirefoxCertificate[], cache: LruCache<string, string>): (string | null)[] {
  return certificates.map((c) => {
    const key = c.fingerprint.sha256;
    if (c.rawDER) {
      const b64 = cache.get(key) ?? bytesToBase64(c.rawDER);
      cache.set(key, b64);
      return b64;
    }
    return cache.get(key) ?? null;
  });
}
