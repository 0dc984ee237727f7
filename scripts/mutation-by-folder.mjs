// After `stryker run`: the mutation score per folder from reports/mutation/mutation.json (or the reports
// named as arguments, merged file by file, the later winning: a run done in pieces), as a Markdown table for
// the README. A run stopped early has no report, but its results log (reports/mutation/results.ndjson)
// reads the same. Score as Stryker counts it: killed and timed-out mutants over all those that were tested
// or that no test reaches; ignored (static) mutants and ones that do not compile count for nothing.
import { readFileSync } from "node:fs";

const reports = process.argv.length > 2 ? process.argv.slice(2) : ["reports/mutation/mutation.json"];

/** A results log (scripts/stryker-results-log.mjs, one mutant a line) in the report's shape: file → mutants. */
function filesOfLog(text) {
  const files = {};
  for (const line of text.split("\n").filter(Boolean)) {
    const mutant = JSON.parse(line);
    (files[mutant.file] ??= { mutants: [] }).mutants.push(mutant);
  }
  return files;
}
const filesOf = (path) => (path.endsWith(".ndjson") ? filesOfLog(readFileSync(path, "utf8")) : JSON.parse(readFileSync(path, "utf8")).files);
const files = Object.assign({}, ...reports.map(filesOf));

/** The rows, each a name and which files it counts; a file can count in several (src/rules/ and src/). */
const BLOCKLIST_MATCHER = ["src/blocklist.ts", "src/blocklistSearch.ts", "src/analyzer.ts"];
const subfolder = (folder) => [`${folder}`, (file) => file.startsWith(folder)];
const ROWS = [
  ["src/ (all)", (file) => file.startsWith("src/")],
  subfolder("src/rules/"),
  ["blocklist matcher (src/blocklist*.ts, src/analyzer.ts)", (file) => BLOCKLIST_MATCHER.includes(file)],
  subfolder("src/ct/"),
  subfolder("src/feeds/"),
  subfolder("src/reporting/"),
  subfolder("src/scan/"),
  subfolder("src/settings/"),
  ["src/*.ts (other top-level files)", (file) => /^src\/[^/]+$/.test(file) && !BLOCKLIST_MATCHER.includes(file)],
  ["background/", (file) => file.startsWith("background/")],
];
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

const pct = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)} %` : "–");
console.log("| Folder | mutants | killed | timed out | survived | no coverage | ignored | score |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const [name, counts] of ROWS) {
  const status = {};
  let total = 0;
  for (const [file, { mutants }] of Object.entries(files)) {
    if (!counts(file)) continue;
    for (const m of mutants) status[m.status] = (status[m.status] ?? 0) + 1;
    total += mutants.length;
  }
  if (!total) continue;
  const detected = [...DETECTED].reduce((n, s) => n + (status[s] ?? 0), 0);
  const undetected = [...UNDETECTED].reduce((n, s) => n + (status[s] ?? 0), 0);
  const cells = [total, status.Killed, status.Timeout, status.Survived, status.NoCoverage, status.Ignored].map((n) => n ?? 0);
  console.log(`| ${name} | ${cells.join(" | ")} | ${pct(detected, detected + undetected)} |`);
}
