/**
 * The settings adapter against a small fake of the storage API (storage.local, storage.managed,
 * their onChanged events): the one thing a browser cannot give a unit test.
 */
import { createSettingsStore, LAST_POLICY_KEY, SETTINGS_KEY, type SettingsBrowser } from "../../background/settings";
import { DEFAULT_SETTINGS, type SettingsView } from "../../src/protocol";

// The polyfill throws outside an extension; the store under test always gets the fake below.
jest.mock("webextension-polyfill", () => ({}));

const SHA1 = "2a83e9020591a55fc6ddad3fb102794c52b24e70";
const SHA256 = "851289bdf3ad8ecfc2aade19fd349fbe21c602de2f3ef2339922679a35393ea6";

type Managed = { kind: "absent" } | { kind: "not-found" } | { kind: "broken"; message: string } | { kind: "data"; data: Record<string, unknown> };

/** Behaves like Firefox: set() fires storage.local.onChanged asynchronously; get() returns copies. */
function fakeBrowser(initial: { local?: Record<string, unknown>; managed?: Managed } = {}) {
  const local = new Map<string, unknown>(Object.entries(initial.local ?? {}));
  let managed: Managed = initial.managed ?? { kind: "not-found" };
  const listeners = new Set<(changes: Record<string, unknown>) => void>();
  const calls = { managedGet: 0, localSet: 0, settingsWrites: 0 };
  const fire = (changes: Record<string, unknown>) => setTimeout(() => listeners.forEach((l) => l(changes)), 0);
  const copy = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

  const storage: SettingsBrowser["storage"] = {
    local: {
      async get(key: string) {
        return local.has(key) ? { [key]: copy(local.get(key)) } : {};
      },
      async remove(key: string) {
        local.delete(key);
      },
      async set(items: Record<string, unknown>) {
        calls.localSet++;
        if (SETTINGS_KEY in items) calls.settingsWrites++;
        const changes: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(items)) {
          changes[k] = { oldValue: local.get(k), newValue: copy(v) };
          local.set(k, copy(v));
        }
        fire(changes);
      },
      onChanged: {
        addListener: (l) => void listeners.add(l),
        removeListener: (l) => void listeners.delete(l),
      },
    },
  };
  if (managed.kind !== "absent") {
    storage.managed = {
      get: async () => {
        calls.managedGet++;
        if (managed.kind === "not-found") throw new Error("Managed storage manifest not found");
        if (managed.kind === "broken") throw new Error(managed.message);
        if (managed.kind === "data") return copy(managed.data);
        return {};
      },
    };
  }
  return {
    browser: { storage } as SettingsBrowser,
    local,
    calls,
    listeners,
    /** What storage.managed answers from now on (Firefox: after a restart; the store reads it again on reload). */
    setManaged(next: Managed) {
      managed = next;
    },
    /** Another page of the extension writes storage.local directly. */
    writeLocal(key: string, value: unknown) {
      local.set(key, value);
      fire({ [key]: { newValue: value } });
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const silent = { warn: jest.fn() };

describe("no managed storage → defaults and no error", () => {
  test.each<[string, Managed]>([
    ["storage.managed absent", { kind: "absent" }],
    ['get() rejects "Managed storage manifest not found"', { kind: "not-found" }],
    ["get() answers {}", { kind: "data", data: {} }],
  ])("%s", async (_, managed) => {
    const fake = fakeBrowser({ managed });
    const store = createSettingsStore(fake.browser, silent);
    const view = await store.ready;
    expect(view).toEqual({ effective: DEFAULT_SETTINGS, user: {}, policy: { present: false, errors: [], locked: false }, managedKeys: [] });
    expect(store.view()).toBe(view);
  });

  test("any other failure, with no copy of an earlier policy, fails closed: block mode, and the policy state says why", async () => {
    const store = createSettingsStore(fakeBrowser({ managed: { kind: "broken", message: "An unexpected error occurred" } }).browser, silent);
    const view = await store.ready;
    expect(view.effective).toEqual({ ...DEFAULT_SETTINGS, mode: "block" });
    expect(view.managedKeys).toEqual(["mode"]);
    expect(view.policy.errors).toEqual([
      "the managed configuration could not be read (An unexpected error occurred) and no earlier copy exists: Chain Sentry blocks as in block mode until it can be read",
    ]);
  });

  test("the view before the first read is the defaults", () => {
    const store = createSettingsStore(fakeBrowser().browser, silent);
    expect(store.view().effective).toEqual(DEFAULT_SETTINGS);
  });
});

describe("reading", () => {
  test("user settings from storage.local and the policy, resolved; junk in storage is ignored", async () => {
    const fake = fakeBrowser({
      local: { [SETTINGS_KEY]: { mode: "block", historyLimit: "lots", blocklist: [{ sha1: SHA1, source: "user" }, 7] } },
      managed: { kind: "data", data: { historyLimit: 20, nonsense: 1 } },
    });
    const view = await createSettingsStore(fake.browser, silent).ready;
    expect(view.effective).toEqual({ ...DEFAULT_SETTINGS, mode: "block", historyLimit: 20, blocklist: [{ sha1: SHA1, source: "user" }] });
    expect(view.user).toEqual({ mode: "block", blocklist: [{ sha1: SHA1, source: "user" }] });
    expect(view.policy.present).toBe(true);
    expect(view.policy.errors).toEqual([expect.stringMatching(/^unknown key "nonsense"/)]);
    expect(view.managedKeys).toEqual(["historyLimit"]);
  });

  test("the managed configuration is cached: read once, not per view or save", async () => {
    const fake = fakeBrowser({ managed: { kind: "data", data: { mode: "block" } } });
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    store.view();
    await store.save({ notifyWarnings: true });
    await tick();
    expect(fake.calls.managedGet).toBe(1);
  });
});

describe("changes apply without a restart", () => {
  test("a managed change is read on reload and announced", async () => {
    const fake = fakeBrowser({ local: { [SETTINGS_KEY]: { mode: "warn", allowlist: [{ sha256: SHA256, source: "user" }] } }, managed: { kind: "not-found" } });
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    const seen: SettingsView[] = [];
    store.onChange((v) => seen.push(v));

    fake.setManaged({ kind: "data", data: { mode: "block", lockSettings: true, blocklist: [{ sha1: SHA1 }] } });
    await store.reload({ managed: true });
    expect(seen).toHaveLength(1);
    expect(store.view()).toBe(seen[0]);
    expect(seen[0].effective.mode).toBe("block");
    expect(seen[0].effective.allowlist).toEqual([]); // locked: the user's allowlist no longer counts
    expect(seen[0].effective.blocklist).toEqual([{ sha1: SHA1, source: "policy" }]);
    expect(seen[0].policy).toEqual({ present: true, locked: true, errors: [] });
    expect(seen[0].managedKeys).toEqual(["mode", "notifications", "notifyWarnings", "allowlist", "blocklist"]);

    // The administrator releases the browser (an empty configuration; a missing one keeps the copy).
    fake.setManaged({ kind: "data", data: {} });
    await store.reload({ managed: true });
    expect(seen).toHaveLength(2);
    expect(seen[1].effective.mode).toBe("warn");
    expect(seen[1].effective.allowlist).toEqual([{ sha256: SHA256, source: "user" }]);
  });

  test("a change of storage.local 'settings' from elsewhere is re-read; other keys are not", async () => {
    const fake = fakeBrowser();
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    const listener = jest.fn();
    store.onChange(listener);
    fake.writeLocal("history", [1, 2, 3]);
    await tick();
    expect(listener).not.toHaveBeenCalled();
    fake.writeLocal(SETTINGS_KEY, { mode: "block" });
    await tick();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.view().effective.mode).toBe("block");
  });

  test("unsubscribe and dispose", async () => {
    const fake = fakeBrowser();
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    const listener = jest.fn();
    const off = store.onChange(listener);
    off();
    fake.writeLocal(SETTINGS_KEY, { mode: "block" });
    await tick();
    expect(listener).not.toHaveBeenCalled();
    store.dispose();
    expect(fake.listeners.size).toBe(0);
  });
});

describe("save", () => {
  test("valid input is written to storage.local and the new view returned and announced once", async () => {
    const fake = fakeBrowser();
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    const listener = jest.fn();
    store.onChange(listener);
    const result = await store.save({ mode: "block", historyLimit: 100, blocklistText: `# Flame\nsha1:${SHA1} # Flame PCA`, allowlistText: "" });
    expect(result.ok).toBe(true);
    const view = result.ok ? result.view : null;
    expect(view?.effective).toEqual({ ...DEFAULT_SETTINGS, mode: "block", historyLimit: 100, blocklist: [{ sha1: SHA1, label: "Flame PCA", source: "user" }] });
    expect(fake.local.get(SETTINGS_KEY)).toEqual({
      mode: "block",
      historyLimit: 100,
      blocklist: [{ sha1: SHA1, label: "Flame PCA", source: "user" }],
      allowlist: [],
    });
    await tick(); // the storage.local.onChanged echo of our own write changes nothing
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(view);
  });

  test("refuses locked keys, naming them, and saves nothing", async () => {
    const before = { notifyWarnings: true, blocklist: [{ sha1: SHA1, source: "user" }] };
    const fake = fakeBrowser({ local: { [SETTINGS_KEY]: before }, managed: { kind: "data", data: { lockSettings: true, historyLimit: 50 } } });
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    const result = await store.save({ mode: "block", notifyWarnings: false, blocklistText: "", historyLimit: 60 });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: ["mode"], message: "locked by your organisation's policy (lockSettings), it cannot be changed here" },
        { path: ["historyLimit"], message: "set by your organisation's policy, it cannot be changed here" },
        { path: ["blocklist"], message: "locked by your organisation's policy (lockSettings), it cannot be changed here" },
      ],
    });
    expect(fake.calls.settingsWrites).toBe(0);
    expect(fake.local.get(SETTINGS_KEY)).toEqual(before);
  });

  test("nothing is saved half-way: one bad line and the valid keys are not written either", async () => {
    const fake = fakeBrowser({ local: { [SETTINGS_KEY]: { mode: "warn" } } });
    const store = createSettingsStore(fake.browser, silent);
    const first = await store.ready;
    const result = await store.save({ mode: "block", notifications: false, allowlistText: `${SHA256}\n${SHA256.slice(2)}` });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: ["allowlist", { line: 2 }], message: expect.stringMatching(/^expected a certificate SHA-256 fingerprint: 64 hex digits .*got 62 hex digits/) },
      ],
    });
    expect(fake.calls.localSet).toBe(0);
    expect(fake.local.get(SETTINGS_KEY)).toEqual({ mode: "warn" });
    expect(store.view()).toBe(first);
  });

  test("a failing write is an error, and the view stays as it was", async () => {
    const fake = fakeBrowser();
    fake.browser.storage.local.set = async () => {
      throw new Error("QuotaExceededError");
    };
    const store = createSettingsStore(fake.browser, silent);
    const first = await store.ready;
    expect(await store.save({ mode: "block" })).toEqual({ ok: false, errors: [{ path: [], message: "the settings could not be saved: QuotaExceededError" }] });
    expect(store.view()).toBe(first);
  });

  test("saves issued before the first read wait for it and apply in order", async () => {
    const fake = fakeBrowser({ local: { [SETTINGS_KEY]: { historyLimit: 5 } } });
    const store = createSettingsStore(fake.browser, silent);
    const [a, b] = await Promise.all([store.save({ mode: "block" }), store.save({ notifications: false })]);
    expect(a.ok && b.ok).toBe(true);
    expect(fake.local.get(SETTINGS_KEY)).toEqual({ historyLimit: 5, mode: "block", notifications: false });
  });
});

