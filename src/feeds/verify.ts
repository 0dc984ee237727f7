/**
 * Verifying a feed document: size first, then the JWS signature against the pinned key, and only
 * then is the payload parsed. A document that fails anything is refused as a whole, with the kind
 * of failure; one whose individual entries are bad is accepted without them (each reported), as a
 * policy is.
 */
import { compactVerify, errors as joseErrors, importJWK, importSPKI } from "jose";
import { errorMessage } from "../errorMessage";
import { parseFingerprint } from "../fingerprint";
import { parseList } from "../settings/entries";
import { formatIssue, under } from "../settings/issues";
import { FEED_TYPE, MAX_FEED_BYTES, MAX_FEED_ENTRIES, type FeedDocument, type FeedErrorKind, type FeedKey } from "./model";

export type FeedVerification =
  | {
      ok: true;
      document: FeedDocument;
      /** Entries left out, one message each (at most MAX_ENTRY_ERRORS, then a count). */
      entryErrors: string[];
      /** The JWS payload segment, as signed: equal payloads mean an unchanged document. */
      payload: string;
    }
  | { ok: false; kind: FeedErrorKind; message: string };

export interface VerifyOptions {
  /** For the expiry check; default Date.now(). */
  now?: number;
  /** The last accepted document of this feed: a lower sequence, or its sequence with another payload, is a rollback. */
  last?: { sequence: number; payload: string } | null;
  /** false: accept an expired document (re-verifying the stored last good one, whose blocks outlive its expiry). */
  checkExpiry?: boolean;
}

const MAX_ENTRY_ERRORS = 50;
// The signature part may be empty: that is how an "alg": "none" JWS looks, refused as wrong-algorithm.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const CONTROL = /[\x00-\x1f\x7f]/;
const PAYLOAD_KEYS = ["label", "sequence", "issuedAt", "expiresAt", "blocklist", "allowlist", "knownIntermediates"];

const refuse = (kind: FeedErrorKind, message: string): FeedVerification => ({ ok: false, kind, message });

/**
 * @example const result = await verifyFeed(text, policyFeed.publicKey, { last: { sequence: 6, payload } });
 *          if (!result.ok) show(result.kind, result.message); else apply(result.document);
 */
export async function verifyFeed(jws: string, key: FeedKey, options: VerifyOptions = {}): Promise<FeedVerification> {
  if (jws.length > MAX_FEED_BYTES)
    return refuse("too-large", `the feed is ${jws.length.toLocaleString("en")} bytes, more than the ${MAX_FEED_BYTES.toLocaleString("en")} a feed may have`);
  const text = jws.trim();
  if (!COMPACT_JWS.test(text)) return refuse("malformed", "not a JWS in compact serialization (three base64url parts separated by dots)");

  let cryptoKey: CryptoKey | Uint8Array;
  try {
    cryptoKey = "jwk" in key ? await importJWK(key.jwk, key.alg) : await importSPKI(key.spki, key.alg);
  } catch (e) {
    return refuse("key", `the pinned public key cannot be used for ${key.alg}: ${errorMessage(e).slice(0, 200)}`);
  }

  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    // The algorithm comes from the pinned key: a header asking for another (or for "none") is refused.
    verified = await compactVerify(text, cryptoKey, { algorithms: [key.alg] });
  } catch (e) {
    if (e instanceof joseErrors.JOSEAlgNotAllowed) return refuse("wrong-algorithm", `the feed is not signed with ${key.alg}, the algorithm of the pinned key`);
    if (e instanceof joseErrors.JWSSignatureVerificationFailed)
      return refuse("bad-signature", "the signature does not verify with the pinned public key: the feed was altered or signed with another key");
    return refuse("malformed", `not a valid JWS: ${errorMessage(e).slice(0, 200)}`);
  }
  if (!isFeedType(verified.protectedHeader.typ)) {
    return refuse(
      "wrong-type",
      `signed by the pinned key, but for another purpose (typ ${JSON.stringify(verified.protectedHeader.typ ?? null)}, expected "${FEED_TYPE}")`,
    );
  }

  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(verified.payload));
  } catch (e) {
    return refuse("invalid", `the signed payload is not JSON: ${errorMessage(e).slice(0, 200)}`);
  }
  const parsed = parseFeedDocument(raw);
  if (!parsed.ok) return parsed;
  const feed = parsed.document;
  const payload = text.split(".")[1];

  const now = options.now ?? Date.now();
  if (options.checkExpiry !== false && Date.parse(feed.expiresAt) <= now) {
    return refuse("expired", `sequence ${feed.sequence} expired at ${feed.expiresAt}: the publisher has not signed a newer one`);
  }
  const last = options.last;
  if (last && feed.sequence < last.sequence) {
    return refuse("rollback", `sequence ${feed.sequence} is older than sequence ${last.sequence}, already accepted: an old feed replayed`);
  }
  if (last && feed.sequence === last.sequence && payload !== last.payload) {
    return refuse("rollback", `sequence ${feed.sequence} was already accepted with other content: a changed feed needs a higher sequence`);
  }
  return { ok: true, document: feed, entryErrors: parsed.entryErrors, payload };
}

