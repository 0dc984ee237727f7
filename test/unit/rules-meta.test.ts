/** Every rule is documented and tested: a test file of its own, a reference, a unique id, a README row. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RULES } from "../../src/rules";
import { RuleRegistry } from "../../src/rules/registry";

const root = join(__dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

test.each(RULES.all().map((r) => [r.id, r]))("rule %s has a source file, a test file, a reference and a README row", (id, rule) => {
  expect(existsSync(join(root, "src", "rules", `${id}.ts`))).toBe(true);
  const testFile = join(root, "test", "unit", "rules", `${id}.test.ts`);
  expect(existsSync(testFile)).toBe(true);
  expect(readFileSync(testFile, "utf8")).toMatch(/\btest\(/);
  expect(rule.reference).toMatch(/^https:\/\/\S+$/);
  expect(rule.title.length).toBeGreaterThan(3);
  expect(rule.explanation.length).toBeGreaterThan(40);
  expect(readme).toMatch(new RegExp(`^\\|\\s*\`${id}\`\\s*\\|`, "m"));
});

test("the registry refuses duplicate, empty and malformed ids and rules without a reference", () => {
  const rule = RULES.all()[0];
  const registry = new RuleRegistry().register(rule);
  expect(() => registry.register(rule)).toThrow(/duplicate rule id/);
  expect(() => registry.register({ ...rule, id: "" })).toThrow(/kebab-case/);
  expect(() => registry.register({ ...rule, id: "Bad Id" })).toThrow(/kebab-case/);
  expect(() => registry.register({ ...rule, id: "no-reference", reference: "" })).toThrow(/no reference/);
});
