/**
 * The one typed protocol between the background and the extension's pages (popup, chain view,
 * options, history, block page). Message types are named by direction ("ui-bg-…": page asks,
 * background answers); both sides import this file, so a change breaks the build on both sides.
 */
import type { BlocklistEntry, CompiledSource, EntrySource, MatchKey } from "./blocklist";
import type { ChainChange } from "./chainDiff";
import type { FeedStatus } from "./feeds/model";
import type { ReportFormat, UrlDetail } from "./reporting/model";
import type { SecurityInfo } from "./securityInfo";
import type { AnalyzerLists } from "./settings/entries";
import type { SettingsIssue } from "./settings/issues";
import type { EffectiveSettings, Mode, UserSettings } from "./settings/schema";
import type { Level, Severity, Verdict } from "./verdict";

// The settings' shapes and defaults are the settings schema's; pages import them from here with the rest of the protocol.
export { DEFAULT_SETTINGS, MAX_HISTORY_LIMIT, type EffectiveSettings, type Mode, type UserSettings } from "./settings/schema";

export interface PolicyState {
  /** A managed configuration was found in policies.json. */
  present: boolean;
  /** One precise message per ignored key or entry. */
  errors: string[];
  /** lockSettings: mode, lists and notifications cannot be changed in the options page. */
  locked: boolean;
}

export interface SettingsView {
  effective: EffectiveSettings;
  user: UserSettings;
  policy: PolicyState;
  /** Keys whose value is fixed by policy, shown as "set by your organisation" and not editable. */
  managedKeys: (keyof EffectiveSettings)[];
}

/** The connection facts Firefox reports that the popup's connection details show. */
export const CONNECTION_FIELDS = [
  "state",
  "protocolVersion",
  "cipherSuite",
  "keaGroupName",
  "signatureSchemeName",
  "secretKeyLength",
  "certificateTransparencyStatus",
  "isExtendedValidation",
  "hsts",
  "usedEch",
  "usedOcsp",
  "usedDelegatedCredentials",
  "usedPrivateDns",
] as const;

/** The connection as Firefox reported it, for the popup's connection details. */
export type ConnectionInfo = Pick<SecurityInfo, (typeof CONNECTION_FIELDS)[number]>;

/** One distinct presented chain seen for a URL's origin. */
export interface ChainRecord {
  /** First URL this chain was seen for. */
  url: string;
  origin: string;
  verdict: Verdict;
  connection: ConnectionInfo;
  /**
   * Whether the background holds each certificate's bytes (leaf first; false where Firefox gave
   * none). The bytes are not part of the state: a page asks for a certificate's with
   * `ui-bg-get-certificate`, by SHA-256, when it decodes, exports or downloads it.
   */
  derAvailable: boolean[];
  firstSeen: number;
  /** Responses that presented this chain. */
  requests: number;
  /** Some of those responses were cancelled in block mode. */
  blockedRequests: number;
}

export interface OriginRecord {
  origin: string;
  level: Level;
  chains: ChainRecord[];
}

/** A TLS failure Firefox raised itself (onErrorOccurred), with Firefox's message. */
export interface TlsFailure {
  url: string;
  origin: string;
  /** e.g. "Peer’s Certificate issuer is not recognized." */
  error: string;
  type: string;
  time: number;
}

/**
 * A response that passed with no chain to check, because Firefox reported none for it (e.g. one a
 * service worker produced): not a failure, but not inspected either, so the views say so.
 */
export interface UncheckedResponse {
  url: string;
  origin: string;
  type: string;
  /** Why there was no chain, in words. */
  reason: string;
  time: number;
}

export interface TabState {
  tabId: number;
  /** URL of the top-level document, if any was seen. */
  url: string | null;
  /** The top-level document's chain (null for http:, or before the response arrived). */
  top: ChainRecord | null;
  /** Subresource chains (other origins, and the page's own origin for subresources), by origin. */
  origins: OriginRecord[];
  failures: TlsFailure[];
  /** Responses that passed without a chain to check (bounded, like failures). */
  unchecked: UncheckedResponse[];
  /** Worst verdict across the page and its subresources. */
  level: Level;
  updatedAt: number;
}

