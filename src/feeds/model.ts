/**
 * Signed list feeds: what an organisation publishes (a JWS in compact serialization, signed with a
 * key the policy pins), what the policy names, and what the views show of each feed.
 *
 * Why JWS: a standard container (RFC 7515) with a maintained, audited implementation on WebCrypto
 * in both the extension and Node (`jose`), keys as JWK or SPKI PEM that any tool (openssl, step,
 * cloud KMS) produces, and only asymmetric algorithms that are pinned per key, so a document can
 * never choose how it is checked.
 */
import type { AllowlistEntry, CustomBlocklistEntry } from "../settings";

/** The JWS `typ` header every feed carries: a JWS signed for another purpose is refused. */
export const FEED_TYPE = "chain-sentry-feed+json";

/** The signature algorithms a pinned key may have; the key decides, never the document. */
export type FeedAlgorithm = "ES256" | "ES384" | "EdDSA";

/** A feed document larger than this is refused unread (a full OneCRL + intermediates feed is ~1.5 MB). */
export const MAX_FEED_BYTES = 4 * 1024 * 1024;

/** Entries per list in one document; more is refused as a whole (no document is that large by accident). */
export const MAX_FEED_ENTRIES = 50_000;

/** At most this many feeds in a policy; more are reported and ignored. */
export const MAX_FEEDS = 8;

/** Check interval bounds (minutes): fractions are allowed for tests, a fleet uses the default. */
export const DEFAULT_FEED_INTERVAL_MINUTES = 60;
export const MIN_FEED_INTERVAL_MINUTES = 0.5;
export const MAX_FEED_INTERVAL_MINUTES = 1440;

/** How long one fetch may take before it counts as unreachable. */
export const FEED_TIMEOUT_MS = 30_000;

/** The public key a policy pins for a feed, as validated: a JWK or an SPKI PEM, and its algorithm. */
export type FeedKey = { alg: FeedAlgorithm; jwk: JsonWebKey } | { alg: FeedAlgorithm; spki: string };

/** One entry of the policy's `feeds` key, validated. */
export interface FeedConfig {
  /** https: (or http: to this computer), from the policy. */
  url: string;
  publicKey: FeedKey;
  /** The policy's name for the feed; the document's own label is shown beside it. */
  label?: string;
  intervalMinutes: number;
}

/** What a signed document says, once verified and validated (the payload of the JWS). */
export interface FeedDocument {
  label: string;
  /** Monotonic: a document with a lower sequence than the last accepted is a rollback. */
  sequence: number;
  /** ISO 8601 timestamps as signed. */
  issuedAt: string;
  expiresAt: string;
  /** Entries with source "feed"; reason defaults to naming the feed. */
  blocklist: CustomBlocklistEntry[];
  allowlist: AllowlistEntry[];
  /** SHA-256 (lowercase hex) of intermediates to treat as known, beside the bundled snapshot. */
  knownIntermediates: string[];
}

/** The raw payload a publisher writes (`npm run feed -- sign` adds sequence and dates). */
export interface FeedPayload {
  label: string;
  sequence: number;
  issuedAt: string;
  expiresAt: string;
  blocklist?: unknown[];
  allowlist?: unknown[];
  knownIntermediates?: unknown[];
}

/**
 * Why a document was refused or a check failed. A refused document never changes what is in force:
 * the last good document of the feed stays.
 */
export type FeedErrorKind =
  | "unreachable" // network error, timeout, HTTP status other than 200
  | "too-large" // over MAX_FEED_BYTES
  | "malformed" // not a JWS in compact serialization
  | "wrong-algorithm" // the header names another algorithm than the pinned key's
  | "wrong-type" // the header's typ is not FEED_TYPE
  | "bad-signature" // the signature does not verify with the pinned key
  | "invalid" // signed, but the payload is not a feed document
  | "expired" // signed and valid, but expiresAt has passed
  | "rollback" // a lower sequence than the last accepted, or the same sequence with other content
  | "key"; // the pinned key cannot be used

export interface FeedError {
  kind: FeedErrorKind;
  /** In words, for the options page; never quotes the document's bytes at length. */
  message: string;
  time: number;
}

/** What the options page shows of one configured feed (Status.feeds). */
export interface FeedStatus {
  url: string;
  /** The policy's label, else the document's, else the URL's host. */
  label: string;
  algorithm: FeedAlgorithm;
  intervalMinutes: number;
  /** The document in force (the last good one), or null if none was ever accepted. */
  document: {
    label: string;
    sequence: number;
    issuedAt: string;
    expiresAt: string;
    /** Past expiresAt: its blocks still apply, its allowlist entries and known intermediates do not. */
    expired: boolean;
    counts: { blocklist: number; allowlist: number; knownIntermediates: number };
    /** Entries the document holds that were ignored, one message each (bounded). */
    entryErrors: string[];
    acceptedAt: number;
  } | null;
  lastCheck: number | null;
  /** The last check that fetched a valid document (new or unchanged). */
  lastSuccess: number | null;
  /** The last check's error, or null if it succeeded. */
  lastError: FeedError | null;
  nextCheck: number | null;
}

/** What all feeds add to the lists in force, merged (the background hands it to the analyzer). */
export interface FeedLists {
  blocklist: CustomBlocklistEntry[];
  allowlist: AllowlistEntry[];
  knownIntermediates: string[];
}

export const NO_FEED_LISTS: FeedLists = { blocklist: [], allowlist: [], knownIntermediates: [] };
