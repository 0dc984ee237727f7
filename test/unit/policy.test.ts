import { applySettingsInput, buildSettingsView, resolveSettings, sanitizeUserSettings, validatePolicy } from "../../src/policy";
import { DEFAULT_SETTINGS, type EffectiveSettings, type UserSettings } from "../../src/protocol";
import { formatIssue } from "../../src/settings/issues";

const SHA256 = "851289bdf3ad8ecfc2aade19fd349fbe21c602de2f3ef2339922679a35393ea6";
const SHA256_B = "0d136e439f0ab6e97f3a02a540da9f0641aa554e1d66ea51ae2920d51b2f7217";
const SHA1 = "2a83e9020591a55fc6ddad3fb102794c52b24e70";
const SPKI_B64 = "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=";
const SPKI_HEX = Buffer.from(SPKI_B64, "base64").toString("hex");
const colon = (hex: string) => hex.toUpperCase().match(/../g)!.join(":");

const NONE = { values: {}, locked: false, errors: [], present: false };

describe("validatePolicy: no policy", () => {
  test.each([
    ["undefined", undefined],
    ["null", null],
    ["an empty object (what storage.managed.get() answers with no policy)", {}],
    ["an object of undefined values", { mode: undefined }],
  ])("%s → no values, no errors", (_, raw) => {
    expect(validatePolicy(raw)).toEqual(NONE);
  });

  test.each([
    ["a string", "block", 'got "block"'],
    ["a number", 42, "got 42"],
    ["an array", [{ mode: "block" }], "got an array"],
    ["a boolean", true, "got true"],
  ])("%s → exactly one error", (_, raw, got) => {
    const r = validatePolicy(raw);
    expect(r.values).toEqual({});
    expect(r.locked).toBe(false);
    expect(r.present).toBe(true);
    expect(r.errors).toEqual([
      `managed configuration: expected an object of settings (mode, notifications, historyLimit, allowlist, blocklist, blockUnverifiableChains, reporting, feeds, lockSettings), ${got}`,
    ]);
  });
});

describe("validatePolicy: every key, valid", () => {
  test("a complete policy", () => {
    const r = validatePolicy({
      mode: "block",
      blocklist: [
        { sha1: colon(SHA1), label: "Flame", reason: "Flame malware", reference: "https://example.org/advisory" },
        { spkiSha256: SPKI_B64 },
        { sha256: SHA256.toUpperCase(), sha1: SHA1 },
      ],
      allowlist: [{ sha256: colon(SHA256_B), label: "Corp Root" }, { spkiSha256: SPKI_HEX }],
      notifications: false,
      historyLimit: 500,
      lockSettings: true,
    });
    expect(r).toEqual({
      values: {
        mode: "block",
        blocklist: [
          { sha1: SHA1, label: "Flame", reason: "Flame malware", reference: "https://example.org/advisory", source: "policy" },
          { spkiSha256: SPKI_HEX, source: "policy" },
          { sha256: SHA256, sha1: SHA1, source: "policy" },
        ],
        allowlist: [
          { sha256: SHA256_B, label: "Corp Root", source: "policy" },
          { spkiSha256: SPKI_HEX, source: "policy" },
        ],
        notifications: false,
        historyLimit: 500,
      },
      locked: true,
      errors: [],
      present: true,
    });
  });

  test("mode warn, lockSettings false, notifications true", () => {
    expect(validatePolicy({ mode: "warn", lockSettings: false, notifications: true })).toEqual({
      values: { mode: "warn", notifications: true },
      locked: false,
      errors: [],
      present: true,
    });
  });

  test("booleans also come as 1/0 (Windows Group Policy stores them as registry DWORDs)", () => {
    expect(validatePolicy({ notifications: 0, lockSettings: 1 })).toEqual({ values: { notifications: false }, locked: true, errors: [], present: true });
  });

  test("blockUnverifiableChains: a policy-only boolean, off unless the policy turns it on", () => {
    expect(validatePolicy({ blockUnverifiableChains: true }).values).toEqual({ blockUnverifiableChains: true });
    expect(validatePolicy({ blockUnverifiableChains: 1 }).values).toEqual({ blockUnverifiableChains: true });
    expect(resolveSettings({}, validatePolicy({ blockUnverifiableChains: true })).effective.blockUnverifiableChains).toBe(true);
    expect(resolveSettings({}, validatePolicy(undefined)).effective.blockUnverifiableChains).toBe(false);
  });

  test("empty lists are lists: the policy sets them (and they are managed)", () => {
    expect(validatePolicy({ blocklist: [], allowlist: [] }).values).toEqual({ blocklist: [], allowlist: [] });
  });
});