/**
 * Why a page was replaced by the block page: its chain holds a blocked certificate; it could not be
 * checked (block mode fails closed); only its leaf could be seen (an overridden certificate error,
 * with blockUnverifiableChains); or its origin presented a blocked chain shortly before, so the
 * request was stopped before it was sent.
 */
export type BlockKind = "blocked" | "undecided" | "unverifiable" | "origin-blocked";

/** The certificate that matched the blocklist, as the block page names it. */
export interface BlockedCertificate {
  subject: string;
  /** Uppercase colon hex, as Firefox gave it. */
  sha256: string;
  role: string;
  label: string;
  source: EntrySource;
  key: MatchKey;
  keyLabel: string;
  incident: string;
  reference: string;
}

/**
 * What the block page shows. The page's address carries only `id`; the background keeps the rest
 * (every text field cut to a bounded length, since a server and a page choose them).
 */
export interface BlockedPageInfo {
  id: string;
  kind: BlockKind;
  /** The request's URL, cut to a bounded length. */
  url: string;
  origin: string;
  /** For "blocked" and "origin-blocked". */
  certificate: BlockedCertificate | null;
  /** For "undecided" and "unverifiable": what could not be checked, in words. */
  reason: string | null;
  time: number;
  /** Until when requests to the origin are stopped before they are sent, or null. */
  blockedUntil: number | null;
}

export interface HistoryEvent {
  id: string;
  time: number;
  level: Severity;
  pageUrl: string;
  origin: string;
  /** A rule id, or "chain-changed" when a host's CA chain changed. */
  ruleId: string;
  title: string;
  subject: string;
  sha256: string;
  /**
   * For "chain-changed" (recorded by versions that summarise chains): the host's chain before and
   * after, for the history page's side-by-side diff.
   */
  change?: ChainChange;
}

export interface BlocklistStatus {
  version: string;
  sources: CompiledSource[];
  /** Entries per source, bundled and custom (policy, feeds, user). */
  counts: Partial<Record<EntrySource, number>>;
  /** Known intermediates in force: the bundled snapshot plus what feeds add. */
  knownIntermediates: number;
}

/** Where a background problem happened (see background/problems.ts). */
export type ProblemArea = "tab-state" | "history" | "settings" | "capture" | "quarantine" | "reporting" | "feeds";

/** Something in the background that is not working as configured, shown until it works again. */
export interface Problem {
  area: ProblemArea;
  message: string;
  /** When it last happened. */
  time: number;
  /** How many times it happened since it was first shown. */
  count: number;
}

/** What traffic Chain Sentry can see: anything false here is traffic that passes uninspected. */
export interface Coverage {
  /** Private windows: allowed by the user in about:addons, or by ExtensionSettings private_browsing. */
  privateBrowsing: boolean;
  /** The host permissions the listeners need (the user can revoke them in about:addons). */
  hostPermissions: boolean;
}

/** Fleet reporting as the options page shows it (background/reporting.ts). */
export interface ReportingStatus {
  /** Where events go (without any user name or password the URL held). */
  endpoint: string;
  format: ReportFormat;
  /** How much of page URLs is sent. */
  url: UrlDetail;
  minLevel: Severity;
  includeChain: boolean;
  /** Events waiting for delivery. */
  queued: number;
  /** Events the full queue dropped since reporting was turned on. */
  dropped: number;
  /** Events the collector refused (other 4xx), set aside: tried again after a restart or a change of collector. */
  rejected: number;
  lastSuccess: number | null;
  lastError: { time: number; message: string } | null;
  /** When the next delivery is due, if events wait. */
  nextAttempt: number | null;
}

