// Jest's test sequencer for `npm run mutate` (jest.unit.config.js): in a Stryker mutant run, only the test
// files that hold the tests covering the mutant are loaded.
//
// Why: for each mutant Stryker's jest runner calls Jest with the covering tests as a --testNamePattern, but
// Jest still loads every test file it was given (the related ones, or all) to find out that most of their
// tests are skipped: 30-50 files, each importing the certificate libraries, 10-15 s a mutant on this machine.
// The initial test run (no name pattern) records which file holds which test; a mutant run then keeps the
// files with a test the pattern matches, exactly the tests Jest would have run. Outside a Stryker worker, or
// for a file the initial run did not record, nothing is left out.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const { default: TestSequencer } = createRequire(import.meta.url)("@jest/test-sequencer");

const underStryker = process.env.STRYKER_MUTATOR_WORKER !== undefined;
/** In the sandbox Stryker copies the project into, left out of the copy and removed with it. */
const namesFile = (rootDir) => join(rootDir, "reports", "jest-test-names-by-file.json");

let namesByFile;

export default class StrykerTestSequencer extends TestSequencer {
  constructor(options) {
    super(options);
    this.globalConfig = options.globalConfig;
  }

  sort(tests) {
    const sorted = super.sort(tests);
    const { testNamePattern, rootDir } = this.globalConfig;
    if (!underStryker || !testNamePattern) return sorted;
    try {
      namesByFile ??= JSON.parse(readFileSync(namesFile(rootDir), "utf8"));
    } catch {
      return sorted; // no initial run recorded: every file, as Jest would
    }
    // Jest matches the pattern case-insensitively against each test's full name.
    const pattern = new RegExp(testNamePattern, "i");
    return sorted.filter((test) => !(test.path in namesByFile) || namesByFile[test.path].some((name) => pattern.test(name)));
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    if (!underStryker || this.globalConfig.testNamePattern) return;
    const names = Object.fromEntries(results.testResults.map((file) => [file.testFilePath, file.testResults.map((t) => t.fullName)]));
    const file = namesFile(this.globalConfig.rootDir);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(names));
  }
}