describe("validatePolicy: every key, invalid — ignored with a precise message", () => {
  test.each([
    ["mode", "BLOCK", 'mode: expected "warn" or "block", got "BLOCK" (values are lowercase)'],
    ["mode", "deny", 'mode: expected "warn" or "block", got "deny"'],
    ["mode", 1, 'mode: expected "warn" or "block", got 1'],
    ["mode", null, 'mode: expected "warn" or "block", got null'],
    ["notifications", "yes", 'notifications: expected true or false (or 1/0 from a registry DWORD), got "yes"'],
    ["notifications", 2, "notifications: expected true or false (or 1/0 from a registry DWORD), got 2"],
    ["historyLimit", 0, "historyLimit: expected a positive whole number such as 10000, got 0"],
    ["historyLimit", 1.5, "historyLimit: expected a positive whole number such as 10000, got 1.5"],
    ["historyLimit", -10, "historyLimit: expected a positive whole number such as 10000, got -10"],
    ["historyLimit", "10", 'historyLimit: expected a positive whole number such as 10000 (a JSON number, not a string), got "10"'],
    ["historyLimit", Number.POSITIVE_INFINITY, "historyLimit: expected a positive whole number such as 10000, got Infinity"],
    ["blockUnverifiableChains", "true", 'blockUnverifiableChains: expected true or false (or 1/0 from a registry DWORD), got "true"'],
    ["lockSettings", "yes", 'lockSettings: expected true or false (or 1/0 from a registry DWORD), got "yes"; settings are not locked'],
    ["blocklist", "2a83e902", "blocklist: expected an array of entries, got string"],
    ["blocklist", { sha1: SHA1 }, "blocklist: expected an array of entries, got object"],
    ["allowlist", null, "allowlist: expected an array of entries, got null"],
  ])("%s: %p", (key, value, message) => {
    const r = validatePolicy({ [key]: value, mode: key === "mode" ? value : "block" });
    expect(r.errors).toEqual([message]);
    expect(r.values).toEqual(key === "mode" ? {} : { mode: "block" });
    expect(r.locked).toBe(false);
    expect(r.present).toBe(true);
  });

  test("unknown keys are reported and ignored; notifyWarnings is the user's", () => {
    const r = validatePolicy({ Mode: "block", blockList: [], notifyWarnings: true, historyLimit: 5 });
    expect(r.values).toEqual({ historyLimit: 5 });
    expect(r.errors).toEqual([
      'unknown key "Mode" ignored (expected mode, notifications, historyLimit, allowlist, blocklist, blockUnverifiableChains, reporting, feeds, lockSettings)',
      'unknown key "blockList" ignored (expected mode, notifications, historyLimit, allowlist, blocklist, blockUnverifiableChains, reporting, feeds, lockSettings)',
      "notifyWarnings: ignored, it is a user setting and cannot be set by policy (policy keys: mode, notifications, historyLimit, allowlist, blocklist, blockUnverifiableChains, reporting, feeds, lockSettings)",
    ]);
  });

  test("one malformed entry among valid ones: the others apply, the message names entry, field, expectation and value", () => {
    const r = validatePolicy({
      blocklist: [
        { sha256: SHA256, label: "ok 0" },
        { sha1: SHA1.slice(1), label: "bad sha1" },
        "not an object",
        { label: "no fingerprint" },
        { sha1: SHA1, label: 7, comment: "x" },
        { spkiSha256: SPKI_B64 },
      ],
      allowlist: [{ sha256: SHA256_B }, { sha1: SHA1 }, { spkiSha256: "nope" }],
    });
    expect(r.values.blocklist).toEqual([
      { sha256: SHA256, label: "ok 0", source: "policy" },
      { sha1: SHA1, source: "policy" },
      { spkiSha256: SPKI_HEX, source: "policy" },
    ]);
    expect(r.values.allowlist).toEqual([{ sha256: SHA256_B, source: "policy" }]);
    expect(r.errors).toEqual([
      "blocklist[1].sha1: expected a certificate SHA-1 fingerprint: 40 hex digits (colons, spaces and case do not matter), got 39 hex digits",
      "blocklist[1]: entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki",
      "blocklist[2]: expected an object with sha256, sha1, spkiSha256",
      "blocklist[3]: entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki",
      'blocklist[4]: unknown key "comment" ignored (expected sha256, sha1, spkiSha256, issuerSerial, subjectSpki, label, reason, reference)',
      "blocklist[4].label: expected a string, got number",
      'allowlist[1]: unknown key "sha1" ignored (expected sha256, spkiSha256, label)',
      "allowlist[1]: entry ignored, it needs at least one valid sha256 or spkiSha256",
      'allowlist[2].spkiSha256: expected an SPKI SHA-256 hash: 64 hex digits, or 44 characters of base64 such as "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=", got "nope"',
      "allowlist[2]: entry ignored, it needs at least one valid sha256 or spkiSha256",
    ]);
  });
});

