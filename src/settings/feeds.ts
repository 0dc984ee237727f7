/**
 * The `feeds` policy key, feed by feed: a feed without a valid url and publicKey is reported and
 * left out (it could never be verified); a bad label or interval is reported and the default used.
 */
import { parseFeedKey } from "../feeds/keys";
import { DEFAULT_FEED_INTERVAL_MINUTES, MAX_FEED_INTERVAL_MINUTES, MAX_FEEDS, MIN_FEED_INTERVAL_MINUTES, type FeedConfig } from "../feeds/model";
import { describeValue, isRecord, issueAt, type Checked, type SettingsIssue } from "./issues";
import { checkLabel, checkServiceUrl } from "./values";

export const FEED_FIELDS = ["url", "publicKey", "label", "intervalMinutes"] as const;

/** Paths are relative to the key: `[2, "publicKey"]`. An array is the policy's feeds, even with every feed refused. */
export function checkFeeds(raw: unknown): Checked<FeedConfig[]> {
  const example = '[{ "url": "https://lists.example.com/chain-sentry.jws", "publicKey": { "kty": "EC", "crv": "P-256", "x": "…", "y": "…" } }]';
  if (!Array.isArray(raw)) return { issues: [issueAt([], `expected an array such as ${example}, got ${describeValue(raw)}; no feed is fetched`)] };
  const feeds: FeedConfig[] = [];
  const issues: SettingsIssue[] = [];
  if (raw.length > MAX_FEEDS) issues.push(issueAt([], `${raw.length} feeds, at most ${MAX_FEEDS} are fetched; feeds[${MAX_FEEDS}] and after are ignored`));
  raw.slice(0, MAX_FEEDS).forEach((item, i) => {
    if (!isRecord(item)) {
      issues.push(issueAt([i], `expected an object with url and publicKey, got ${describeValue(item)}; ignored`));
      return;
    }
    for (const key of Object.keys(item)) {
      if (!(FEED_FIELDS as readonly string[]).includes(key))
        issues.push(issueAt([i], `unknown field ${describeValue(key)} ignored (expected ${FEED_FIELDS.join(", ")})`));
    }
    const url = checkServiceUrl(item.url);
    if (!url.ok) issues.push(issueAt([i, "url"], url.error));
    const key = parseFeedKey(item.publicKey);
    if (!key.ok) issues.push(issueAt([i, "publicKey"], key.error));
    let label: string | undefined;
    if (item.label !== undefined) {
      const checked = checkLabel(item.label);
      if (checked.ok) label = checked.value.trim();
      else issues.push(issueAt([i, "label"], `${checked.error}; the feed's own label is shown`));
    }
    let intervalMinutes = DEFAULT_FEED_INTERVAL_MINUTES;
    if (item.intervalMinutes !== undefined) {
      const n = item.intervalMinutes;
      if (typeof n === "number" && Number.isFinite(n) && n >= MIN_FEED_INTERVAL_MINUTES && n <= MAX_FEED_INTERVAL_MINUTES) intervalMinutes = n;
      else
        issues.push(
          issueAt(
            [i, "intervalMinutes"],
            `expected a number of minutes from ${MIN_FEED_INTERVAL_MINUTES} to ${MAX_FEED_INTERVAL_MINUTES}, got ${describeValue(n)}; checked every ${DEFAULT_FEED_INTERVAL_MINUTES} minutes`,
          ),
        );
    }
    if (!url.ok || !key.ok) {
      issues.push(issueAt([i], `not fetched: ${[!url.ok && "no valid url", !key.ok && "no valid publicKey"].filter(Boolean).join(" and ")}`));
      return;
    }
    if (feeds.some((f) => f.url === url.value && JSON.stringify(f.publicKey) === JSON.stringify(key.value))) {
      issues.push(issueAt([i], "the same url and publicKey as an earlier feed; ignored"));
      return;
    }
    feeds.push({ url: url.value, publicKey: key.value, ...(label !== undefined && { label }), intervalMinutes });
  });
  return { value: feeds, issues };
}
