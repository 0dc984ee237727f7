/**
 * Enterprise policy and settings resolution: what the managed configuration (policies.json →
 * "3rdparty" → "Extensions" → "chain-sentry@chainsentry.dev", read through storage.managed) may
 * say, how it combines with what the user saved, and what the options page may still change.
 * What each key may hold and how lockSettings treats it is the settings schema's (src/settings/);
 * this file applies it.
 *
 * Everything here is a decision, nothing is I/O: background/settings.ts reads the two storage
 * areas, calls these functions and writes back what they return.
 */
import type { PolicyState, SettingsInput, SettingsView } from "./protocol";
import { entryIdentity, type ListEntry } from "./settings/entries";
import { describeValue, formatIssue, isRecord, issueAt, under, type SettingsIssue } from "./settings/issues";
import {
  DEFAULT_SETTINGS,
  LOCK_SETTINGS,
  lockedBySettings,
  lockRule,
  POLICY_KEYS,
  sameValue,
  SETTING_KEYS,
  SETTINGS,
  USER_SETTING_KEYS,
  type EffectiveSettings,
  type SettingKey,
  type UserSettings,
} from "./settings/schema";

export { POLICY_KEYS } from "./settings/schema";

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
    return {
      values: {},
      locked: false,
      present: true,
      errors: [`managed configuration: expected an object of settings (${POLICY_KEYS.join(", ")}), got ${describeValue(raw)}`],
    };
  }
  const keys = Object.keys(raw).filter((k) => raw[k] !== undefined);
  if (keys.length === 0) return { ...NO_POLICY, errors: [] };

  const values: Record<string, unknown> = {};
  const issues: SettingsIssue[] = [];
  let locked = false;

  for (const key of keys) {
    if (key === LOCK_SETTINGS.key) {
      const checked = LOCK_SETTINGS.parse(raw[key]);
      issues.push(...under([key], checked.issues));
      locked = checked.value ?? false;
      continue;
    }
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      issues.push(issueAt([], `unknown key "${key}" ignored (expected ${POLICY_KEYS.join(", ")})`));
      continue;
    }
    const rule = SETTINGS[key as SettingKey].policy;
    if (!rule) {
      issues.push(issueAt([key], `ignored, it is a user setting and cannot be set by policy (policy keys: ${POLICY_KEYS.join(", ")})`));
      continue;
    }
    const checked = rule(raw[key]);
    issues.push(...under([key], checked.issues));
    if (checked.value !== undefined) values[key] = checked.value;
  }
  return { values: values as Partial<EffectiveSettings>, locked, errors: issues.map(formatIssue), present: true };
}

/** The PolicyState the pages show. */
export function policyState(policy: ValidatedPolicy): PolicyState {
  return { present: policy.present, errors: [...policy.errors], locked: policy.locked };
}

/**
 * Policy over user over DEFAULT_SETTINGS, key by key, as the schema says:
 * - lists ("union"): the policy's entries and the user's (first the policy's; the same certificate once);
 * - the rest ("override"): the policy's value, else the user's, else the default;
 * - locked: the user's value of a "policy-or-default" key no longer counts (the user's allowlist,
 *   mode and notifications); the user's blocklist ("read-only") still blocks.
 * managedKeys: the "override" keys the policy sets, plus LOCKED_KEYS when locked, in schema order.
 * The stored user settings are validated again here: storage can hold anything.
 */
export function resolveSettings(user: UserSettings, policy: ValidatedPolicy): { effective: EffectiveSettings; managedKeys: SettingKey[] } {
  const u = sanitizeUserSettings(user) as Partial<EffectiveSettings>;
  const p = policy.values;
  const effective: Record<string, unknown> = {};
  const managedKeys: SettingKey[] = [];
  for (const key of SETTING_KEYS) {
    const definition = SETTINGS[key];
    const userValue = policy.locked && lockRule(key) === "policy-or-default" ? undefined : u[key];
    effective[key] =
      definition.combine === "union" ? union((p[key] ?? []) as ListEntry[], (userValue ?? []) as ListEntry[]) : (p[key] ?? userValue ?? DEFAULT_SETTINGS[key]);
    const setByPolicy = definition.combine === "override" && p[key] !== undefined;
    if (setByPolicy || lockedBySettings(key, policy.locked)) managedKeys.push(key);
  }
  return { effective: effective as unknown as EffectiveSettings, managedKeys };
}

/** Everything the pages need: effective settings, what the user saved, the policy and its errors. */
export function buildSettingsView(user: unknown, policy: ValidatedPolicy): SettingsView {
  const sanitized = sanitizeUserSettings(user);
  const { effective, managedKeys } = resolveSettings(sanitized, policy);
  return { effective, user: sanitized, policy: policyState(policy), managedKeys };
}

/**
 * Keeps only well-typed values from stored user settings (storage.local can hold anything: an older
 * version's format, a hand edit). Wrong values are dropped silently; list entries are re-validated
 * and always tagged source "user".
 */
export function sanitizeUserSettings(raw: unknown): UserSettings {
  if (!isRecord(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const key of USER_SETTING_KEYS) {
    const value = raw[key] === undefined ? undefined : SETTINGS[key].user.restore(raw[key]);
    if (value !== undefined) out[key] = value;
  }
  return out as UserSettings;
}

export type SaveDecision = { ok: true; user: UserSettings } | { ok: false; errors: SettingsIssue[] };

/**
 * Applies what the options page submitted to the user's settings. All or nothing: any issue and
 * nothing is to be saved. A key the policy manages (or lockSettings locks) may be submitted
 * unchanged (equal to the effective or the stored value) and is then left alone; a change is
 * refused with an issue on the key.
 */
export async function applySettingsInput(current: SettingsView, input: SettingsInput): Promise<SaveDecision> {
  if (!isRecord(input)) return { ok: false, errors: [issueAt([], `settings: expected an object, got ${describeValue(input)}`)] };
  const issues: SettingsIssue[] = [];
  const managed = new Set(current.managedKeys);
  const next: Record<string, unknown> = { ...current.user };

  const inputs = new Map(USER_SETTING_KEYS.map((key) => [SETTINGS[key].user.input as string, key]));
  for (const name of Object.keys(input)) if (!inputs.has(name)) issues.push(issueAt([], `unknown setting "${name}"`));

  for (const key of USER_SETTING_KEYS) {
    const rule = SETTINGS[key].user;
    const raw = input[rule.input];
    if (raw === undefined) continue;
    const checked = await rule.parse(raw);
    issues.push(...under([key], checked.issues));
    if (checked.issues.length || checked.value === undefined) continue;
    if (!managed.has(key)) {
      next[key] = checked.value;
      continue;
    }
    const unchanged =
      sameValue(key, checked.value, current.effective[key]) ||
      sameValue(key, checked.value, current.user[key] ?? (SETTINGS[key].combine === "union" ? [] : undefined));
    if (!unchanged) {
      issues.push(
        issueAt(
          [key],
          lockedBySettings(key, current.policy.locked)
            ? "locked by your organisation's policy (lockSettings), it cannot be changed here"
            : "set by your organisation's policy, it cannot be changed here",
        ),
      );
    }
  }
  return issues.length ? { ok: false, errors: issues } : { ok: true, user: next as UserSettings };
}

/** First list first; entries of the second that name exactly the same certificate are dropped. */
function union(first: ListEntry[], second: ListEntry[]): ListEntry[] {
  const seen = new Set(first.map(entryIdentity));
  const out = [...first];
  for (const e of second) {
    const k = entryIdentity(e);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}
