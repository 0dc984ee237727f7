// A Stryker reporter for `npm run mutate`: each mutant's result as it comes, one JSON line, in
// reports/mutation/results.ndjson. Stryker writes its own reports only when a run ends, so a run stopped
// early (on a two-core machine a full run of src/ takes hours) would otherwise leave nothing; the lines
// written so far can be tabled by scripts/mutation-by-folder.ts like a finished run's report.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { declareClassPlugin, PluginKind } from "@stryker-mutator/api/plugin";

const RESULTS_LOG = "reports/mutation/results.ndjson";

class ResultsLog {
  constructor() {
    mkdirSync(dirname(RESULTS_LOG), { recursive: true });
    writeFileSync(RESULTS_LOG, "");
  }

  /** Every mutant, those whose result was known without a test (ignored, no coverage, incremental) too. */
  onMutantTested({ id, fileName, mutatorName, replacement, location, status }) {
    const line = { id, file: relative(process.cwd(), fileName), mutatorName, replacement, location, status };
    appendFileSync(RESULTS_LOG, `${JSON.stringify(line)}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "results-log", ResultsLog)];