describe("a policy never lapses on an error", () => {
  const policy = { mode: "block", blocklist: [{ sha1: SHA1, label: "Org block" }] };

  test("the last policy read is kept and applies when storage.managed later fails", async () => {
    const fake = fakeBrowser({ managed: { kind: "data", data: policy } });
    const first = await createSettingsStore(fake.browser, silent).ready;
    expect(first.effective.mode).toBe("block");
    expect(fake.local.get(LAST_POLICY_KEY)).toMatchObject({ raw: policy });

    // The next start-up: the managed area cannot be read.
    fake.setManaged({ kind: "broken", message: "An unexpected error occurred" });
    const view = await createSettingsStore(fake.browser, silent).ready;
    expect(view.effective.mode).toBe("block");
    expect(view.effective.blocklist).toEqual([expect.objectContaining({ sha1: SHA1, source: "policy" })]);
    expect(view.policy.present).toBe(true);
    expect(view.policy.errors[0]).toMatch(/could not be read \(An unexpected error occurred\); the copy read at \d{4}-.* still applies/);
  });

  test("a policy that disappears (policies.json unreadable or gone) keeps applying; an empty one releases the browser", async () => {
    const fake = fakeBrowser({ managed: { kind: "data", data: policy } });
    await createSettingsStore(fake.browser, silent).ready;
    fake.setManaged({ kind: "not-found" });
    const gone = await createSettingsStore(fake.browser, silent).ready;
    expect(gone.effective.mode).toBe("block");
    expect(gone.policy.errors[0]).toMatch(/no longer found; the copy read at .* still applies/);

    fake.setManaged({ kind: "data", data: {} });
    const released = await createSettingsStore(fake.browser, silent).ready;
    expect(released.effective).toEqual(DEFAULT_SETTINGS);
    expect(fake.local.has(LAST_POLICY_KEY)).toBe(false);
  });

  test("a later policy replaces the kept copy", async () => {
    const fake = fakeBrowser({ managed: { kind: "data", data: policy } });
    const store = createSettingsStore(fake.browser, silent);
    await store.ready;
    fake.setManaged({ kind: "data", data: { mode: "warn" } });
    await store.reload({ managed: true });
    expect(store.view().effective.mode).toBe("warn");
    expect(fake.local.get(LAST_POLICY_KEY)).toMatchObject({ raw: { mode: "warn" } });
  });

  test("user settings that cannot be read fail closed to block mode until they can", async () => {
    const fake = fakeBrowser({ local: { [SETTINGS_KEY]: { mode: "warn" } } });
    const realGet = fake.browser.storage.local.get;
    fake.browser.storage.local.get = () => Promise.reject(new Error("I/O error"));
    const store = createSettingsStore(fake.browser, silent);
    const view = await store.ready;
    expect(view.effective.mode).toBe("block");
    expect(view.policy.errors).toEqual([expect.stringMatching(/your saved settings could not be read \(I\/O error\)/)]);

    fake.browser.storage.local.get = realGet;
    const reread = await store.reload({ local: true });
    expect(reread.effective.mode).toBe("warn");
    expect(reread.policy.errors).toEqual([]);
  });
});
