// The unit project of jest.config.js on its own, for `npm run mutate`: Stryker's jest runner swaps in its
// coverage-recording test environment only at the top level of a config, never inside `projects`.
import { fileURLToPath } from "node:url";
import jestConfig from "./jest.config.js";

const { displayName, ...unit } = jestConfig.projects.find((project) => project.displayName === "unit");
export default {
  ...unit,
  // The fuzz tests stop on a time budget, so under a mutant they run as many cases as the machine's load
  // allows: a mutant would be killed or not by chance. They reach nearly every mutant and would run for each.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/unit/adversarial/"],
  // Jest's 5 s per test is too short for the command-line tests (a child process each) running instrumented
  // code on a loaded machine; a mutant that makes a test loop is still stopped by Stryker's own timeout.
  testTimeout: 60_000,
  // A mutant run loads only the test files that hold its covering tests, and stops at the first failing one.
  testSequencer: "<rootDir>/scripts/stryker-test-sequencer.mjs",
  runner: "<rootDir>/scripts/stryker-test-runner.cjs",
  // A path, not "<rootDir>/…": Stryker's jest runner loads the environment from the config as written.
  testEnvironment: fileURLToPath(new URL("scripts/stryker-test-environment.cjs", import.meta.url)),
};