/**
 * The payload's fields. The document-level fields must all be right (they decide rollback and
 * expiry); list entries are checked one by one.
 */
export function parseFeedDocument(raw: unknown): { ok: true; document: FeedDocument; entryErrors: string[] } | { ok: false; kind: "invalid"; message: string } {
  const invalid = (message: string) => ({ ok: false as const, kind: "invalid" as const, message: `signed, but not a feed document: ${message}` });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return invalid("expected a JSON object");
  const r = raw as Record<string, unknown>;
  if (typeof r.label !== "string" || r.label.trim() === "" || r.label.length > 200 || CONTROL.test(r.label))
    return invalid("label: expected one line of text of 1 to 200 characters");
  if (typeof r.sequence !== "number" || !Number.isSafeInteger(r.sequence) || r.sequence < 0) return invalid("sequence: expected a whole number, 0 or more");
  const issued = isoTime(r.issuedAt);
  const expires = isoTime(r.expiresAt);
  if (issued === null) return invalid("issuedAt: expected an ISO 8601 date and time such as 2026-12-02T06:00:00Z");
  if (expires === null) return invalid("expiresAt: expected an ISO 8601 date and time such as 2026-12-09T06:00:00Z");
  if (expires <= issued) return invalid("expiresAt: must be later than issuedAt");
  for (const list of ["blocklist", "allowlist", "knownIntermediates"] as const) {
    if (r[list] !== undefined && !Array.isArray(r[list])) return invalid(`${list}: expected an array`);
    if (Array.isArray(r[list]) && (r[list] as unknown[]).length > MAX_FEED_ENTRIES)
      return invalid(`${list}: more than ${MAX_FEED_ENTRIES.toLocaleString("en")} entries`);
  }

  const label = r.label.trim();
  const errors: string[] = Object.keys(r)
    .filter((k) => !PAYLOAD_KEYS.includes(k))
    .map((k) => `unknown key ${JSON.stringify(k.slice(0, 40))} ignored`);
  const blocklist = parseList(r.blocklist ?? [], "blocklist", "feed");
  const allowlist = parseList(r.allowlist ?? [], "allowlist", "feed");
  errors.push(...[...under(["blocklist"], blocklist.issues), ...under(["allowlist"], allowlist.issues)].map(formatIssue));
  const known = new Set<string>();
  ((r.knownIntermediates ?? []) as unknown[]).forEach((value, i) => {
    const sha256 = parseFingerprint(value, "sha256");
    if (sha256.ok) known.add(sha256.value);
    else errors.push(`knownIntermediates[${i}]: ${sha256.error}`);
  });
  const reason = `Listed by your organisation's signed feed "${label}" (sequence ${r.sequence})`;
  return {
    ok: true,
    document: {
      label,
      sequence: r.sequence,
      issuedAt: r.issuedAt as string,
      expiresAt: r.expiresAt as string,
      blocklist: blocklist.entries.map((e) => ({ ...e, reason: e.reason ?? reason })),
      allowlist: allowlist.entries,
      knownIntermediates: [...known],
    },
    entryErrors: errors.length > MAX_ENTRY_ERRORS ? [...errors.slice(0, MAX_ENTRY_ERRORS), `… and ${errors.length - MAX_ENTRY_ERRORS} more`] : errors,
  };
}

/** Milliseconds of an ISO 8601 date-time with a zone (what `new Date().toISOString()` writes), else null. */
function isoTime(value: unknown): number | null {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : null;
}

/** RFC 7515 4.1.9: "application/" may be prepended, and media types compare case-insensitively (what other signing tools write). */
function isFeedType(typ: unknown): boolean {
  return typeof typ === "string" && typ.toLowerCase().replace(/^application\//, "") === FEED_TYPE;
}
