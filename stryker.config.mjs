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
  // Ignored. Mutants also reached from a test ("hybrid") are still tested, with the tests that reach them.
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
  reporters: ["clear-text", "json", "html", "progress"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  cleanTempDir: "always",
};