describe("resolveSettings: policy over user over defaults, key by key", () => {
  const policy = (raw: unknown) => validatePolicy(raw);
  const userAll: UserSettings = { mode: "block", notifications: false, notifyWarnings: true, historyLimit: 77 };

  test("nothing anywhere → DEFAULT_SETTINGS, nothing managed", () => {
    expect(resolveSettings({}, policy(undefined))).toEqual({ effective: DEFAULT_SETTINGS, managedKeys: [] });
  });

  test.each<[keyof EffectiveSettings, unknown, unknown]>([
    ["mode", "block", "warn"],
    ["notifications", false, true],
    ["historyLimit", 77, 5],
  ])("%s: default, then user, then policy", (key, userValue, policyValue) => {
    expect(resolveSettings({}, policy({})).effective[key]).toEqual(DEFAULT_SETTINGS[key]);
    expect(resolveSettings({ [key]: userValue }, policy({})).effective[key]).toEqual(userValue);
    const both = resolveSettings({ [key]: userValue }, policy({ [key]: policyValue }));
    expect(both.effective[key]).toEqual(policyValue);
    expect(both.managedKeys).toEqual([key]);
  });

  test("notifyWarnings is the user's alone (unless locked)", () => {
    expect(resolveSettings({ notifyWarnings: true }, policy({ mode: "block" })).effective.notifyWarnings).toBe(true);
  });

  test("a key the policy does not set stays the user's", () => {
    const r = resolveSettings(userAll, policy({ mode: "warn" }));
    expect(r.effective).toEqual({ ...DEFAULT_SETTINGS, ...userAll, mode: "warn" });
    expect(r.managedKeys).toEqual(["mode"]);
  });

  test("lists: policy blocklist entries are added to the user's; the allowlist is the union; duplicates of a policy entry are dropped", () => {
    const user: UserSettings = {
      blocklist: [
        { sha1: SHA1, label: "mine", source: "user" },
        { sha256: SHA256, source: "user" },
      ],
      allowlist: [{ sha256: SHA256_B, label: "my lab CA", source: "user" }],
    };
    const r = resolveSettings(user, policy({ blocklist: [{ sha256: SHA256, label: "corp" }], allowlist: [{ spkiSha256: SPKI_B64, label: "corp CA" }] }));
    expect(r.effective.blocklist).toEqual([
      { sha256: SHA256, label: "corp", source: "policy" },
      { sha1: SHA1, label: "mine", source: "user" },
    ]);
    expect(r.effective.allowlist).toEqual([
      { spkiSha256: SPKI_HEX, label: "corp CA", source: "policy" },
      { sha256: SHA256_B, label: "my lab CA", source: "user" },
    ]);
    // Lists merge, so the user's own part stays editable unless settings are locked.
    expect(r.managedKeys).toEqual([]);
  });

  test("locked: the user's mode, notifications, notifyWarnings and allowlist no longer count; the user's blocklist still blocks", () => {
    const user: UserSettings = {
      ...userAll,
      blocklist: [{ sha1: SHA1, source: "user" }],
      allowlist: [{ sha256: SHA256_B, source: "user" }],
    };
    const r = resolveSettings(user, policy({ lockSettings: true, allowlist: [{ sha256: SHA256 }] }));
    expect(r.effective).toEqual({
      mode: DEFAULT_SETTINGS.mode,
      notifications: DEFAULT_SETTINGS.notifications,
      notifyWarnings: DEFAULT_SETTINGS.notifyWarnings,
      historyLimit: 77, // not a locked key
      allowlist: [{ sha256: SHA256, source: "policy" }],
      blocklist: [{ sha1: SHA1, source: "user" }],
      blockUnverifiableChains: DEFAULT_SETTINGS.blockUnverifiableChains,
      reporting: DEFAULT_SETTINGS.reporting,
      feeds: DEFAULT_SETTINGS.feeds,
    });
    expect(r.managedKeys).toEqual(["mode", "notifications", "notifyWarnings", "allowlist", "blocklist"]);
  });

  test("locked with values: the policy's values, and historyLimit managed because the policy sets it", () => {
    const r = resolveSettings(userAll, policy({ lockSettings: true, mode: "block", notifications: false, historyLimit: 9 }));
    expect(r.effective).toEqual({ ...DEFAULT_SETTINGS, mode: "block", notifications: false, historyLimit: 9 });
    expect(r.managedKeys).toEqual(["mode", "notifications", "notifyWarnings", "historyLimit", "allowlist", "blocklist"]);
  });

  test("an invalid lockSettings does not lock", () => {
    const r = resolveSettings(userAll, policy({ lockSettings: "yes" }));
    expect(r.effective.mode).toBe("block");
    expect(r.managedKeys).toEqual([]);
  });

  test("stored user settings are validated again: wrong types are ignored", () => {
    const junk = {
      mode: "BLOCK",
      notifications: "yes",
      notifyWarnings: 1,
      historyLimit: 0,
      allowlist: "x",
      blocklist: [
        null,
        { sha1: SHA1.toUpperCase(), label: 5, source: "policy" },
        { issuerSerial: { issuer: "MFMxNTAz", serial: "8f01" }, label: "imported" },
        { subjectSpki: { subject: "MD8x", spkiSha256: SPKI_B64 } },
        { issuerSerial: { issuer: 1, serial: "zz" } },
        { sha256: "short" },
      ],
    } as unknown as UserSettings;
    expect(sanitizeUserSettings(junk)).toEqual({
      blocklist: [
        { sha1: SHA1, source: "user" },
        { issuerSerial: { issuer: "MFMxNTAz", serial: "8f01" }, label: "imported", source: "user" },
        { subjectSpki: { subject: "MD8x", spkiSha256: SPKI_HEX }, source: "user" },
      ],
    });
    const r = resolveSettings(junk, policy(undefined));
    expect(r.effective).toEqual({ ...DEFAULT_SETTINGS, blocklist: sanitizeUserSettings(junk).blocklist });
    expect(sanitizeUserSettings("garbage")).toEqual({});
    expect(sanitizeUserSettings(null)).toEqual({});
  });
});

