import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildFixtures, FIXTURES_PATH, INPUTS_PATH, REGENERATE, type FixtureInputs } from "../components/fixtures/build";
import type { MockData } from "../../popup/connect/mock";

const root = join(__dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

test("the committed component fixtures are what the real core makes of the committed inputs", async () => {
  const inputs: FixtureInputs = JSON.parse(read(INPUTS_PATH));
  const built = await buildFixtures(root, inputs);
  const committed = read(FIXTURES_PATH);
  if (built !== committed) {
    const [a, b] = [committed.split("\n"), built.split("\n")];
    const line = a.findIndex((text, i) => text !== b[i]);
    throw new Error(
      `${FIXTURES_PATH} is stale (line ${line + 1} is now ${JSON.stringify(b[line]?.trim())}, committed ${JSON.stringify(a[line]?.trim())}): run ${REGENERATE} and commit it`,
    );
  }
});

test("time-dependent findings are judged at the inputs' generation time, not when the tests run", () => {
  const fixtures: MockData & { generatedAt: string } = JSON.parse(read(FIXTURES_PATH));
  const badges = fixtures.tabs["15"].top!.verdict;
  expect(badges.analyzedAt).toBe(Date.parse(fixtures.generatedAt));
  const { chain } = badges;
  const ruleOf = (index: number) => badges.findings.filter((f) => f.certIndex === index).map((f) => f.ruleId);
  // The leaf ended 35 days before the generation time; the intermediate starts 30 days after it.
  expect(ruleOf(0)).toContain("expired");
  expect(chain[0].validity.end).toBeLessThan(badges.analyzedAt);
  expect(ruleOf(1)).toContain("not-yet-valid");
  expect(chain[1].validity.start).toBeGreaterThan(badges.analyzedAt);
});
