/**
 * The settings schema: every setting once, with its default, what the enterprise policy may say
 * about it, what the user may, what lockSettings does to it, and how the docs describe its type.
 * Validation (policy, stored settings, the options page's input), defaults, lock rules, managed
 * keys, the options page's fields and the docs' policy key table all derive from here
 * (test/unit/settings-schema-meta.test.ts holds them to it).
 *
 * Hand-written rather than a schema library: the messages users get name the key, entry, field,
 * what was expected and what was found, and a bad part is reported and ignored while the rest
 * applies (a policy entry keeps its valid fields, reporting falls back to a field's default, an
 * array of refused entries is still the policy's list). A library such as valibot fails an object
 * on its first bad field and would need a custom action with its own message per field to do
 * this, i.e. these same checks inside its wrappers, for a few kB more on every event-page wake.
 */
import type { FeedConfig } from "../feeds/model";
import type { SettingsInput } from "../protocol";
import type { ReportingConfig } from "../reporting/model";
import { entryFields, entryIdentity, parseList, type AllowlistEntry, type CustomBlocklistEntry, type ListEntry, type ListKind } from "./entries";
import { checkFeeds, FEED_FIELDS } from "./feeds";
import { describeValue, issueAt, type Check, type Checked } from "./issues";
import { checkReporting, REPORTING_FIELDS } from "./reporting";
import { checkBoolean, checkOneOf } from "./values";

export type Mode = "warn" | "block";
export const MODES: readonly Mode[] = ["warn", "block"];

/** The largest historyLimit: the history is kept in memory and sent whole to the history page. */
export const MAX_HISTORY_LIMIT = 100_000;
const DEFAULT_HISTORY_LIMIT = 10_000;

/** The settings in force: policy over user over defaults, key by key; lists tagged with their source. */
export interface EffectiveSettings {
  mode: Mode;
  /** Desktop notification when a blocked certificate appears (at most one per tab and origin). */
  notifications: boolean;
  /** Also notify for warnings (user setting only). */
  notifyWarnings: boolean;
  historyLimit: number;
  allowlist: AllowlistEntry[];
  blocklist: CustomBlocklistEntry[];
  /**
   * Block mode also stops connections where an overridden certificate error left no chain to check
   * (Firefox reports none after an exception was added). Policy only.
   */
  blockUnverifiableChains: boolean;
  /** Fleet reporting to the organisation's collector, or null (off). Policy only. */
  reporting: ReportingConfig | null;
  /** Signed list feeds the background fetches and applies (src/feeds/). Policy only. */
  feeds: FeedConfig[];
}

export type SettingKey = keyof EffectiveSettings;

/** The settings a user may set in the options page; the schema gives exactly these a user rule. */
export type UserSettingKey = "mode" | "notifications" | "notifyWarnings" | "historyLimit" | "allowlist" | "blocklist";

/** What the user saved in the options page (storage.local). */
export type UserSettings = Partial<Pick<EffectiveSettings, UserSettingKey>>;

/**
 * What lockSettings does to a setting the user may set:
 * - "unaffected": the user still decides (the history's size);
 * - "policy-or-default": the user can no longer change it and their saved value no longer counts;
 * - "read-only": the user can no longer change it, but their saved value still applies (their own
 *   blocklist entries keep blocking: blocking more is always allowed).
 */
export type LockRule = "unaffected" | "policy-or-default" | "read-only";

/** How docs/enterprise.md's policy key table must describe a key's type (checked row by row). */
export type TypeDescription =
  | { kind: "choice"; choices: readonly string[] }
  | { kind: "boolean" }
  | { kind: "whole number"; min: number; max: number }
  | { kind: "array" | "object"; fields: readonly string[] };

