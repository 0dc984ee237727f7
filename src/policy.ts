/**
 * Enterprise policy and settings resolution: what the managed configuration (policies.json →
 * "3rdparty" → "Extensions" → "chain-sentry@chainsentry.dev", read through storage.managed) may
 * say, how it combines with what the user saved, and what the options page may still change.
 *
 * Everything here is a decision, nothing is I/O: background/settings.ts reads the two storage
 * areas, calls these functions and writes back what they return.
 */
import { parseFeedKey } from "./feeds/keys";
import { DEFAULT_FEED_INTERVAL_MINUTES, MAX_FEED_INTERVAL_MINUTES, MAX_FEEDS, MIN_FEED_INTERVAL_MINUTES, type FeedConfig } from "./feeds/model";
import { parseListText } from "./listText";
import { DEFAULT_SETTINGS, MAX_HISTORY_LIMIT, type EffectiveSettings, type Mode, type PolicyState, type SettingsInput, type SettingsView, type UserSettings } from "./protocol";
import { HEADER_NAME, REPORT_FORMATS } from "./reporting/formats";
import type { ReportFormat, ReportingConfig, UrlDetail } from "./reporting/model";
import { parseList, type AllowlistEntry, type CustomBlocklistEntry } from "./settings";
import type { Severity } from "./verdict";

/** The keys the managed configuration may carry, in the order messages list them. */
export const POLICY_KEYS = ["mode", "blocklist", "allowlist", "notifications", "historyLimit", "lockSettings", "blockUnverifiableChains", "reporting", "feeds"] as const;

/** What lockSettings takes out of the user's hands (on top of whatever the policy sets itself). */
export const LOCKED_KEYS: readonly (keyof EffectiveSettings)[] = ["mode", "notifications", "notifyWarnings", "allowlist", "blocklist"];

/** EffectiveSettings keys in display order (managedKeys follow it). */
const SETTING_KEYS: readonly (keyof EffectiveSettings)[] = ["mode", "notifications", "notifyWarnings", "historyLimit", "allowlist", "blocklist", "blockUnverifiableChains", "reporting", "feeds"];

const MODES: readonly Mode[] = ["warn", "block"];

export interface ValidatedPolicy {
  /** The valid values, ready to lay over the user's settings. */
  values: Partial<EffectiveSettings>;
  /** lockSettings was true. */
  locked: boolean;
  /** One precise message per ignored key or entry. */
  errors: string[];
  /** A managed configuration with at least one key (valid or not) was found. */
  present: boolean;
}

const NO_POLICY: ValidatedPolicy = { values: {}, locked: false, errors: [], present: false };

/**
 * Validates the managed configuration key by key: a bad key or list entry is reported and
 * ignored, every valid part still applies.
 *
 * Booleans also accept 1 and 0, the form a Windows registry DWORD (Group Policy) arrives in.
 *
 * @example validatePolicy({ mode: "BLOCK", lockSettings: true })
 *          // → { values: {}, locked: true, present: true,
 *          //     errors: ['mode: expected "warn" or "block", got "BLOCK" (values are lowercase)'] }
 */
