/**
 * The settings adapter: reads the user's settings (storage.local, key "settings") and the
 * enterprise's managed configuration (storage.managed, from policies.json "3rdparty"), asks
 * src/policy.ts what is in force, and tells subscribers when that changes. Every decision lives
 * in src/policy.ts; this file only does the I/O around it.
 *
 * Firefox caches storage.managed for the session (a policy change needs a browser restart there),
 * but the store still re-reads on storage.onChanged("managed"): other browsers and tests fire it.
 */
import browser from "webextension-polyfill";
import { applySettingsInput, buildSettingsView, validatePolicy, type ValidatedPolicy } from "../src/policy";
import type { ResponseOf, SettingsInput, SettingsView } from "../src/protocol";

/** The storage.local key holding the user's settings. */
export const SETTINGS_KEY = "settings";

type ChangeListener = (changes: Record<string, unknown>, areaName: string) => void;

/** The part of the WebExtension API the store uses; the polyfill's `browser` fits it, and so does a test fake. */
export interface SettingsBrowser {
  storage: {
    local: {
      get(keys: string): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
    };
    /** Absent in some contexts; its get() rejects ("Managed storage manifest not found") when there is no policy. */
    managed?: { get(): Promise<Record<string, unknown>> };
    onChanged: {
      addListener(listener: ChangeListener): void;
      removeListener(listener: ChangeListener): void;
    };
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
  /** Re-reads the areas now (the storage.onChanged listener does this by itself). */
  reload(areas?: { local?: boolean; managed?: boolean }): Promise<SettingsView>;
  /** Stops listening to storage.onChanged. */
  dispose(): void;
}

const MANIFEST_NOT_FOUND = /managed storage manifest not found/i;

/**
 * @example const settings = createSettingsStore();          // in the background, with the polyfill
 *          await settings.ready;
 *          settings.onChange((view) => analyzer.setSettings(view.effective));
 */
export function createSettingsStore(api: SettingsBrowser = browser, log: Pick<Console, "warn"> = console): SettingsStore {
  let user: unknown = {};
  let policy: ValidatedPolicy = validatePolicy(undefined);
  let current: SettingsView = buildSettingsView(user, policy);
  let currentJson = JSON.stringify(current);
  const listeners = new Set<(view: SettingsView) => void>();
  // Reads and saves run one at a time, in order, so a save never works from a stale view.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  async function readUser(): Promise<unknown> {
    try {
      const items = await api.storage.local.get(SETTINGS_KEY);
      return items?.[SETTINGS_KEY] ?? {};
    } catch (e) {
      log.warn(`Chain Sentry: could not read the saved settings, using the defaults: ${message(e)}`);
      return {};
    }
  }

  async function readPolicy(): Promise<ValidatedPolicy> {
    const area = api.storage.managed;
    if (!area || typeof area.get !== "function") return validatePolicy(undefined);
    try {
      return validatePolicy(await area.get());
    } catch (e) {
      // No policy for this extension: Firefox rejects instead of answering {}.
      if (MANIFEST_NOT_FOUND.test(message(e))) return validatePolicy(undefined);
      return { ...validatePolicy(undefined), errors: [`the managed configuration could not be read: ${message(e)}`] };
    }
  }

  function publish(): SettingsView {
    const next = buildSettingsView(user, policy);
    const json = JSON.stringify(next);
    if (json !== currentJson) {
      current = next;
      currentJson = json;
      for (const listener of [...listeners]) {
        try {
          listener(current);
        } catch (e) {
          log.warn(`Chain Sentry: a settings listener failed: ${message(e)}`);
        }
      }
    }
    return current;
  }

  const reload = (areas: { local?: boolean; managed?: boolean } = { local: true, managed: true }) =>
    serial(async () => {
      const [u, p] = await Promise.all([areas.local ? readUser() : Promise.resolve(user), areas.managed ? readPolicy() : Promise.resolve(policy)]);
      user = u;
      policy = p;
      return publish();
    });

  const onStorageChanged: ChangeListener = (changes, areaName) => {
    if (areaName === "managed") void reload({ managed: true });
    else if (areaName === "local" && changes && SETTINGS_KEY in changes) void reload({ local: true });
  };
  api.storage.onChanged.addListener(onStorageChanged);

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
            await api.storage.local.set({ [SETTINGS_KEY]: decision.user });
          } catch (e) {
            return { ok: false, errors: [`the settings could not be saved: ${message(e)}`] };
          }
          user = decision.user;
          return { ok: true, view: publish() };
        }),
      ),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => api.storage.onChanged.removeListener(onStorageChanged),
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
