// The mutation score per folder from a sampled run (scripts/mutation-sample.ts), with a 90 % interval,
// and optionally files measured in full by another run:
//
//   npx tsx scripts/mutation-estimate.ts <fraction> <sampled run's results> [full run's results...]
//
// A file in both counts by its sample only (a full run stopped early leaves its last file in part). The
// sampled files' counts are scaled by 1/fraction; the interval comes from resampling the sampled lines
// (mutants on one line share their fate more than mutants in general), the fully measured files fixed.
import { prng } from "../bench/lib/stats";
import { counts, detected, pct, readResults, ROWS } from "./mutation-results";

const [fractionArg, samplePath, ...fullPaths] = process.argv.slice(2);
const fraction = Number(fractionArg);
if (!(fraction > 0 && fraction <= 1) || !samplePath) {
  console.error("usage: npx tsx scripts/mutation-estimate.ts <fraction> <sampled results> [full results...]");
  process.exit(2);
}
const sampled = readResults([samplePath]);
const full = Object.fromEntries(Object.entries(readResults(fullPaths)).filter(([file]) => !(file in sampled)));

/** Detected and counted mutants per sampled line: [detected, counted]. */
function lines(inRow: (file: string) => boolean): [number, number][] {
  const byLine = new Map<string, [number, number]>();
  for (const [file, { mutants }] of Object.entries(sampled)) {
    if (!inRow(file)) continue;
    for (const m of mutants) {
      if (!counts(m.status)) continue;
      const key = `${file}:${m.location.start.line}`;
      const cell = byLine.get(key) ?? [0, 0];
      cell[0] += detected(m.status) ? 1 : 0;
      cell[1] += 1;
      byLine.set(key, cell);
    }
  }
  return [...byLine.values()];
}

function fullCounts(inRow: (file: string) => boolean): [number, number] {
  let [found, valid] = [0, 0];
  for (const [file, { mutants }] of Object.entries(full)) {
    if (!inRow(file)) continue;
    for (const m of mutants) {
      if (counts(m.status)) valid++;
      if (detected(m.status)) found++;
    }
  }
  return [found, valid];
}

const RESAMPLES = 2000;
/** Detected and counted mutants over these lines. */
const totals = (cells: [number, number][]) => cells.reduce(([d, v], [cd, cv]) => [d + cd, v + cv], [0, 0]);
const score = (cells: [number, number][], [found, valid]: [number, number]) => {
  const [d, v] = totals(cells);
  return (found + d / fraction) / (valid + v / fraction);
};

console.log("| Folder | measured in full: score (mutants) | sampled: score (mutants, lines) | estimate | 90 % interval |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, inRow] of ROWS) {
  const cells = lines(inRow);
  const fixed = fullCounts(inRow);
  if (!cells.length && !fixed[1]) continue;
  const random = prng(1); // the same results give the same interval
  const estimates = Array.from({ length: RESAMPLES }, () =>
    score(
      Array.from(cells, () => cells[Math.floor(random() * cells.length)]),
      fixed,
    ),
  ).sort((a, b) => a - b);
  const [d, v] = totals(cells);
  const interval = cells.length ? `${pct(estimates[Math.floor(0.05 * RESAMPLES)], 1)}–${pct(estimates[Math.ceil(0.95 * RESAMPLES) - 1], 1)}` : "exact";
  console.log(
    `| ${name} | ${fixed[1] ? `${pct(fixed[0], fixed[1])} (${fixed[1]})` : "–"} | ${v ? `${pct(d, v)} (${v}, ${cells.length})` : "–"} | **${pct(score(cells, fixed), 1)}** | ${interval} |`,
  );
}