test("a stored history limit above the cap (saved before it existed) is held to the cap, not dropped", () => {
  expect(sanitizeUserSettings({ historyLimit: 1_000_000 }).historyLimit).toBe(100_000);
  expect(sanitizeUserSettings({ historyLimit: 500 }).historyLimit).toBe(500);
  expect(sanitizeUserSettings({ historyLimit: -1 }).historyLimit).toBeUndefined();
});

describe("buildSettingsView", () => {
  test("effective, the sanitized user settings, the policy state and managed keys", () => {
    const view = buildSettingsView({ mode: "block", notifications: "no" }, validatePolicy({ historyLimit: 3, foo: 1 }));
    expect(view).toEqual({
      effective: { ...DEFAULT_SETTINGS, mode: "block", historyLimit: 3 },
      user: { mode: "block" },
      policy: {
        present: true,
        locked: false,
        errors: [
          'unknown key "foo" ignored (expected mode, notifications, historyLimit, allowlist, blocklist, blockUnverifiableChains, reporting, feeds, lockSettings)',
        ],
      },
      managedKeys: ["historyLimit"],
    });
  });
});

describe("applySettingsInput: what the options page may save", () => {
  const view = (user: unknown, raw: unknown) => buildSettingsView(user, validatePolicy(raw));

  test("valid input updates only the submitted keys", async () => {
    const r = await applySettingsInput(view({ historyLimit: 50, notifyWarnings: true }, undefined), {
      mode: "block",
      notifications: false,
      blocklistText: `sha1:${SHA1} # Flame`,
      allowlistText: "",
    });
    expect(r).toEqual({
      ok: true,
      user: {
        historyLimit: 50,
        notifyWarnings: true,
        mode: "block",
        notifications: false,
        blocklist: [{ sha1: SHA1, label: "Flame", source: "user" }],
        allowlist: [],
      },
    });
  });

  test("invalid values and list lines: every error, and nothing to save", async () => {
    const r = await applySettingsInput(view({}, undefined), {
      mode: "BLOCK" as never,
      notifications: "yes" as never,
      historyLimit: 0,
      notifyWarnings: 1 as never,
      blocklistText: `${SHA256}\nnope`,
      allowlistText: `sha1:${SHA1}`,
      extra: true,
    } as never);
    expect(r.ok).toBe(false);
    // Each issue's path names the field (and line) the options page shows it under.
    expect(!r.ok && r.errors.map((e) => e.path)).toEqual([
      [],
      ["mode"],
      ["notifications"],
      ["notifyWarnings"],
      ["historyLimit"],
      ["allowlist", { line: 1 }],
      ["blocklist", { line: 2 }],
    ]);
    expect(!r.ok && r.errors.map(formatIssue)).toEqual([
      'unknown setting "extra"',
      'mode: expected "warn" or "block", got "BLOCK" (values are lowercase)',
      'notifications: expected true or false, got "yes"',
      "notifyWarnings: expected true or false, got 1",
      "historyLimit: expected a positive whole number such as 10000, got 0",
      "allowlist line 1: sha1: SHA-1 fingerprints are accepted only in the blocklist; the allowlist takes only a certificate SHA-256 or an SPKI SHA-256",
      expect.stringMatching(/^blocklist line 2: expected a certificate SHA-256 fingerprint/),
    ]);
  });

  test("a managed key: a change is refused naming the key; the same value is accepted and left alone", async () => {
    const v = view({ mode: "warn" }, { mode: "block", historyLimit: 10 });
    expect(await applySettingsInput(v, { mode: "block", historyLimit: 10, notifyWarnings: true })).toEqual({
      ok: true,
      user: { mode: "warn", notifyWarnings: true },
    });
    expect(await applySettingsInput(v, { mode: "warn" })).toEqual({ ok: true, user: { mode: "warn" } });
    expect(await applySettingsInput(v, { historyLimit: 11 })).toEqual({
      ok: false,
      errors: [{ path: ["historyLimit"], message: "set by your organisation's policy, it cannot be changed here" }],
    });
  });

  test("input that is not an object is one error, and nothing to save", async () => {
    for (const [input, got] of [
      [null, "null"],
      [[{ mode: "block" }], "an array"],
      ["mode=block", '"mode=block"'],
    ] as const) {
      expect(await applySettingsInput(view({}, undefined), input as never)).toEqual({
        ok: false,
        errors: [{ path: [], message: `settings: expected an object, got ${got}` }],
      });
    }
  });

  test("locked lists the policy fills: the user's own (empty) part may be resubmitted; a bad line is reported as such, not as a refusal", async () => {
    const v = view({}, { lockSettings: true, allowlist: [{ sha256: SHA256 }], blocklist: [{ sha256: SHA256_B }] });
    // The page shows the user's part of each list (nothing stored: empty), and may submit it back.
    expect(await applySettingsInput(v, { allowlistText: "", blocklistText: "" })).toEqual({ ok: true, user: {} });
    const r = await applySettingsInput(v, { blocklistText: `${SHA1}\nnope` });
    expect(!r.ok && r.errors.map(formatIssue)).toEqual([expect.stringMatching(/^blocklist line 2: expected a certificate SHA-256 fingerprint/)]);
  });

  test("locked: mode, notifications, notifyWarnings and both lists are refused", async () => {
    const v = view({ blocklist: [{ sha1: SHA1, source: "user" }] }, { lockSettings: true });
    const r = await applySettingsInput(v, {
      mode: "block",
      notifications: false,
      notifyWarnings: true,
      allowlistText: SHA256,
      blocklistText: `${SHA1}\n${SHA256}`,
      historyLimit: 5,
    });
    expect(r).toEqual({
      ok: false,
      errors: ["mode", "notifications", "notifyWarnings", "allowlist", "blocklist"].map((k) => ({
        path: [k],
        message: "locked by your organisation's policy (lockSettings), it cannot be changed here",
      })),
    });
    // Unchanged lists and values pass (the page may submit everything it shows).
    expect(await applySettingsInput(v, { mode: "warn", blocklistText: `sha1:${SHA1}`, allowlistText: "", historyLimit: 5 })).toEqual({
      ok: true,
      user: { blocklist: [{ sha1: SHA1, source: "user" }], historyLimit: 5 },
    });
  });
});