export function validatePolicy(raw: unknown): ValidatedPolicy {
  if (raw === undefined || raw === null) return { ...NO_POLICY, errors: [] };
  if (!isRecord(raw)) {
    return { values: {}, locked: false, present: true, errors: [`managed configuration: expected an object of settings (${POLICY_KEYS.join(", ")}), got ${describeValue(raw)}`] };
  }
  const keys = Object.keys(raw).filter((k) => raw[k] !== undefined);
  if (keys.length === 0) return { ...NO_POLICY, errors: [] };

  const values: Partial<EffectiveSettings> = {};
  const errors: string[] = [];
  let locked = false;

  for (const key of keys) {
    const value = raw[key];
    switch (key) {
      case "mode": {
        const mode = checkMode(value);
        if (mode.ok) values.mode = mode.value;
        else errors.push(`mode: ${mode.error}`);
        break;
      }
      case "notifications": {
        const b = checkBoolean(value, true);
        if (b.ok) values.notifications = b.value;
        else errors.push(`notifications: ${b.error}`);
        break;
      }
      case "historyLimit": {
        const n = checkHistoryLimit(value);
        if (n.ok) values.historyLimit = n.value;
        else errors.push(`historyLimit: ${n.error}`);
        break;
      }
      case "blockUnverifiableChains": {
        const b = checkBoolean(value, true);
        if (b.ok) values.blockUnverifiableChains = b.value;
        else errors.push(`blockUnverifiableChains: ${b.error}`);
        break;
      }
      case "reporting": {
        const r = checkReporting(value);
        errors.push(...r.errors);
        if (r.config) values.reporting = r.config;
        break;
      }
      case "feeds": {
        const f = checkFeeds(value);
        errors.push(...f.errors);
        if (Array.isArray(value)) values.feeds = f.feeds;
        break;
      }
      case "lockSettings": {
        const b = checkBoolean(value, true);
        if (b.ok) locked = b.value;
        else errors.push(`lockSettings: ${b.error}; settings are not locked`);
        break;
      }
      case "blocklist": {
        const parsed = parseList(value, "blocklist", "policy");
        errors.push(...parsed.errors);
        // An array (even one whose entries were all rejected) is the policy's blocklist; anything else is no value.
        if (Array.isArray(value)) values.blocklist = parsed.entries;
        break;
      }
      case "allowlist": {
        const parsed = parseList(value, "allowlist", "policy");
        errors.push(...parsed.errors);
        if (Array.isArray(value)) values.allowlist = parsed.entries;
        break;
      }
      case "notifyWarnings":
        errors.push(`notifyWarnings: ignored, it is a user setting and cannot be set by policy (policy keys: ${POLICY_KEYS.join(", ")})`);
        break;
      default:
        errors.push(`unknown key "${key}" ignored (expected ${POLICY_KEYS.join(", ")})`);
    }
  }
  return { values, locked, errors, present: true };
}

/** The PolicyState the pages show. */
export function policyState(policy: ValidatedPolicy): PolicyState {
  return { present: policy.present, errors: [...policy.errors], locked: policy.locked };
}

/**
 * Policy over user over DEFAULT_SETTINGS, key by key.
 * - blocklist: the user's entries plus the policy's (blocking more is always allowed, locked or not);
 * - allowlist: policy ∪ user, but only the policy's when locked (the enterprise decides what is trusted);
 * - locked: the user's mode, notifications and notifyWarnings no longer count (policy value or default).
 * managedKeys: the scalar keys the policy sets, plus LOCKED_KEYS when locked, in EffectiveSettings order.
 * The stored user settings are validated again here: storage can hold anything.
 */
export function resolveSettings(user: UserSettings, policy: ValidatedPolicy): { effective: EffectiveSettings; managedKeys: (keyof EffectiveSettings)[] } {
  const u = sanitizeUserSettings(user);
  const p = policy.values;
  const locked = policy.locked;
  const userScalar = <K extends "mode" | "notifications" | "notifyWarnings">(key: K) => (locked ? undefined : (u[key] as EffectiveSettings[K] | undefined));

  const policyBlock = p.blocklist ?? [];
  const userBlock = u.blocklist ?? [];
  const policyAllow = p.allowlist ?? [];
  const userAllow = locked ? [] : (u.allowlist ?? []);

  const effective: EffectiveSettings = {
    mode: p.mode ?? userScalar("mode") ?? DEFAULT_SETTINGS.mode,
    notifications: p.notifications ?? userScalar("notifications") ?? DEFAULT_SETTINGS.notifications,
    notifyWarnings: userScalar("notifyWarnings") ?? DEFAULT_SETTINGS.notifyWarnings,
    historyLimit: p.historyLimit ?? u.historyLimit ?? DEFAULT_SETTINGS.historyLimit,
    blockUnverifiableChains: p.blockUnverifiableChains ?? DEFAULT_SETTINGS.blockUnverifiableChains,
    reporting: p.reporting ?? DEFAULT_SETTINGS.reporting,
    feeds: p.feeds ?? DEFAULT_SETTINGS.feeds,
    allowlist: union(policyAllow, userAllow),
    blocklist: union(policyBlock, userBlock),
  };

  // Lists merge: the policy's entries are shown as the organisation's, and the user still edits
  // their own additions unless the settings are locked.
  const managed = new Set<keyof EffectiveSettings>((Object.keys(p) as (keyof EffectiveSettings)[]).filter((k) => k !== "allowlist" && k !== "blocklist"));
  if (locked) for (const k of LOCKED_KEYS) managed.add(k);
  return { effective, managedKeys: SETTING_KEYS.filter((k) => managed.has(k)) };
}

