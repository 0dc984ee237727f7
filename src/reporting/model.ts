/**
 * Fleet reporting, the contract between the core and the background: the policy key's validated
 * shape, one event model every format is made from, and a serialized batch ready to POST. Pure:
 * the core builds events and bodies (src/reporting/), the background queues and sends them
 * (background/reporting.ts). Nothing is sent unless an organisation's policy sets `reporting`.
 */
import type { EntrySource, MatchKey } from "../blocklist";
import type { Severity } from "../verdict";

export type ReportFormat = "otlp" | "splunk-hec" | "ndjson";

/** How much of the page URL leaves the browser. */
export type UrlDetail = "full" | "origin" | "none";

/** The `reporting` policy key once validated (defaults filled in). */
export interface ReportingConfig {
  /** https:, or http: to a loopback address; no trailing path beyond what the format appends. */
  endpoint: string;
  format: ReportFormat;
  token?: string;
  /** Extra request headers (e.g. a collector's own auth header). */
  headers: Record<string, string>;
  /** Findings below this level are not reported (default "warning"). */
  minLevel: Severity;
  /** Default "origin". */
  url: UrlDetail;
  /** Attach the chain as PEM (default false). */
  includeChain: boolean;
  deviceLabel?: string;
  /** Events per request (default 100). */
  batchSize: number;
  /** Seconds between deliveries while events wait (default 30). */
  intervalSeconds: number;
}

/** One reported fact: a finding on a chain, or that the queue dropped events. */
export interface ReportEvent {
  /** Unique (a UUID): a collector drops duplicates of at-least-once delivery by it. */
  id: string;
  /** Epoch milliseconds. */
  time: number;
  kind: "finding" | "dropped";
  level: Severity;
  /** The rule id ("dropped-events" for kind "dropped"). */
  ruleId: string;
  title: string;
  /** The page URL as much as `url` allows: the full URL, its origin, or absent. */
  url?: string;
  /** The host the chain was presented by (server.address). */
  serverAddress?: string;
  /** The certificate the finding is about, if any. */
  certificate?: {
    sha256: string;
    subject: string;
    issuer: string;
    /** Epoch milliseconds. */
    notAfter: number;
    role: string;
  };
  /** The blocklist entry matched, for blocked-certificate findings. */
  match?: { source: EntrySource; key: MatchKey; label: string };
  tls?: { version?: string; cipher?: string };
  /** The response was stopped (block mode). */
  stopped: boolean;
  blocklistVersion: string;
  extensionVersion: string;
  browserVersion: string;
  deviceLabel?: string;
  /** Leaf first, when includeChain. */
  chainPem?: string[];
  /** For kind "dropped": how many events the full queue dropped. */
  dropped?: number;
}

/** A batch ready to send. */
export interface SerializedBatch {
  /** The full URL to POST to (endpoint + the format's path). */
  url: string;
  headers: Record<string, string>;
  body: string;
}
