// Jest's test environment for `npm run mutate` (jest.unit.config.js): Node's, and in a Stryker mutant run the
// tests of a file after its first failing one are skipped: that failure already kills the mutant (see
// scripts/stryker-test-runner.cjs, which does the same across files).
const { TestEnvironment } = require("jest-environment-node");

module.exports = class StrykerTestEnvironment extends TestEnvironment {
  #failed = false;

  async handleTestEvent(event) {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) return;
    if (event.name === "test_done" && event.test.errors.length > 0) this.#failed = true;
    else if (event.name === "test_start" && this.#failed) event.test.mode = "skip";
  }
};
