/** The settings schema itself: issue paths and how they read, defaults, lock rules. */
import { parseListText } from "../../src/listText";
import { applySettingsInput, buildSettingsView, resolveSettings, validatePolicy } from "../../src/policy";
import { parseList } from "../../src/settings/entries";
import { describeValue, formatIssue, formatPath } from "../../src/settings/issues";
import { DEFAULT_SETTINGS, LOCKED_KEYS, lockRule, POLICY_KEYS, SETTINGS } from "../../src/settings/schema";

const SHA256 = "851289bdf3ad8ecfc2aade19fd349fbe21c602de2f3ef2339922679a35393ea6";

describe("issue paths", () => {
  test.each([
    [["blocklist", 3, "sha256"], "blocklist[3].sha256"],
    [["blocklist", 2, "issuerSerial", "serial"], "blocklist[2].issuerSerial.serial"],
    [["reporting", "headers", { name: "X-Api-Key" }], 'reporting.headers."X-Api-Key"'],
    [["blocklist", { line: 3 }], "blocklist line 3"],
    [[{ line: 18, record: 1, id: "x1" }], "line 18, record 1 (id x1)"],
    [[{ line: 5, record: 0 }], "line 5, record 0"],
    [["feeds", 0, "publicKey"], "feeds[0].publicKey"],
  ])("%j reads %s", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  test("an issue about the whole value is its message alone", () => {
    expect(formatIssue({ path: [], message: 'unknown key "x" ignored' })).toBe('unknown key "x" ignored');
    expect(formatIssue({ path: ["mode"], message: "expected" })).toBe("mode: expected");
  });

  test("each validator places its issues at the part at fault", async () => {
    expect(parseList([{ sha256: SHA256 }, { sha256: "ab" }], "blocklist", "policy").issues.map((i) => i.path)).toEqual([[1, "sha256"], [1]]);
    expect(parseList([{ subjectSpki: { subject: "nope", spkiSha256: "nope" } }], "blocklist", "feed").issues.map((i) => i.path)).toEqual([
      [0, "subjectSpki", "subject"],
      [0, "subjectSpki", "spkiSha256"],
      [0],
    ]);
    expect((await parseListText(`${SHA256}\n\nnope`, "allowlist", "user")).issues.map((i) => i.path)).toEqual([[{ line: 3 }]]);
    const policy = validatePolicy({
      reporting: { endpoint: "https://c.example", format: "ndjson", headers: { "Bad Name": "x" } },
      feeds: [{ url: "ftp://x" }],
    });
    expect(policy.errors).toEqual([
      expect.stringMatching(/^reporting\.headers\."Bad Name": not a valid header name/),
      expect.stringMatching(/^feeds\[0\]\.url: /),
      expect.stringMatching(/^feeds\[0\]\.publicKey: /),
      "feeds[0]: not fetched: no valid url and no valid publicKey",
    ]);
  });
});

describe("how a message quotes the value it refuses", () => {
  test("a missing field reads as nothing", () => {
    expect(validatePolicy({ blocklist: [{ issuerSerial: { issuer: "MAMCAQU=" } }] }).errors[0]).toMatch(
      /^blocklist\[0\]\.issuerSerial\.serial: .*, got nothing$/,
    );
  });

  test("text is quoted whole up to 60 characters, and cut to 57 and an ellipsis past that", () => {
    expect(describeValue("x".repeat(60))).toBe(`"${"x".repeat(60)}"`);
    expect(describeValue("x".repeat(61))).toBe(`"${"x".repeat(57)}..."`);
  });

  test("numbers and booleans as written, the rest by kind", () => {
    expect([42, false, null, [1], {}, () => 0, 1n].map(describeValue)).toEqual(["42", "false", "null", "an array", "an object", "a function", "a bigint"]);
  });
});

describe("one entry definition for policy, feeds, stored settings and list text", () => {
  const ISSUER = "MFMxNTAzBgNVBAMTLFZlcmlTaWduIENsYXNzIDMgUHVibGljIFByaW1hcnkgQ2VydGlmaWNhdGlvbg";

  test("a DER name without its padding and a serial with colons and leading zeros read the same from JSON and from text", async () => {
    const fromPolicy = parseList([{ issuerSerial: { issuer: ISSUER, serial: "00:8F:01" } }], "blocklist", "user").entries;
    const fromText = (await parseListText(`issuer-serial:${ISSUER} 00:8f:01`, "blocklist", "user")).entries;
    expect(fromPolicy).toEqual(fromText);
    expect(fromText[0]).toEqual({ issuerSerial: { issuer: `${ISSUER}==`, serial: "8f01" }, source: "user" });
  });

  test("what one refuses, the other refuses with the same words", async () => {
    const policy = parseList([{ issuerSerial: { issuer: "bm90IGEgbmFtZQ==", serial: "8f" } }], "blocklist", "policy").issues[0].message;
    const text = (await parseListText("issuer-serial:bm90IGEgbmFtZQ== 8f", "blocklist", "user")).issues[0].message;
    expect(text).toBe(`issuer-serial: issuer: ${policy}`);
  });
});

describe("list entries as JSON (policy, feeds, stored settings): what each field accepts", () => {
  const NAME = "MGMxCzAJBgNVBAYTAlVT";
  const SPKI_HEX = "ab".repeat(32); // any 64 hex digits
  const errors = (raw: unknown[]) => parseList(raw, "blocklist", "policy").issues.map(formatIssue);
  /** The base64 of `bytes` bytes starting with 0x30 (a SEQUENCE, as every DER name is). */
  const derName = (bytes: number) => Buffer.concat([Buffer.from([0x30]), Buffer.alloc(bytes - 1)]).toString("base64");

  test("a name pair that is not an object says which object it expects", () => {
    expect(errors([{ issuerSerial: `${NAME} 8f` }, { subjectSpki: 5 }])).toEqual([
      `[0].issuerSerial: expected { "issuer": base64 DER name, "serial": hex }, got "${NAME} 8f"`,
      "[0]: entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki",
      '[1].subjectSpki: expected { "subject": base64 DER name, "spkiSha256": hash }, got 5',
      "[1]: entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki",
    ]);
  });

  test("a serial is hex text: a JSON number is refused; an odd number of digits gets its leading zero", () => {
    expect(errors([{ issuerSerial: { issuer: NAME, serial: 143 } }])[0]).toBe(
      '[0].issuerSerial.serial: expected the serial number in hex (colons allowed), such as "04:00:00:00:00:01", got 143',
    );
    expect(parseList([{ issuerSerial: { issuer: NAME, serial: "F01" } }], "blocklist", "policy").entries).toEqual([
      { issuerSerial: { issuer: NAME, serial: "0f01" }, source: "policy" },
    ]);
  });

  test("a DER name: from the empty name (2 bytes) up to 4096 characters of base64", () => {
    const longest = derName(3072);
    expect(longest).toHaveLength(4096);
    const ok = parseList(
      [{ subjectSpki: { subject: "MAA=", spkiSha256: SPKI_HEX } }, { subjectSpki: { subject: longest, spkiSha256: SPKI_HEX } }],
      "blocklist",
      "policy",
    );
    expect(ok.issues).toEqual([]);
    expect(ok.entries.map((e) => e.subjectSpki!.subject)).toEqual(["MAA=", longest]);
    const refused = errors([{ subjectSpki: { subject: "MA==", spkiSha256: SPKI_HEX } }, { subjectSpki: { subject: derName(3075), spkiSha256: SPKI_HEX } }]);
    expect(refused.filter((e) => e.includes(".subject:"))).toEqual([
      expect.stringMatching(/^\[0\]\.subjectSpki\.subject: expected the base64 of a DER-encoded name/),
      expect.stringMatching(/^\[1\]\.subjectSpki\.subject: expected the base64 of a DER-encoded name/),
    ]);
  });

  test("an unknown key is named by its first 40 characters", () => {
    expect(errors([{ sha256: SHA256, [`comment${"-".repeat(50)}`]: "x" }])).toEqual([
      `[0]: unknown key "comment${"-".repeat(33)}" ignored (expected sha256, sha1, spkiSha256, issuerSerial, subjectSpki, label, reason, reference)`,
    ]);
  });
});

describe("defaults", () => {
  test("the settings in force without policy or user settings", () => {
    expect(DEFAULT_SETTINGS).toEqual({
      mode: "warn",
      notifications: true,
      notifyWarnings: false,
      historyLimit: 10_000,
      allowlist: [],
      blocklist: [],
      blockUnverifiableChains: false,
      reporting: null,
      feeds: [],
    });
    expect(resolveSettings({}, validatePolicy(undefined)).effective).toEqual(DEFAULT_SETTINGS);
  });
});

describe("lock rules", () => {
  test("what lockSettings does to each setting", () => {
    expect(Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, lockRule(k as keyof typeof SETTINGS)]))).toEqual({
      mode: "policy-or-default",
      notifications: "policy-or-default",
      notifyWarnings: "policy-or-default",
      historyLimit: "unaffected",
      allowlist: "policy-or-default",
      blocklist: "read-only",
      blockUnverifiableChains: "policy-only",
      reporting: "policy-only",
      feeds: "policy-only",
    });
    expect(LOCKED_KEYS).toEqual(["mode", "notifications", "notifyWarnings", "allowlist", "blocklist"]);
  });

  test("locked, a read-only list still applies the user's entries; a policy-or-default one drops them", () => {
    const user = { blocklist: [{ sha256: SHA256, source: "user" as const }], allowlist: [{ sha256: SHA256, source: "user" as const }], mode: "block" as const };
    const { effective } = resolveSettings(user, validatePolicy({ lockSettings: true }));
    expect(effective.blocklist).toEqual(user.blocklist);
    expect(effective.allowlist).toEqual([]);
    expect(effective.mode).toBe("warn");
  });

  test("a locked list submitted as it stands, in any order, is unchanged; a changed label is a change", async () => {
    const SHA1 = "2a83e9020591a55fc6ddad3fb102794c52b24e70";
    const view = buildSettingsView(
      {
        blocklist: [
          { sha256: SHA256, label: "one", source: "user" },
          { sha1: SHA1, source: "user" },
        ],
      },
      validatePolicy({ lockSettings: true }),
    );
    expect(await applySettingsInput(view, { blocklistText: `sha1:${SHA1}\n${SHA256} # one` })).toMatchObject({ ok: true });
    expect(await applySettingsInput(view, { blocklistText: `${SHA256} # two\nsha1:${SHA1}` })).toEqual({
      ok: false,
      errors: [{ path: ["blocklist"], message: "locked by your organisation's policy (lockSettings), it cannot be changed here" }],
    });
  });

  test("policy keys: every setting a policy may set, then lockSettings", () => {
    expect(POLICY_KEYS).toEqual([
      "mode",
      "notifications",
      "historyLimit",
      "allowlist",
      "blocklist",
      "blockUnverifiableChains",
      "reporting",
      "feeds",
      "lockSettings",
    ]);
  });
});
