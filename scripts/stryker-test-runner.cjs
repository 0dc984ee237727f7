// Jest's test runner for `npm run mutate` (jest.unit.config.js), with two changes for Stryker.
//
// In a mutant run, the test files after the first one with a failing test are not run. One failing test kills
// the mutant, and Stryker's jest runner cannot pass Jest's own `bail` (it ends the process); without it every
// covering test ran for every mutant, and most mutants are killed by the first file. A surviving mutant still
// runs them all.
//
// After the initial run, a mutant that a test reaches and that a test file also reaches outside its tests
// (recorded by scripts/stryker-test-environment.cjs) counts as covered by that file's tests instead of as
// "static", so it is run with those tests and not with every unit test. A mutant only ever reached outside
// tests stays static (ignored: ignoreStatic in stryker.config.mjs).
const { default: TestRunner } = require("jest-runner");
const { dirname, join } = require("node:path");

const { state } = require(join(dirname(require.resolve("@stryker-mutator/jest-runner")), "messaging.cjs"));

module.exports = class StrykerTestRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined && options.serial) return this.#runUntilOneFails(tests, watcher, options);
    await super.runTests(tests, watcher, options);
    if (state.coverageAnalysis === "perTest") assignOutsideTestCoverage();
  }

  async #runUntilOneFails(tests, watcher, options) {
    let failed = false;
    const unsubscribe = [
      this.on("test-file-success", ([, result]) => (failed ||= result.numFailingTests > 0 || result.testExecError !== undefined)),
      this.on("test-file-failure", () => (failed = true)),
    ];
    try {
      for (const test of tests) {
        if (failed) break;
        await super.runTests([test], watcher, options);
      }
    } finally {
      for (const off of unsubscribe) off();
    }
  }
};

function assignOutsideTestCoverage() {
  const coverage = state.instrumenterContext.mutantCoverage;
  const files = state.outsideTestCoverage ?? [];
  state.outsideTestCoverage = [];
  if (!coverage) return;
  const reachedByTests = new Set(Object.values(coverage.perTest).flatMap((ids) => Object.keys(ids)));
  for (const { tests, ids } of files) {
    for (const id of ids.filter((id) => reachedByTests.has(id))) {
      for (const test of tests) (coverage.perTest[test] ??= {})[id] = 1;
      delete coverage.static[id];
    }
  }
}