/** Everything the pages need: effective settings, what the user saved, the policy and its errors. */
export function buildSettingsView(user: unknown, policy: ValidatedPolicy): SettingsView {
  const sanitized = sanitizeUserSettings(user);
  const { effective, managedKeys } = resolveSettings(sanitized, policy);
  return { effective, user: sanitized, policy: policyState(policy), managedKeys };
}

/**
 * Keeps only well-typed values from stored user settings (storage.local can hold anything: an older
 * version's format, a hand edit). Wrong types are dropped silently; list entries are re-validated
 * and always tagged source "user".
 */
export function sanitizeUserSettings(raw: unknown): UserSettings {
  if (!isRecord(raw)) return {};
  const out: UserSettings = {};
  const mode = checkMode(raw.mode);
  if (mode.ok) out.mode = mode.value;
  if (typeof raw.notifications === "boolean") out.notifications = raw.notifications;
  if (typeof raw.notifyWarnings === "boolean") out.notifyWarnings = raw.notifyWarnings;
  // A limit saved before the cap existed is held to the cap rather than dropped (back to the default).
  const limit = checkHistoryLimit(typeof raw.historyLimit === "number" ? Math.min(raw.historyLimit, MAX_HISTORY_LIMIT) : raw.historyLimit);
  if (limit.ok) out.historyLimit = limit.value;
  // Entries are validated as the options page's were; what no longer passes is dropped.
  if (Array.isArray(raw.allowlist)) out.allowlist = parseList(raw.allowlist, "allowlist", "user").entries;
  if (Array.isArray(raw.blocklist)) out.blocklist = parseList(raw.blocklist, "blocklist", "user").entries;
  return out;
}

export type SaveDecision = { ok: true; user: UserSettings } | { ok: false; errors: string[] };

/**
 * Applies what the options page submitted to the user's settings. All or nothing: any error and
 * nothing is to be saved. A key the policy manages (or lockSettings locks) may be submitted
 * unchanged (equal to the effective or the stored value) and is then left alone; a change is
 * refused with an error naming the key.
 */
export async function applySettingsInput(current: SettingsView, input: SettingsInput): Promise<SaveDecision> {
  const errors: string[] = [];
  if (!isRecord(input)) return { ok: false, errors: [`settings: expected an object, got ${describeValue(input)}`] };
  const managed = new Set(current.managedKeys);
  const next: UserSettings = { ...current.user };
  const refuse = (key: keyof EffectiveSettings) =>
    errors.push(
      current.policy.locked && LOCKED_KEYS.includes(key)
        ? `${key}: locked by your organisation's policy (lockSettings), it cannot be changed here`
        : `${key}: set by your organisation's policy, it cannot be changed here`,
    );

  const known = new Set(["mode", "notifications", "notifyWarnings", "historyLimit", "allowlistText", "blocklistText"]);
  for (const key of Object.keys(input)) if (!known.has(key)) errors.push(`unknown setting "${key}"`);

  const scalar = <K extends "mode" | "notifications" | "notifyWarnings" | "historyLimit">(key: K, check: (v: unknown) => Check<EffectiveSettings[K]>) => {
    if (input[key] === undefined) return;
    const result = check(input[key]);
    if (!result.ok) {
      errors.push(`${key}: ${result.error}`);
      return;
    }
    if (managed.has(key)) {
      if (result.value !== current.effective[key] && result.value !== current.user[key]) refuse(key);
      return;
    }
    next[key] = result.value as UserSettings[K];
  };
  scalar("mode", checkMode);
  scalar("notifications", (v) => checkBoolean(v, false));
  scalar("notifyWarnings", (v) => checkBoolean(v, false));
  scalar("historyLimit", checkHistoryLimit);

  for (const kind of ["allowlist", "blocklist"] as const) {
    const text = input[`${kind}Text`];
    if (text === undefined) continue;
    if (typeof text !== "string") {
      errors.push(`${kind}: expected text, got ${describeValue(text)}`);
      continue;
    }
    const parsed = kind === "allowlist" ? await parseListText(text, "allowlist", "user") : await parseListText(text, "blocklist", "user");
    errors.push(...parsed.errors.map((e) => `${kind} ${e}`));
    if (parsed.errors.length) continue;
    if (managed.has(kind)) {
      if (!sameEntries(parsed.entries, current.user[kind] ?? [])) refuse(kind);
      continue;
    }
    if (kind === "allowlist") next.allowlist = parsed.entries as AllowlistEntry[];
    else next.blocklist = parsed.entries as CustomBlocklistEntry[];
  }

  return errors.length ? { ok: false, errors } : { ok: true, user: next };
}

