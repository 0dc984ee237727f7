// Jest's test runner for `npm run mutate` (jest.unit.config.js): in a Stryker mutant run, the test files
// after the first one with a failing test are not run. One failing test kills the mutant, and Stryker's
// jest runner cannot pass Jest's own `bail` (it ends the process); without it every covering test ran for
// every mutant, and most mutants are killed by the first file. A surviving mutant still runs them all.
const { default: TestRunner } = require("jest-runner");

module.exports = class StrykerTestRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || !options.serial) return super.runTests(tests, watcher, options);
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
