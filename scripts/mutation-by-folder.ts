// After `stryker run`: the mutation score per folder from reports/mutation/mutation.json (or the reports
// named as arguments, merged file by file, the later winning: a run done in pieces), as a Markdown table for
// the README. A run stopped early has no report, but its results log (reports/mutation/results.ndjson)
// reads the same.
import { counts, detected, pct, readResults, ROWS } from "./mutation-results";

const files = readResults(process.argv.length > 2 ? process.argv.slice(2) : ["reports/mutation/mutation.json"]);

console.log("| Folder | mutants | killed | timed out | survived | no coverage | ignored | score |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const [name, inRow] of ROWS) {
  const status: Record<string, number> = {};
  let [total, found, valid] = [0, 0, 0];
  for (const [file, { mutants }] of Object.entries(files)) {
    if (!inRow(file)) continue;
    for (const m of mutants) {
      status[m.status] = (status[m.status] ?? 0) + 1;
      if (counts(m.status)) valid++;
      if (detected(m.status)) found++;
    }
    total += mutants.length;
  }
  if (!total) continue;
  const cells = [total, status.Killed, status.Timeout, status.Survived, status.NoCoverage, status.Ignored].map((n) => n ?? 0);
  console.log(`| ${name} | ${cells.join(" | ")} | ${pct(found, valid)} |`);
}
