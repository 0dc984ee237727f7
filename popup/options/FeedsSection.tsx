import { useState } from "preact/hooks";
import { errorMessage } from "../../src/errorMessage";
import { MAX_FEED_BYTES, type FeedAlgorithm, type FeedErrorKind, type FeedStatus } from "../../src/feeds/model";
import { useConnector } from "../connect/context";
import { Field, Fields, ListValue } from "../ui/Fields";
import { formatTime, plural } from "../ui/format";
import { BackgroundError, Notice } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";

const ALGORITHM_NAME: Record<FeedAlgorithm, string> = {
  ES256: "ES256 (ECDSA with P-256 and SHA-256)",
  ES384: "ES384 (ECDSA with P-384 and SHA-384)",
  EdDSA: "EdDSA (Ed25519)",
};

/** What went wrong, in words a user can act on: the background's message gives the detail. */
const ERROR_KIND: Record<FeedErrorKind, string> = {
  unreachable: "the feed could not be fetched (network error, timeout or an HTTP error)",
  "too-large": `larger than the ${MAX_FEED_BYTES / 1024 / 1024} MB a feed may be — refused unread`,
  malformed: "not a signed feed document — refused",
  "wrong-algorithm": "signed with another algorithm than the pinned key's — refused",
  "wrong-type": "a signed document meant for something else, not a feed — refused",
  "bad-signature": "signed by another key or altered — refused",
  invalid: "signed, but not a valid feed document — refused",
  expired: "already expired when fetched — refused",
  rollback: "an older or reused sequence — refused",
  key: "the key pinned in the policy cannot be used",
};

/**
 * The signed list feeds the organisation's policy names: what each one has in force and how its
 * last check went. The user cannot change feeds (policy only), but may check them now.
 */
export function FeedsSection() {
  const [status, reload] = useRequest("ui-bg-get-status", {});
  return (
    <section class="section" aria-labelledby="feeds-heading">
      <h2 id="feeds-heading">Signed list feeds</h2>
      {status.status === "failed" && <BackgroundError error={status.error} onRetry={reload} />}
      {status.status === "loading" && <div class="skeleton" aria-hidden="true" />}
      {status.status === "ready" &&
        (status.data.feeds.length ? <Feeds initial={status.data.feeds} /> : <p>Your organisation's policy names no signed list feeds.</p>)}
    </section>
  );
}

type Check = { status: "idle" } | { status: "checking" } | { status: "done" } | { status: "failed"; error: string };

function Feeds({ initial }: { initial: FeedStatus[] }) {
  const connector = useConnector();
  // The statuses "Check now" answered with, newer than the page's status once there are any.
  const [checked, setChecked] = useState<FeedStatus[] | null>(null);
  const [check, setCheck] = useState<Check>({ status: "idle" });
  const feeds = checked ?? initial;

  const checkNow = () => {
    setCheck({ status: "checking" });
    connector.send("ui-bg-check-feeds", {}).then(
      (statuses) => {
        setChecked(statuses);
        setCheck({ status: "done" });
      },
      (error) => setCheck({ status: "failed", error: errorMessage(error) }),
    );
  };

  return (
    <>
      <p>
        Your organisation's policy names {plural(feeds.length, "signed feed")}. Each document is checked against the key the policy pins; a refused document
        never replaces the last good one.
      </p>
      <div class="feeds-actions">
        <button type="button" onClick={checkNow} disabled={check.status === "checking"} aria-busy={check.status === "checking"}>
          Check now
        </button>
        <span role="status">
          {check.status === "checking" && "Checking the feeds…"}
          {check.status === "done" && "Checked"}
        </span>
      </div>
      {check.status === "failed" && <BackgroundError error={check.error} />}
      {feeds.map((feed, i) => (
        <Feed key={feed.url} feed={feed} id={`feed-${i}`} />
      ))}
    </>
  );
}

/** A feed's schedule times: "never" / "not scheduled" rather than an empty cell. */
function Time({ ms, none }: { ms: number | null; none: string }) {
  return ms === null ? <span class="muted">{none}</span> : <>{formatTime(ms)}</>;
}

/** A signed ISO 8601 date in the page's format; as signed if it does not parse (the background validated it). */
function signedDate(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatTime(ms);
}

/** Minutes may be fractions (tests use 30 seconds); whole hours read as hours. */
function interval(minutes: number): string {
  if (minutes < 1) return plural(Math.round(minutes * 60), "second");
  return minutes % 60 === 0 ? plural(minutes / 60, "hour") : plural(minutes, "minute");
}

function Feed({ feed, id }: { feed: FeedStatus; id: string }) {
  return (
    <article class="setting feed" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>{feed.label}</h3>
      <Fields label={`Feed ${feed.label}`}>
        <Field label="Address">
          <code>{feed.url}</code>
        </Field>
        <Field label="Signature algorithm">{ALGORITHM_NAME[feed.algorithm] ?? feed.algorithm}, pinned by the policy</Field>
        <Field label="Checked every">{interval(feed.intervalMinutes)}</Field>
        <Field label="Last check">
          <Time ms={feed.lastCheck} none="never" />
        </Field>
        <Field label="Last success">
          <Time ms={feed.lastSuccess} none="never" />
        </Field>
        <Field label="Next check">
          <Time ms={feed.nextCheck} none="not scheduled" />
        </Field>
      </Fields>
      {feed.lastError && (
        <Notice tone="error" role="alert" title={`Last check failed: ${ERROR_KIND[feed.lastError.kind] ?? feed.lastError.kind}`}>
          <p>
            {formatTime(feed.lastError.time)}: {feed.lastError.message}
          </p>
          {feed.document && <p>The last good document (sequence {feed.document.sequence}) stays in force.</p>}
        </Notice>
      )}
      {feed.document ? <FeedDocument document={feed.document} feedLabel={feed.label} /> : <p>No document accepted yet: nothing from this feed applies.</p>}
    </article>
  );
}

function FeedDocument({ document: doc, feedLabel }: { document: NonNullable<FeedStatus["document"]>; feedLabel: string }) {
  return (
    <>
      {doc.expired && (
        <Notice tone="warning" title="This document has expired">
          <p>Its blocks still apply, but its allowlist entries and known intermediates no longer do, until a newer document is accepted.</p>
        </Notice>
      )}
      <Fields label={`Document in force from ${feedLabel}`}>
        <Field label="Document">{doc.label}</Field>
        <Field label="Sequence">{doc.sequence}</Field>
        <Field label="Issued">{signedDate(doc.issuedAt)}</Field>
        <Field label="Expires">
          {signedDate(doc.expiresAt)}
          {doc.expired && <span class="badge tone-warning">Expired</span>}
        </Field>
        <Field label="Entries">
          {plural(doc.counts.blocklist, "blocklist entry", "blocklist entries")}, {plural(doc.counts.allowlist, "allowlist entry", "allowlist entries")},{" "}
          {plural(doc.counts.knownIntermediates, "known intermediate")}
        </Field>
        <Field label="Accepted">{formatTime(doc.acceptedAt)}</Field>
        {doc.entryErrors.length > 0 && (
          <Field label="Ignored entries">
            <ListValue items={doc.entryErrors} />
          </Field>
        )}
      </Fields>
    </>
  );
}
