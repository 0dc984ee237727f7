// Jest's test sequencer for `npm run mutate` (jest.unit.config.js): in a Stryker mutant run, only the test
// files that hold the tests covering the mutant are loaded, the quickest first.
//
// Why: for each mutant Stryker's jest runner calls Jest with the covering tests as a --testNamePattern, but
// Jest still loads every test file it was given (the related ones, or all) to find out that most of their
// tests are skipped: 30-50 files, each importing the certificate libraries, 10-15 s a mutant on this machine.
// The initial test run (no mutant) records which file holds which test; a mutant run then keeps the files
// with a test the pattern matches, exactly the tests Jest would have run. The quickest go first because the
// first failure ends the run (scripts/stryker-test-runner.cjs). Outside a mutant run, or for a file the
// initial run did not record, nothing is left out.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const { default: TestSequencer } = createRequire(import.meta.url)("@jest/test-sequencer");

/** In the sandbox Stryker copies the project into, left out of the copy and removed with it. */
const recordFile = (rootDir) => join(rootDir, "reports", "jest-tests-by-file.json");

/** test file → the full names of its tests and how long the file took, from the initial run. */
let testsByFile;

export default class StrykerTestSequencer extends TestSequencer {
  constructor(options) {
    super(options);
    this.globalConfig = options.globalConfig;
  }

  sort(tests) {
    const sorted = super.sort(tests);
    const { testNamePattern, rootDir } = this.globalConfig;
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || !testNamePattern) return sorted;
    try {
      testsByFile ??= JSON.parse(readFileSync(recordFile(rootDir), "utf8"));
    } catch {
      return sorted; // no initial run recorded: every file, as Jest would
    }
    // Jest matches the pattern case-insensitively against each test's full name.
    const pattern = new RegExp(testNamePattern, "i");
    const ms = (test) => testsByFile[test.path]?.ms ?? Infinity;
    return sorted
      .filter((test) => !(test.path in testsByFile) || testsByFile[test.path].names.some((name) => pattern.test(name)))
      .sort((a, b) => ms(a) - ms(b));
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    const initialRun = process.env.STRYKER_MUTATOR_WORKER !== undefined && process.env.__STRYKER_ACTIVE_MUTANT__ === undefined;
    if (!initialRun || this.globalConfig.testNamePattern) return;
    const record = Object.fromEntries(
      results.testResults.map((file) => [file.testFilePath, { names: file.testResults.map((t) => t.fullName), ms: file.perfStats.runtime }]),
    );
    const path = recordFile(this.globalConfig.rootDir);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(record));
  }
}