export interface Status {
  blocklist: BlocklistStatus;
  policy: PolicyState;
  mode: Mode;
  /** When this instance of the background started: tells a restart (MV3 suspension) apart. */
  backgroundStartedAt: number;
  problems: Problem[];
  coverage: Coverage;
  /** null: reporting is off (no policy sets it), nothing leaves the browser. */
  reporting: ReportingStatus | null;
  /** The policy's signed list feeds, in policy order (empty: none configured). */
  feeds: FeedStatus[];
}

export type BlocklistEntryView = Pick<BlocklistEntry, "id" | "source" | "label" | "incident" | "reference" | "enforced" | "sha256" | "sha1" | "spkiSha256">;

/** Raw text the options page submits; the background parses it (PEM, fingerprints, SPKI, OneCRL JSON). */
export interface SettingsInput {
  mode?: Mode;
  notifications?: boolean;
  notifyWarnings?: boolean;
  historyLimit?: number;
  allowlistText?: string;
  blocklistText?: string;
}

/**
 * Largest certificate, in DER bytes, that `ui-bg-get-certificate` hands out and a page decodes. Real
 * ones stay under 10 KiB; a hostile one can make the decoder spin (a 100k-arc policy OID took over
 * a second), so anything bigger is refused unread.
 */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

/** What the background and the pages say when refusing a certificate over MAX_CERTIFICATE_BYTES. */
export const certificateTooLarge = (bytes: number): string =>
  `The certificate is ${bytes.toLocaleString("en")} bytes, more than the ${MAX_CERTIFICATE_BYTES.toLocaleString("en")} Chain Sentry decodes.`;

/** Why `ui-bg-clear-history` refuses under lockSettings: the organisation keeps the history (an audit trail). */
export const HISTORY_KEPT_BY_POLICY = "Your organisation's policy (lockSettings) keeps this history: it cannot be cleared here.";

/** Every request a page can make, with its response. */
export interface Requests {
  /** The tab's state, without certificate bytes. */
  "ui-bg-get-tab-state": { request: { tabId: number }; response: TabState | null };
  /**
   * One of the tab's certificates' base64 DER, undecoded: the page decodes it
   * (popup/chain/certificateDetails.ts), not the background; exports and downloads ask for it too.
   */
  "ui-bg-get-certificate": { request: { tabId: number; sha256: string }; response: { der: string } | { error: string } };
  "ui-bg-get-status": { request: Record<string, never>; response: Status };
  "ui-bg-get-settings": { request: Record<string, never>; response: SettingsView };
  /** Refused as a whole: each issue's path names the setting (and line) it is about, so the page shows it there. */
  "ui-bg-save-settings": { request: { input: SettingsInput }; response: { ok: true; view: SettingsView } | { ok: false; errors: SettingsIssue[] } };
  /** Searches every entry in force: bundled, organisation (policy and feeds) and the user's. */
  "ui-bg-search-blocklist": { request: { query: string; limit?: number }; response: { total: number; entries: BlocklistEntryView[] } };
  /** Checks every feed now (the options page's "Check now"), answering once the checks are done. */
  "ui-bg-check-feeds": { request: Record<string, never>; response: FeedStatus[] };
  "ui-bg-get-blocked-page": { request: { id: string }; response: BlockedPageInfo | null };
  "ui-bg-get-history": { request: Record<string, never>; response: { events: HistoryEvent[]; limit: number } };
  /**
   * The lists the background's analyzer applies (policy, feeds and the user's; known intermediates
   * from feeds), so the workbench page's own analyzer decides as the background would.
   */
  "ui-bg-get-lists": { request: Record<string, never>; response: AnalyzerLists };
  /** Refused under lockSettings. */
  "ui-bg-clear-history": { request: Record<string, never>; response: { ok: true } | { ok: false; error: string } };
}

export type RequestType = keyof Requests;
export type Message = { [K in RequestType]: { type: K } & Requests[K]["request"] }[RequestType];
export type ResponseOf<K extends RequestType> = Requests[K]["response"];

/** The pages' side of the protocol: the real one sends runtime messages, the mock serves fixtures. */
export interface Connector {
  send<K extends RequestType>(type: K, request: Requests[K]["request"]): Promise<ResponseOf<K>>;
}
