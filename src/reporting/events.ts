/**
 * Builds the report events of one inspected response: one per finding at or above the policy's
 * minLevel, with only as much of the page URL as the policy allows. Pure: ids come from the caller
 * (crypto.randomUUID in the background), so tests and the fleet simulation can name them.
 */
import { base64ToBytes, derToPem } from "../encoding";
import type { ConnectionInfo } from "../protocol";
import { LEVEL_RANK, type Finding, type Verdict } from "../verdict";
import type { ReportEvent, ReportingConfig, UrlDetail } from "./model";

/** What the background knows about one inspected response. */
export interface ReportInput {
  verdict: Verdict;
  /** The URL of the page (tab) the response belongs to. */
  pageUrl: string;
  /** The response's own URL: its host is the server that presented the chain. */
  url: string;
  /** The response was stopped (block mode). */
  stopped: boolean;
  connection: Pick<ConnectionInfo, "protocolVersion" | "cipherSuite">;
  /** Base64 DER per chain certificate, leaf first; null where Firefox gave no bytes. */
  der: (string | null)[];
  /** Epoch milliseconds. */
  time: number;
  extensionVersion: string;
  browserVersion: string;
}

/** What every event carries besides the finding: the versions it was made with, and when. */
export interface EventContext {
  time: number;
  extensionVersion: string;
  browserVersion: string;
  blocklistVersion: string;
}

export const DROPPED_RULE_ID = "dropped-events";

export function reportEvents(input: ReportInput, config: ReportingConfig, newId: () => string): ReportEvent[] {
  const findings = input.verdict.findings.filter((f) => LEVEL_RANK[f.severity] >= LEVEL_RANK[config.minLevel]);
  if (findings.length === 0) return [];

  const url = pageUrlDetail(input.pageUrl, config.url);
  const serverAddress = hostOf(input.url);
  const { protocolVersion: version, cipherSuite: cipher } = input.connection;
  const tls = version || cipher ? { ...(version ? { version } : {}), ...(cipher ? { cipher } : {}) } : undefined;
  const chainPem = config.includeChain ? pemChain(input.der) : undefined;

  return findings.map((finding): ReportEvent => ({
    id: newId(),
    time: input.time,
    kind: "finding",
    level: finding.severity,
    ruleId: finding.ruleId,
    title: finding.title,
    ...(url !== undefined && { url }),
    ...(serverAddress !== undefined && { serverAddress }),
    ...certificateOf(input.verdict, finding),
    ...(finding.match && { match: { source: finding.match.source, key: finding.match.key, label: finding.match.label } }),
    ...(tls && { tls }),
    stopped: input.stopped,
    blocklistVersion: input.verdict.blocklistVersion,
    extensionVersion: input.extensionVersion,
    browserVersion: input.browserVersion,
    ...(config.deviceLabel !== undefined && { deviceLabel: config.deviceLabel }),
    ...(chainPem && { chainPem }),
  }));
}

/**
 * The event the queue sends once delivery resumes after it had to drop events. Sent whatever the
 * minLevel: the collector must learn that it is missing something.
 */
export function droppedEvent(count: number, context: EventContext, config: ReportingConfig, newId: () => string): ReportEvent {
  return {
    id: newId(),
    time: context.time,
    kind: "dropped",
    level: "warning",
    ruleId: DROPPED_RULE_ID,
    title: `Chain Sentry dropped ${count} ${count === 1 ? "event" : "events"}: its report queue was full`,
    stopped: false,
    blocklistVersion: context.blocklistVersion,
    extensionVersion: context.extensionVersion,
    browserVersion: context.browserVersion,
    ...(config.deviceLabel !== undefined && { deviceLabel: config.deviceLabel }),
    dropped: count,
  };
}

/**
 * The page URL as the policy allows. "full" still leaves out user name, password and fragment: they
 * are never sent to the site itself, and fragments can carry tokens (OAuth's implicit flow).
 */
export function pageUrlDetail(pageUrl: string, detail: UrlDetail): string | undefined {
  if (detail === "none") return undefined;
  const parsed = parseUrl(pageUrl);
  // about:, data: and the like have no origin worth reporting ("null").
  if (!parsed || parsed.origin === "null") return undefined;
  if (detail === "origin") return parsed.origin;
  parsed.username = "";
  parsed.password = "";
  parsed.hash = "";
  return parsed.href;
}

function hostOf(url: string): string | undefined {
  // server.address is the bare address: no brackets around an IPv6 literal.
  const host = parseUrl(url)?.hostname.replace(/^\[(.*)\]$/, "$1");
  return host || undefined;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function certificateOf(verdict: Verdict, finding: Finding): Pick<ReportEvent, "certificate"> {
  // certIndex is null for findings about the whole chain, and a stale verdict could point past its end.
  const cert = finding.certIndex === null ? undefined : verdict.chain[finding.certIndex];
  if (!cert) return {};
  return { certificate: { sha256: cert.sha256, subject: cert.subject, issuer: cert.issuer, notAfter: cert.validity.end, role: cert.role } };
}

/** PEM of each certificate whose bytes Firefox gave (and that decode), leaf first; undefined if none. */
function pemChain(der: (string | null)[]): string[] | undefined {
  const pems: string[] = [];
  for (const b64 of der) {
    if (!b64) continue;
    try {
      pems.push(derToPem(base64ToBytes(b64)));
    } catch {
      // Not base64: nothing a reader could use, so it is left out rather than sent garbled.
    }
  }
  return pems.length ? pems : undefined;
}
