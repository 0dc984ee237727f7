// What scripts/mutation-by-folder.ts and scripts/mutation-estimate.ts share: reading Stryker's results and
// the README's rows. Score as Stryker counts it: killed and timed-out mutants over all those that were
// tested or that no test reaches; ignored (static) mutants and ones that do not compile count for nothing.
import { readFileSync } from "node:fs";

/** What the scripts read of each mutant, in a JSON report and in a results log alike. */
export interface MutantResult {
  status: string;
  location: { start: { line: number; column: number } };
}
type Files = Record<string, { mutants: MutantResult[] }>;

/** A results log (scripts/stryker-results-log.mjs, one mutant a line) in the report's shape: file → mutants. */
function filesOfLog(text: string): Files {
  const files: Files = {};
  for (const line of text.split("\n").filter(Boolean)) {
    const mutant = JSON.parse(line);
    (files[mutant.file] ??= { mutants: [] }).mutants.push(mutant);
  }
  return files;
}

/** file → { mutants }, from a JSON report or a results log; several merged file by file, the later winning. */
export function readResults(paths: readonly string[]): Files {
  const filesOf = (path: string): Files => (path.endsWith(".ndjson") ? filesOfLog(readFileSync(path, "utf8")) : JSON.parse(readFileSync(path, "utf8")).files);
  return Object.assign({}, ...paths.map(filesOf));
}

/** The rows, each a name and which files it counts; a file can count in several (src/rules/ and src/). */
const BLOCKLIST_MATCHER = ["src/blocklist.ts", "src/blocklistSearch.ts", "src/analyzer.ts"];
type Row = [name: string, inRow: (file: string) => boolean];
const subfolder = (folder: string): Row => [folder, (file) => file.startsWith(folder)];
export const ROWS: Row[] = [
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
/** Whether a mutant counts for the score, and whether it was detected. */
export const counts = (status: string) => DETECTED.has(status) || UNDETECTED.has(status);
export const detected = (status: string) => DETECTED.has(status);

export const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)} %` : "–");
