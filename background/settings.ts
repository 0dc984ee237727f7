/**
 * The settings adapter: reads the user's settings (storage.local, key "settings") and the
 * enterprise's managed configuration (storage.managed, from policies.json "3rdparty"), asks
 * src/policy.ts what is in force, and tells subscribers when that changes. Every decision lives
 * in src/policy.ts; this file only does the I/O around it.
 *
 * Firefox reads storage.managed once per session (a policy change needs a browser restart) and does
 * not implement storage.managed.onChanged (adding a listener logs a warning), so the policy is read
 * at start-up and on `reload`.
 *
 * It listens to storage.local.onChanged, never to storage.onChanged: a listener there makes Firefox
 * send every storage.session write back to the background with its old value, and the tab state
 * writes storage.session on every page load.
 *
 * A policy never lapses on an error: the last configuration read is kept in storage.local and
 * applied when storage.managed fails or no longer finds it (an administrator releases a browser by
 * setting the configuration to {}). With no copy to fall back on, an unreadable policy means block
 * mode: the organisation may have asked for it, and block mode fails closed.
 */
import browser from "webextension-polyfill";
import { errorMessage } from "../src/errorMessage";
import { applySettingsInput, buildSettingsView, validatePolicy, type ValidatedPolicy } from "../src/policy";
import type { ResponseOf, SettingsInput, SettingsView } from "../src/protocol";

/** The storage.local key holding the user's settings. */
export const SETTINGS_KEY = "settings";
/** The storage.local key holding the last managed configuration read: `{ raw, readAt }`. */
export const LAST_POLICY_KEY = "policy:last-read";

interface StoredPolicy {
  raw: unknown;
  readAt: number;
}

type ChangeListener = (changes: Record<string, unknown>) => void;

interface ChangeEvent {
  addListener(listener: ChangeListener): void;
  removeListener(listener: ChangeListener): void;
}

/** The part of the WebExtension API the store uses; the polyfill's `browser` fits it, and so does a test fake. */
export interface SettingsBrowser {
  storage: {
    local: {
      get(keys: string): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove?(keys: string): Promise<void>;
      onChanged: ChangeEvent;
    };
    /** Absent in some contexts; its get() rejects ("Managed storage manifest not found") when there is no policy. */
    managed?: { get(): Promise<Record<string, unknown>> };
  };
}

export type SaveResult = ResponseOf<"ui-bg-save-settings">;

export interface SettingsStore {
  /** Resolves with the first view once both areas were read; never rejects (unreadable areas count as empty). */
  readonly ready: Promise<SettingsView>;
  /** The settings in force now (the defaults until `ready` resolves). */
  view(): SettingsView;
  /** Validates and saves what the options page submitted: all or nothing. */
  save(input: SettingsInput): Promise<SaveResult>;
  /** Called with the new view whenever the settings in force, the policy or its errors change. Returns an unsubscribe function. */
  onChange(listener: (view: SettingsView) => void): () => void;
  /** Re-reads the areas now (storage.local's onChanged listener re-reads the user's settings by itself). */
  reload(areas?: { local?: boolean; managed?: boolean }): Promise<SettingsView>;
  /** Stops listening to storage.local.onChanged. */
  dispose(): void;
}

const MANIFEST_NOT_FOUND = /managed storage manifest not found/i;

/**
 * @example const settings = createSettingsStore();          // in the background, with the polyfill
 *          await settings.ready;
 *          settings.onChange((view) => analyzer.setLists(view.effective));
 */
export function createSettingsStore(api: SettingsBrowser = browser, log: Pick<Console, "warn"> = console): SettingsStore {
  const userArea = userSettingsArea(api, log);
  const readPolicy = managedPolicyReader(api, log);
  let user: unknown = {};
  let policy: ValidatedPolicy = validatePolicy(undefined);
  let current: SettingsView = buildSettingsView(user, policy);
  let currentJson = JSON.stringify(current);
  const listeners = new Set<(view: SettingsView) => void>();
  // Reads and saves run one at a time, in order, so a save never works from a stale view.
  const serial = serialQueue();

  function publish(): SettingsView {
    const next = buildSettingsView(user, policy);
    // The user may have chosen block mode: while their settings cannot be read, fail closed.
    if (userArea.unreadable() !== null && policy.values.mode === undefined) {
      next.effective.mode = "block";
      next.policy.errors.push(`your saved settings could not be read (${userArea.unreadable()}): Chain Sentry blocks as in block mode until they can be read`);
    }
    const json = JSON.stringify(next);
    if (json !== currentJson) {
      current = next;
      currentJson = json;
      notify(listeners, current, log);
    }
    return current;
  }

  const reload = (areas: { local?: boolean; managed?: boolean } = { local: true, managed: true }) =>
    serial(async () => {
      const [u, p] = await Promise.all([areas.local ? userArea.read() : Promise.resolve(user), areas.managed ? readPolicy() : Promise.resolve(policy)]);
      user = u;
      policy = p;
      return publish();
    });

  const onLocalChanged: ChangeListener = (changes) => {
    if (changes && SETTINGS_KEY in changes) void reload({ local: true });
  };
  api.storage.local.onChanged.addListener(onLocalChanged);

  const ready = reload();

  return {
    ready,
    view: () => current,
    reload,
    save: (input) =>
      ready.then(() =>
        serial(async (): Promise<SaveResult> => {
          const decision = await applySettingsInput(current, input);
          if (!decision.ok) return decision;
          try {
            await userArea.write(decision.user);
          } catch (e) {
            return { ok: false, errors: [{ path: [], message: `the settings could not be saved: ${errorMessage(e)}` }] };
          }
          user = decision.user;
          return { ok: true, view: publish() };
        }),
      ),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => api.storage.local.onChanged.removeListener(onLocalChanged),
  };
}