// ---------------------------------------------------------------------------------------------

type Check<T> = { ok: true; value: T } | { ok: false; error: string };

function checkMode(value: unknown): Check<Mode> {
  return checkOneOf(value, MODES);
}

function checkOneOf<T extends string>(value: unknown, choices: readonly T[]): Check<T> {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return { ok: true, value: value as T };
  const hint = typeof value === "string" && (choices as readonly string[]).includes(value.trim().toLowerCase()) ? " (values are lowercase)" : "";
  const quoted = choices.map((c) => `"${c}"`);
  return { ok: false, error: `expected ${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}, got ${describeValue(value)}${hint}` };
}

/** `registryNumbers`: also 1/0, as Group Policy (registry DWORD) delivers booleans. */
function checkBoolean(value: unknown, registryNumbers: boolean): Check<boolean> {
  if (typeof value === "boolean") return { ok: true, value };
  if (registryNumbers && (value === 0 || value === 1)) return { ok: true, value: value === 1 };
  return { ok: false, error: `expected true or false${registryNumbers ? " (or 1/0 from a registry DWORD)" : ""}, got ${describeValue(value)}` };
}

function checkHistoryLimit(value: unknown): Check<number> {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > MAX_HISTORY_LIMIT) return { ok: false, error: `expected at most ${MAX_HISTORY_LIMIT} (the largest history Chain Sentry keeps), got ${value}` };
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return { ok: true, value };
  const asString = typeof value === "string" ? " (a JSON number, not a string)" : "";
  return { ok: false, error: `expected a positive whole number such as ${DEFAULT_SETTINGS.historyLimit}${asString}, got ${describeValue(value)}` };
}

function checkWholeNumber(value: unknown, min: number, max: number): Check<number> {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max) return { ok: true, value };
  const asString = typeof value === "string" ? " (a JSON number, not a string)" : "";
  return { ok: false, error: `expected a whole number from ${min} to ${max}${asString}, got ${describeValue(value)}` };
}

const REPORTING_FIELDS = ["endpoint", "format", "token", "headers", "minLevel", "url", "includeChain", "deviceLabel", "batchSize", "intervalSeconds"] as const;
const URL_DETAILS: readonly UrlDetail[] = ["full", "origin", "none"];
const SEVERITIES: readonly Severity[] = ["notice", "warning", "blocked"];
/** Set by the request itself: a policy's value would contradict the body or the URL. */
const RESERVED_HEADERS = ["content-type", "host", "content-length"];
const FORMAT_PATH: Record<ReportFormat, string> = { otlp: "/v1/logs", "splunk-hec": "/services/collector/event", ndjson: "" };
const LOOPBACK = "127.0.0.0/8, ::1, localhost";
/** Control characters, line breaks above all: a token or header value must never split a header in two. */
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * The reporting key, field by field: a bad field is reported and the default (or nothing) used.
 * Without a valid endpoint and format there is nowhere to send to, so reporting stays off. Tokens
 * and header values are never quoted back: the messages are shown to users.
 */