interface UserRule<T> {
  /** The SettingsInput key the options page sends it in. */
  input: keyof SettingsInput;
  /** The options page's value: issues have paths relative to the setting. */
  parse(raw: unknown): Checked<T> | Promise<Checked<T>>;
  /** A value read back from storage.local, which can hold anything: the value, or undefined to drop it. */
  restore(raw: unknown): T | undefined;
  lock: LockRule;
}

interface SettingDefinition<T> {
  default: T;
  type: TypeDescription;
  /** The policy's value (issues relative to the key; no value: nothing applies), or absent: the user's setting only. */
  policy?: (raw: unknown) => Checked<T>;
  /**
   * "override": the policy's value wins and the key is then managed (not editable);
   * "union": the policy's entries and the user's both apply, the user still edits their own.
   */
  combine: "override" | "union";
}

type Definition<K extends SettingKey> = SettingDefinition<EffectiveSettings[K]> &
  (K extends UserSettingKey ? { user: UserRule<EffectiveSettings[K]> } : { user?: never; policy: (raw: unknown) => Checked<EffectiveSettings[K]> });

const fromCheck = <T>(check: Check<T>): Checked<T> => (check.ok ? { value: check.value, issues: [] } : { issues: [issueAt([], check.error)] });

const checkMode = (value: unknown) => checkOneOf(value, MODES);

function checkHistoryLimit(value: unknown): Check<number> {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > MAX_HISTORY_LIMIT)
    return { ok: false, error: `expected at most ${MAX_HISTORY_LIMIT} (the largest history Chain Sentry keeps), got ${value}` };
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return { ok: true, value };
  const asString = typeof value === "string" ? " (a JSON number, not a string)" : "";
  return { ok: false, error: `expected a positive whole number such as ${DEFAULT_HISTORY_LIMIT}${asString}, got ${describeValue(value)}` };
}

const booleanSetting = (defaultValue: boolean): SettingDefinition<boolean> & Required<Pick<SettingDefinition<boolean>, "policy">> => ({
  default: defaultValue,
  type: { kind: "boolean" },
  // A policy's booleans may come as 1/0 (a registry DWORD from Group Policy); the options page sends real ones.
  policy: (v) => fromCheck(checkBoolean(v, true)),
  combine: "override",
});

const userBoolean = (input: "notifications" | "notifyWarnings"): UserRule<boolean> => ({
  input,
  parse: (v) => fromCheck(checkBoolean(v, false)),
  restore: (v) => (typeof v === "boolean" ? v : undefined),
  lock: "policy-or-default",
});

/** A list: from the policy as entries, from the options page as text, from storage as the entries it saved. */
function listSetting<K extends ListKind>(kind: K, lock: LockRule): Definition<K> {
  type Entries = EffectiveSettings[K];
  return {
    default: [],
    type: { kind: "array", fields: entryFields(kind) },
    policy: (raw: unknown) => {
      const parsed = parseList(raw, kind, "policy");
      // An array (even one whose entries were all rejected) is the policy's list; anything else is no value.
      return { ...(Array.isArray(raw) && { value: parsed.entries as Entries }), issues: parsed.issues };
    },
    combine: "union",
    user: {
      input: `${kind}Text`,
      parse: async (raw: unknown) => {
        if (typeof raw !== "string") return { issues: [issueAt([], `expected text, got ${describeValue(raw)}`)] };
        // Loaded with the first save: it brings @peculiar/x509 (for PEM input), which the background needs for nothing else.
        const { parseListText } = await import("../listText");
        const parsed = await parseListText(raw, kind, "user");
        return { value: parsed.entries as Entries, issues: parsed.issues };
      },
      // Entries are validated as the options page's were; what no longer passes is dropped.
      restore: (raw: unknown) => (Array.isArray(raw) ? (parseList(raw, kind, "user").entries as Entries) : undefined),
      lock,
    },
  } as unknown as Definition<K>;
}

