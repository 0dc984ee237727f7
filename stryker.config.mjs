// npm run mutate: mutation testing of the core (src/) and the background adapter (background/), which the
// unit tests cover. Not part of npm test: about 8,000 mutants, hours on a shared two-core machine.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "jest",
  // Which test files a mutant needs is known from the covering tests (scripts/stryker-test-sequencer.mjs), so
  // Jest's --findRelatedTests, a walk of the import graph before every mutant, would only cost time.
  jest: { configFile: "jest.unit.config.js", enableFindRelatedTests: false },
  // No checker: @stryker-mutator/typescript-checker needs the TypeScript compiler API, which TypeScript 7 does not have.
  coverageAnalysis: "perTest",
  // A static mutant (module-level code: rule metadata, tables, constants) can only be tested by reloading
  // every module and running every unit test (1-2 minutes each); there are hundreds. They are reported as
  // Ignored. A mutant a test file also reaches while it loads or in its hooks counts as covered by that
  // file's tests (scripts/stryker-test-environment.cjs), so it is tested with them like any other.
  ignoreStatic: true,
  mutate: [
    "src/**/*.ts",
    "background/**/*.ts",
    // Type declarations only: nothing to mutate.
    "!src/rules/rule.ts",
    "!src/reporting/model.ts",
    "!src/securityInfo.ts",
  ],
  // Kept out of the sandbox copy: build output, reports and screenshots (the tests the unit project does not
  // run stay: unit tests check that some exist); and tsconfig.json, which Stryker would rewrite through the
  // TypeScript JavaScript API (TypeScript 7 has none) while swc, the tests' transform, never reads it.
  ignorePatterns: ["dist", "artifacts", "web-ext-artifacts", "reports", "docs/screenshots", "tsconfig.json"],
  // Only mutants whose code or covering tests changed since the last run are tested again.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  // A shared two-core machine: one test process per core, and patience when it is loaded.
  concurrency: 2,
  timeoutFactor: 3,
  // The initial run (every unit test, instrumented) takes 4 minutes on a quiet machine; more when loaded.
  dryRunTimeoutMinutes: 30,
  timeoutMS: 15000,
  // results-log: each result as it comes (scripts/stryker-results-log.mjs), for a run stopped early.
  plugins: ["@stryker-mutator/*", "./scripts/stryker-results-log.mjs"],
  reporters: ["clear-text", "json", "html", "progress", "results-log"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  cleanTempDir: "always",
};