function checkReporting(raw: unknown): { config: ReportingConfig | null; errors: string[] } {
  if (!isRecord(raw)) {
    return { config: null, errors: [`reporting: expected an object such as { "endpoint": "https://collector.example.com:4318", "format": "otlp" }, got ${describeValue(raw)}; nothing is reported`] };
  }
  const errors: string[] = [];
  const field = <T>(name: (typeof REPORTING_FIELDS)[number], check: (v: unknown) => Check<T>): T | undefined => {
    if (raw[name] === undefined) return undefined;
    const result = check(raw[name]);
    if (result.ok) return result.value;
    errors.push(`reporting.${name}: ${result.error}`);
    return undefined;
  };

  for (const key of Object.keys(raw)) {
    if (!(REPORTING_FIELDS as readonly string[]).includes(key)) errors.push(`reporting: unknown field ${describeValue(key)} ignored (expected ${REPORTING_FIELDS.join(", ")})`);
  }
  const format = field("format", (v) => checkOneOf(v, REPORT_FORMATS));
  const endpoint = field("endpoint", (v) => checkEndpoint(v, format));
  const token = field("token", (v) => (typeof v === "string" && v !== "" && !CONTROL.test(v) ? { ok: true, value: v } : { ok: false, error: typeof v === "string" ? "expected one line of text (no line breaks or other control characters)" : `expected text, got ${describeValue(v)}` }));
  const headers = field("headers", (v) => (isRecord(v) ? { ok: true, value: checkHeaders(v, token !== undefined, errors) } : { ok: false, error: `expected an object of header names and text values, got ${describeValue(v)}` })) ?? {};
  const minLevel = field("minLevel", (v) => checkOneOf(v, SEVERITIES)) ?? "warning";
  const url = field("url", (v) => checkOneOf(v, URL_DETAILS)) ?? "origin";
  const includeChain = field("includeChain", (v) => checkBoolean(v, true)) ?? false;
  const deviceLabel = field("deviceLabel", (v) =>
    typeof v === "string" && v.trim() !== "" && v.length <= 200 && !CONTROL.test(v) ? { ok: true, value: v } : { ok: false, error: `expected one line of text of 1 to 200 characters, got ${describeValue(v)}` },
  );
  const batchSize = field("batchSize", (v) => checkWholeNumber(v, 1, 1000)) ?? 100;
  const intervalSeconds = field("intervalSeconds", (v) => checkWholeNumber(v, 5, 3600)) ?? 30;

  if (format === "splunk-hec" && token === undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
    errors.push(`reporting.token: missing; Splunk HEC refuses events without "Authorization: Splunk <token>"`);
  }
  if (endpoint === undefined || format === undefined) {
    const lacking = [endpoint === undefined && `${raw.endpoint === undefined ? "no" : "no valid"} endpoint`, format === undefined && `${raw.format === undefined ? "no" : "no valid"} format`].filter(Boolean);
    errors.push(`reporting: not applied, nothing is reported: ${lacking.join(" and ")}`);
    return { config: null, errors };
  }
  return {
    config: { endpoint, format, ...(token !== undefined && { token }), headers, minLevel, url, includeChain, ...(deviceLabel !== undefined && { deviceLabel }), batchSize, intervalSeconds },
    errors,
  };
}

function checkEndpoint(value: unknown, format: ReportFormat | undefined): Check<string> {
  const url = checkServiceUrl(value);
  if (!url.ok) return url;
  if (new URL(url.value).search && format !== "ndjson") {
    return { ok: false, error: `must not have a query (?...)${format ? `: the ${format} path ${FORMAT_PATH[format]} is appended to it` : ""}, got ${describeValue(value)}` };
  }
  return url;
}

/** A server the background talks to for the organisation (a collector, a feed): https:, or http: to this computer. */
function checkServiceUrl(value: unknown): Check<string> {
  const expected = `expected an https: URL, or http: to this computer (${LOOPBACK})`;
  if (typeof value !== "string") return { ok: false, error: `${expected}, got ${describeValue(value)}` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, error: `${expected}, got ${describeValue(value)}` };
  }
  // Not quoted back: the user name and password would be shown to users.
  if (url.username || url.password) return { ok: false, error: "must not hold a user name or password (put the credential in token or headers)" };
  if (url.protocol === "http:" && !isLoopback(url.hostname)) return { ok: false, error: `http: is allowed only to this computer (${LOOPBACK}), got ${describeValue(value)}: use https:` };
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: `${expected}, got ${describeValue(value)}` };
  if (url.hash) return { ok: false, error: `must not have a fragment (#...), got ${describeValue(value)}` };
  return { ok: true, value: value.trim() };
}

const FEED_FIELDS = ["url", "publicKey", "label", "intervalMinutes"] as const;

/**
 * The feeds key, feed by feed: a feed without a valid url and publicKey is reported and left out
 * (it could never be verified); a bad label or interval is reported and the default used.
 */