/** Runs the tasks given to it one at a time, in the order given, whether the one before failed or not. */
function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}

/** Calls every listener with the new view; one that throws is logged and does not stop the others. */
function notify(listeners: ReadonlySet<(view: SettingsView) => void>, view: SettingsView, log: Pick<Console, "warn">): void {
  for (const listener of [...listeners]) {
    try {
      listener(view);
    } catch (e) {
      log.warn(`Chain Sentry: a settings listener failed: ${errorMessage(e)}`);
    }
  }
}

/** The user's settings in storage.local, and why they cannot be read while they cannot. */
function userSettingsArea(api: SettingsBrowser, log: Pick<Console, "warn">) {
  let unreadable: string | null = null;
  return {
    /** Why the last read failed; null once a read or a write succeeded. */
    unreadable: () => unreadable,
    /** The stored settings; {} when there are none or they cannot be read. */
    async read(): Promise<unknown> {
      try {
        const items = await api.storage.local.get(SETTINGS_KEY);
        unreadable = null;
        return items?.[SETTINGS_KEY] ?? {};
      } catch (e) {
        log.warn(`Chain Sentry: could not read the saved settings: ${errorMessage(e)}`);
        unreadable = errorMessage(e);
        return {};
      }
    },
    /** Rejects when storage.local does. */
    async write(user: unknown): Promise<void> {
      await api.storage.local.set({ [SETTINGS_KEY]: user });
      unreadable = null;
    },
  };
}

/**
 * Reads the policy from storage.managed, keeping a copy of the last one read in storage.local to
 * apply when the managed area fails or no longer finds it (see the file's comment).
 */
function managedPolicyReader(api: SettingsBrowser, log: Pick<Console, "warn">): () => Promise<ValidatedPolicy> {
  /** The copy last kept (as JSON), so the same policy is not written again on every read. */
  let keptJson: string | undefined;

  async function readPolicy(): Promise<ValidatedPolicy> {
    const area = api.storage.managed;
    let raw: unknown;
    try {
      // Absent area (some contexts): no policy, as when Firefox finds none.
      raw = area && typeof area.get === "function" ? await area.get() : undefined;
    } catch (e) {
      // No policy for this extension: Firefox rejects instead of answering {}.
      if (MANIFEST_NOT_FOUND.test(errorMessage(e))) raw = undefined;
      else return fallbackPolicy(`the managed configuration could not be read (${errorMessage(e)})`);
    }
    const policy = validatePolicy(raw);
    if (policy.present) {
      await keepPolicy(raw);
      return policy;
    }
    if (raw !== undefined) {
      // Read, and empty: the administrator released this browser.
      await forgetPolicy();
      return policy;
    }
    const last = await lastPolicy();
    return last ? withCopy(last, "the managed configuration is no longer found") : policy;
  }

  /** The policy to apply when storage.managed fails: the last copy read, else block mode. */
  async function fallbackPolicy(problem: string): Promise<ValidatedPolicy> {
    const last = await lastPolicy();
    if (last) return withCopy(last, problem);
    return {
      values: { mode: "block" },
      locked: false,
      present: true,
      errors: [`${problem} and no earlier copy exists: Chain Sentry blocks as in block mode until it can be read`],
    };
  }

  async function keepPolicy(raw: unknown): Promise<void> {
    const json = JSON.stringify(raw);
    if (json === keptJson) return;
    try {
      await api.storage.local.set({ [LAST_POLICY_KEY]: { raw, readAt: Date.now() } });
      keptJson = json;
    } catch (e) {
      log.warn(`Chain Sentry: could not keep a copy of the managed configuration: ${errorMessage(e)}`);
    }
  }

  async function forgetPolicy(): Promise<void> {
    keptJson = undefined;
    await api.storage.local.remove?.(LAST_POLICY_KEY).catch(() => undefined);
  }

  async function lastPolicy(): Promise<StoredPolicy | null> {
    try {
      const stored = (await api.storage.local.get(LAST_POLICY_KEY))?.[LAST_POLICY_KEY] as Partial<StoredPolicy> | undefined;
      if (stored && typeof stored === "object" && typeof stored.readAt === "number" && stored.raw !== undefined) {
        keptJson = JSON.stringify(stored.raw);
        return stored as StoredPolicy;
      }
    } catch (e) {
      log.warn(`Chain Sentry: could not read the copy of the managed configuration: ${errorMessage(e)}`);
    }
    return null;
  }

  return readPolicy;
}

/** A kept copy of the policy, applied with a note saying why and from when. */
function withCopy(last: StoredPolicy, problem: string): ValidatedPolicy {
  const policy = validatePolicy(last.raw);
  const when = new Date(last.readAt).toISOString();
  return { ...policy, present: true, errors: [`${problem}; the copy read at ${when} still applies`, ...policy.errors] };
}
