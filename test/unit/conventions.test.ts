/**
 * The project's conventions, each a test that fails when one is broken (refined-github's meta-tests):
 * every rule is tested, documented and labelled, rules do not import each other, every protocol
 * request has a handler test, and every extension page is built from an entry and checked by axe.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_BADGES } from "../../popup/chain/badges";
import { RULES } from "../../src/rules";
import { RuleRegistry } from "../../src/rules/registry";

const root = join(__dirname, "..", "..");
const read = (...path: string[]) => readFileSync(join(root, ...path), "utf8");
const ruleIds = RULES.all().map((r) => r.id);

describe("rules", () => {
  const readme = read("README.md");
  const rulesTable = readme.slice(readme.indexOf("\n## Rules\n"), readme.indexOf("\n## ", readme.indexOf("\n## Rules\n") + 1));

  test.each(RULES.all().map((r) => [r.id, r]))("rule %s has a source file, a test file, a reference and a row in the README's Rules table", (id, rule) => {
    expect(existsSync(join(root, "src", "rules", `${id}.ts`))).toBe(true);
    const testFile = join(root, "test", "unit", "rules", `${id}.test.ts`);
    expect(existsSync(testFile)).toBe(true);
    expect(readFileSync(testFile, "utf8")).toMatch(/\btest\(/);
    expect(rule.reference).toMatch(/^https:\/\/\S+$/);
    expect(rule.title.length).toBeGreaterThan(3);
    expect(rule.explanation.length).toBeGreaterThan(40);
    expect(rulesTable).toMatch(new RegExp(`^\\|\\s*\`${id}\`\\s*\\|`, "m"));
  });

  test("every rule has a badge label in the popup, and every label is a rule's (or the analysis error's)", () => {
    expect(Object.keys(RULE_BADGES).sort()).toEqual([...ruleIds, "analysis-error"].sort());
    for (const label of Object.values(RULE_BADGES)) expect(label.trim()).not.toBe("");
  });

  test("every rule file under src/rules/ is registered, and none imports another rule (shared code goes to helpers.ts)", () => {
    const infrastructure = ["index", "registry", "rule", "ids", "helpers"];
    const files = readdirSync(join(root, "src", "rules")).map((f) => f.replace(/\.ts$/, ""));
    expect(files.filter((f) => !infrastructure.includes(f)).sort()).toEqual([...ruleIds].sort());
    for (const id of ruleIds) {
      const imported = [...read("src", "rules", `${id}.ts`).matchAll(/from "\.\/([^"]+)"/g)].map((m) => m[1]);
      expect({ id, imported: imported.filter((m) => ruleIds.includes(m)) }).toEqual({ id, imported: [] });
    }
  });

  test("the registry refuses duplicate, empty and malformed ids and rules without a reference", () => {
    const rule = RULES.all()[0];
    const registry = new RuleRegistry().register(rule);
    expect(() => registry.register(rule)).toThrow(/duplicate rule id/);
    expect(() => registry.register({ ...rule, id: "" })).toThrow(/kebab-case/);
    expect(() => registry.register({ ...rule, id: "Bad Id" })).toThrow(/kebab-case/);
    for (const id of ["weak-key-", "weak-Key", "weak--key"]) expect(() => registry.register({ ...rule, id })).toThrow(/kebab-case/);
    expect(() => registry.register({ ...rule, id: "no-reference", reference: "" })).toThrow(/no reference/);
  });
});

test("every protocol request type has a test that sends it to the background's message handler", () => {
  const protocol = read("src", "protocol.ts");
  const requests = protocol.slice(protocol.indexOf("export interface Requests {"), protocol.indexOf("\n}", protocol.indexOf("export interface Requests {")));
  const types = [...requests.matchAll(/^ {2}"([a-z-]+)":/gm)].map((m) => m[1]);
  expect(types).toContain("ui-bg-get-tab-state");
  const handlerTests = readdirSync(join(root, "test", "unit", "background"))
    .map((f) => read("test", "unit", "background", f))
    .filter((text) => text.includes("createMessageHandler("))
    .join("\n");
  expect(types.filter((type) => !handlerTests.includes(`type: "${type}"`))).toEqual([]);
});

describe("extension pages", () => {
  const manifest = JSON.parse(read("manifest.json"));
  const vite = read("vite.config.ts");
  const inputs = [
    ...vite
      .slice(vite.indexOf("input: {"))
      .slice(0, vite.slice(vite.indexOf("input: {")).indexOf("}"))
      .matchAll(/"(popup\/[^"]+\.html)"/g),
  ].map((m) => m[1]);
  const pages = [
    ...new Set([
      manifest.action.default_popup,
      manifest.options_ui.page,
      ...manifest.web_accessible_resources.flatMap((r: { resources: string[] }) => r.resources),
      ...inputs,
    ]),
  ];

  test("every page the build or the manifest names loads an entry that exists", () => {
    expect(inputs.length).toBeGreaterThan(0);
    for (const page of pages) {
      const scripts = [...read(page).matchAll(/<script type="module" src="\.\/([^"]+)"><\/script>/g)].map((m) => m[1]);
      expect({ page, scripts: scripts.filter((s) => /^entries\/\w+\.tsx$/.test(s) && existsSync(join(root, "popup", s))) }).toEqual({
        page,
        scripts: [expect.any(String)],
      });
    }
  });

  test("every page under popup/ is built (a vite input or in the manifest)", () => {
    const html = readdirSync(join(root, "popup"))
      .filter((f) => f.endsWith(".html"))
      .map((f) => `popup/${f}`);
    expect(html.filter((page) => !pages.includes(page))).toEqual([]);
  });

  test("every page is checked by the accessibility test", () => {
    const accessibility = read("test", "e2e", "accessibility.test.ts");
    expect(pages.filter((page) => !accessibility.includes(page))).toEqual([]);
  });
});