function checkFeeds(raw: unknown): { feeds: FeedConfig[]; errors: string[] } {
  const example = '[{ "url": "https://lists.example.com/chain-sentry.jws", "publicKey": { "kty": "EC", "crv": "P-256", "x": "…", "y": "…" } }]';
  if (!Array.isArray(raw)) return { feeds: [], errors: [`feeds: expected an array such as ${example}, got ${describeValue(raw)}; no feed is fetched`] };
  const feeds: FeedConfig[] = [];
  const errors: string[] = [];
  if (raw.length > MAX_FEEDS) errors.push(`feeds: ${raw.length} feeds, at most ${MAX_FEEDS} are fetched; feeds[${MAX_FEEDS}] and after are ignored`);
  raw.slice(0, MAX_FEEDS).forEach((item, i) => {
    const at = `feeds[${i}]`;
    if (!isRecord(item)) {
      errors.push(`${at}: expected an object with url and publicKey, got ${describeValue(item)}; ignored`);
      return;
    }
    for (const key of Object.keys(item)) {
      if (!(FEED_FIELDS as readonly string[]).includes(key)) errors.push(`${at}: unknown field ${describeValue(key)} ignored (expected ${FEED_FIELDS.join(", ")})`);
    }
    const url = checkServiceUrl(item.url);
    if (!url.ok) errors.push(`${at}.url: ${url.error}`);
    const key = parseFeedKey(item.publicKey);
    if (!key.ok) errors.push(`${at}.publicKey: ${key.error}`);
    let label: string | undefined;
    if (item.label !== undefined) {
      const l = item.label;
      if (typeof l === "string" && l.trim() !== "" && l.length <= 200 && !CONTROL.test(l)) label = l.trim();
      else errors.push(`${at}.label: expected one line of text of 1 to 200 characters, got ${describeValue(l)}; the feed's own label is shown`);
    }
    let intervalMinutes = DEFAULT_FEED_INTERVAL_MINUTES;
    if (item.intervalMinutes !== undefined) {
      const n = item.intervalMinutes;
      if (typeof n === "number" && Number.isFinite(n) && n >= MIN_FEED_INTERVAL_MINUTES && n <= MAX_FEED_INTERVAL_MINUTES) intervalMinutes = n;
      else errors.push(`${at}.intervalMinutes: expected a number of minutes from ${MIN_FEED_INTERVAL_MINUTES} to ${MAX_FEED_INTERVAL_MINUTES}, got ${describeValue(n)}; checked every ${DEFAULT_FEED_INTERVAL_MINUTES} minutes`);
    }
    if (!url.ok || !key.ok) {
      errors.push(`${at}: not fetched: ${[!url.ok && "no valid url", !key.ok && "no valid publicKey"].filter(Boolean).join(" and ")}`);
      return;
    }
    if (feeds.some((f) => f.url === url.value && JSON.stringify(f.publicKey) === JSON.stringify(key.value))) {
      errors.push(`${at}: the same url and publicKey as an earlier feed; ignored`);
      return;
    }
    feeds.push({ url: url.value, publicKey: key.value, ...(label !== undefined && { label }), intervalMinutes });
  });
  return { feeds, errors };
}

/** The URL parser has already turned 127.1, 0x7f.0.0.1 and the like into dotted decimal. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Each bad header is reported and left out; the others are sent. */
function checkHeaders(raw: Record<string, unknown>, hasToken: boolean, errors: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const at = `reporting.headers.${describeValue(name)}`;
    if (!HEADER_NAME.test(name)) errors.push(`${at}: not a valid header name (letters, digits and !#$%&'*+.^_\`|~-), ignored`);
    else if (RESERVED_HEADERS.includes(name.toLowerCase())) errors.push(`${at}: set by Chain Sentry for the format, ignored`);
    else if (hasToken && name.toLowerCase() === "authorization") errors.push(`${at}: ignored, token sets the Authorization header`);
    else if (typeof value !== "string") errors.push(`${at}: expected text, got ${describeValue(value)}; ignored`);
    else if (CONTROL.test(value)) errors.push(`${at}: the value must be one line (no line breaks or other control characters); ignored`);
    else headers[name] = value;
  }
  return headers;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a message quotes it: strings quoted (and cut), numbers as written, kinds for the rest. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case "number":
    case "boolean":
      return String(value);
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

/** Identity of an entry for de-duplication: its match keys, not its label. */
function entryKey(e: CustomBlocklistEntry | AllowlistEntry): string {
  const b = e as CustomBlocklistEntry;
  return JSON.stringify([b.sha256, b.sha1, b.spkiSha256, b.issuerSerial?.issuer, b.issuerSerial?.serial, b.subjectSpki?.subject, b.subjectSpki?.spkiSha256]);
}

/** First list first; entries of the second that name exactly the same certificate are dropped. */
function union<T extends CustomBlocklistEntry | AllowlistEntry>(first: T[], second: T[]): T[] {
  const seen = new Set(first.map(entryKey));
  const out = [...first];
  for (const e of second) {
    const k = entryKey(e);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}

function sameEntries(a: (CustomBlocklistEntry | AllowlistEntry)[], b: (CustomBlocklistEntry | AllowlistEntry)[]): boolean {
  const norm = (list: (CustomBlocklistEntry | AllowlistEntry)[]) => list.map((e) => `${entryKey(e)}|${e.label ?? ""}`).sort().join("\n");
  return norm(a) === norm(b);
}