/** Every setting, in the order the options page and managedKeys list them. */
export const SETTINGS: { [K in SettingKey]: Definition<K> } = {
  mode: {
    default: "warn",
    type: { kind: "choice", choices: MODES },
    policy: (v) => fromCheck(checkMode(v)),
    combine: "override",
    user: { input: "mode", parse: (v) => fromCheck(checkMode(v)), restore: (v) => (checkMode(v).ok ? (v as Mode) : undefined), lock: "policy-or-default" },
  },
  notifications: { ...booleanSetting(true), user: userBoolean("notifications") },
  notifyWarnings: { default: false, type: { kind: "boolean" }, combine: "override", user: userBoolean("notifyWarnings") },
  historyLimit: {
    default: DEFAULT_HISTORY_LIMIT,
    type: { kind: "whole number", min: 1, max: MAX_HISTORY_LIMIT },
    policy: (v) => fromCheck(checkHistoryLimit(v)),
    combine: "override",
    user: {
      input: "historyLimit",
      parse: (v) => fromCheck(checkHistoryLimit(v)),
      // A limit saved before the cap existed is held to the cap rather than dropped (back to the default).
      restore: (v) => {
        const limit = checkHistoryLimit(typeof v === "number" ? Math.min(v, MAX_HISTORY_LIMIT) : v);
        return limit.ok ? limit.value : undefined;
      },
      lock: "unaffected",
    },
  },
  // Locked, only the policy's allowlist counts: the enterprise decides what is trusted.
  allowlist: listSetting("allowlist", "policy-or-default"),
  blocklist: listSetting("blocklist", "read-only"),
  blockUnverifiableChains: booleanSetting(false),
  reporting: { default: null, type: { kind: "object", fields: REPORTING_FIELDS }, policy: checkReporting, combine: "override" },
  feeds: { default: [], type: { kind: "array", fields: FEED_FIELDS }, policy: checkFeeds, combine: "override" },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export const DEFAULT_SETTINGS = Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTINGS[key].default])) as unknown as EffectiveSettings;

/** The policy key that is no setting of its own: it locks the user's settings (see LockRule). */
export const LOCK_SETTINGS = {
  key: "lockSettings",
  default: false,
  type: { kind: "boolean" },
  parse: (v: unknown): Checked<boolean> => {
    const b = checkBoolean(v, true);
    return b.ok ? { value: b.value, issues: [] } : { issues: [issueAt([], `${b.error}; settings are not locked`)] };
  },
} as const;

/** The keys the managed configuration may carry, in the order messages list them. */
export const POLICY_KEYS: readonly string[] = [...SETTING_KEYS.filter((key) => SETTINGS[key].policy), LOCK_SETTINGS.key];

/** How lockSettings treats a setting: the user's rule, or "policy-only" for what only a policy sets. */
export function lockRule(key: SettingKey): LockRule | "policy-only" {
  return SETTINGS[key].user?.lock ?? "policy-only";
}

/** Whether a setting is out of the user's hands because lockSettings is on (whatever the policy sets itself). */
export function lockedBySettings(key: SettingKey, locked: boolean): boolean {
  const rule = lockRule(key);
  return locked && (rule === "policy-or-default" || rule === "read-only");
}

/** What lockSettings takes out of the user's hands. */
export const LOCKED_KEYS: readonly SettingKey[] = SETTING_KEYS.filter((key) => lockedBySettings(key, true));

/** The settings the options page edits, and the SettingsInput key each arrives in. */
export const USER_SETTING_KEYS = SETTING_KEYS.filter((key): key is UserSettingKey => SETTINGS[key].user !== undefined);

/** Whether two values of a setting are the same choice: lists compare by the certificates they name (and labels). */
export function sameValue(key: SettingKey, a: unknown, b: unknown): boolean {
  if (SETTINGS[key].combine !== "union") return a === b;
  const norm = (list: unknown) =>
    ((list ?? []) as ListEntry[])
      .map((e) => `${entryIdentity(e)}|${e.label ?? ""}`)
      .sort()
      .join("\n");
  return norm(a) === norm(b);
}
