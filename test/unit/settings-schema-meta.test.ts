/**
 * "Adding a policy key means editing one schema definition": these hold the docs, the validators
 * and the options page to src/settings/schema.ts, so a key added there fails here until its docs
 * row exists, its validation reports bad values, and the options page routes its errors.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errorsByField } from "../../popup/options/listText";
import { applySettingsInput, buildSettingsView, sanitizeUserSettings, validatePolicy } from "../../src/policy";
import {
  DEFAULT_SETTINGS,
  LOCK_SETTINGS,
  LOCKED_KEYS,
  POLICY_KEYS,
  SETTING_KEYS,
  SETTINGS,
  USER_SETTING_KEYS,
  type TypeDescription,
} from "../../src/settings/schema";

const enterpriseDocs = readFileSync(join(__dirname, "..", "..", "docs", "enterprise.md"), "utf8");

/** docs/enterprise.md's policy key table: key → [type, default, effect] cells. */
function policyKeyTable(): Map<string, string[]> {
  const lines = enterpriseDocs.split("\n");
  const header = lines.indexOf("| Key | Type | Default | Effect |");
  expect(header).toBeGreaterThan(-1);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    // Cells are split on " | ": a "|" inside a cell's code (`|`) has no spaces around it.
    const [key, ...cells] = line
      .slice(1, -1)
      .split(" | ")
      .map((c) => c.trim());
    rows.set(key.replace(/`/g, ""), cells);
  }
  return rows;
}

const POLICY_DEFINITIONS: [string, { default: unknown; type: TypeDescription }][] = POLICY_KEYS.map((key) => [
  key,
  key === LOCK_SETTINGS.key ? LOCK_SETTINGS : SETTINGS[key as keyof typeof SETTINGS],
]);

/** What a Type cell must name for a type description. */
function typeWords(type: TypeDescription): string[] {
  switch (type.kind) {
    case "choice":
      return type.choices.map((c) => `"${c}"`);
    case "boolean":
      return ["boolean"];
    case "whole number":
      return ["whole number", String(type.min), String(type.max)];
    default:
      return [type.kind === "array" ? "array" : "object", ...type.fields.map((f) => `"${f}"`)];
  }
}

describe("docs/enterprise.md's policy key table follows the schema", () => {
  test("one row per policy key, in the schema's order, and no other rows", () => {
    expect([...policyKeyTable().keys()]).toEqual(POLICY_KEYS);
  });

  test.each(POLICY_DEFINITIONS)("%s: its row names its type and default", (key, definition) => {
    const row = policyKeyTable().get(key);
    if (!row) throw new Error(`docs/enterprise.md has no row for the policy key ${key}: add "| \`${key}\` | type | default | effect |"`);
    const [type, defaultCell, effect] = row;
    for (const word of typeWords(definition.type)) expect(type).toContain(word);
    expect(defaultCell).toBe(definition.default === null ? "none (off)" : `\`${JSON.stringify(definition.default)}\``);
    expect(effect.length).toBeGreaterThan(20);
  });
});

describe("every policy key is validated", () => {
  test.each(POLICY_KEYS.map((k) => [k]))("%s: a value of the wrong kind is reported under the key and nothing of it applies", (key) => {
    const policy = validatePolicy({ ...(key !== "mode" && { mode: "block" }), [key]: Symbol("not a setting") });
    expect(policy.errors).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${key}: `))]));
    expect(policy.values).toEqual(key === "mode" ? {} : { mode: "block" });
    expect(policy.locked).toBe(false);
  });

  test.each(POLICY_DEFINITIONS.filter(([, d]) => d.default !== null))("%s: its default is a valid policy value", (key, definition) => {
    expect(validatePolicy({ [key]: definition.default }).errors).toEqual([]);
  });

  test("the keys only a user sets are refused by name in a policy", () => {
    for (const key of SETTING_KEYS.filter((k) => !POLICY_KEYS.includes(k))) {
      expect(validatePolicy({ [key]: DEFAULT_SETTINGS[key] }).errors).toEqual([expect.stringMatching(new RegExp(`^${key}: ignored, it is a user setting`))]);
    }
  });
});

describe("every user setting is validated, and its errors reach its field in the options page", () => {
  const view = buildSettingsView({}, validatePolicy(undefined));

  test.each(USER_SETTING_KEYS.map((k) => [k]))(
    "%s: a bad value from the options page is refused with an issue on the key, routed to its field",
    async (key) => {
      const saved = await applySettingsInput(view, { [SETTINGS[key].user.input]: Symbol("bad") } as never);
      if (saved.ok) throw new Error(`${key}: a bad value was accepted`);
      expect(saved.errors.map((e) => e.path[0])).toEqual([key]);
      expect(errorsByField(saved.errors)).toEqual({ fields: { [key]: [expect.stringMatching(new RegExp(`^${key}: `))] }, general: [] });
    },
  );

  test.each(USER_SETTING_KEYS.map((k) => [k]))("%s: a stored value survives a reload, a wrong one is dropped", (key) => {
    expect(sanitizeUserSettings({ [key]: DEFAULT_SETTINGS[key] })).toEqual({ [key]: DEFAULT_SETTINGS[key] });
    expect(sanitizeUserSettings({ [key]: Symbol("bad") })).toEqual({});
  });

  test("an issue that names no setting is shown apart from the fields", () => {
    expect(errorsByField([{ path: [], message: 'unknown setting "x"' }])).toEqual({ fields: {}, general: ['unknown setting "x"'] });
  });
});

test("lockSettings locks exactly the user settings whose lock rule says so, and the options page shows them locked", () => {
  const locked = buildSettingsView({}, validatePolicy({ lockSettings: true }));
  expect(locked.managedKeys).toEqual(LOCKED_KEYS);
  for (const key of LOCKED_KEYS) expect(USER_SETTING_KEYS).toContain(key);
});
