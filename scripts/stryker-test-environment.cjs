// Jest's test environment for `npm run mutate` (jest.unit.config.js): Node's, with two changes for Stryker.
//
// In a mutant run, the tests of a file after its first failing one are skipped: that failure already kills
// the mutant (see scripts/stryker-test-runner.cjs, which does the same across files).
//
// In the initial run, what a test file runs outside its tests (while it loads, in beforeAll and afterAll) is
// recorded as that file's. Stryker counts such code as reached by no test ("static"), and a mutant that a
// test reaches too must then be run against every unit test (1-2 minutes each, hundreds of them).
// But Jest loads each test file, and the product modules it imports, afresh in every run with the mutant
// already active, so running that file's tests does test those mutants. The runner hands the record on.
const { TestEnvironment } = require("jest-environment-node");
const { dirname, join } = require("node:path");

// Stryker's jest-runner state, shared with its environment mixin and with the runner (not in its exports map).
const { state } = require(join(dirname(require.resolve("@stryker-mutator/jest-runner")), "messaging.cjs"));

/** A test's id as Stryker's jest runner writes it: its describe blocks' names and its own. */
function fullName(test) {
  const names = [];
  for (let block = test; block?.parent; block = block.parent) names.unshift(block.name);
  return names.join(" ").trimStart();
}

const staticCoverage = () => ({ ...state.instrumenterContext.mutantCoverage?.static });

module.exports = class StrykerTestEnvironment extends TestEnvironment {
  #failed = false;
  #recording = state.coverageAnalysis === "perTest" ? { before: staticCoverage(), tests: [] } : undefined;

  async handleTestEvent(event) {
    if (this.#recording) this.#record(event);
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) return;
    if (event.name === "test_done" && event.test.errors.length > 0) this.#failed = true;
    else if (event.name === "test_start" && this.#failed) event.test.mode = "skip";
  }

  #record(event) {
    if (event.name === "test_start") this.#recording.tests.push(fullName(event.test));
    if (event.name !== "run_finish") return;
    const { before, tests } = this.#recording;
    const now = staticCoverage();
    const ids = Object.keys(now).filter((id) => now[id] !== before[id]);
    (state.outsideTestCoverage ??= []).push({ tests, ids });
  }
};
