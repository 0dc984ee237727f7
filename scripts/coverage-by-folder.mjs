// After `jest --coverage`: line, statement, branch and function coverage per top folder (src/,
// background/, popup/, cli/), from coverage/coverage-summary.json, as a Markdown table for the README.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const summary = JSON.parse(readFileSync("coverage/coverage-summary.json", "utf8"));
const METRICS = ["lines", "statements", "branches", "functions"];
const folders = new Map();
for (const [file, metrics] of Object.entries(summary)) {
  if (file === "total") continue;
  const folder = relative(process.cwd(), file).split("/")[0];
  const sums = folders.get(folder) ?? Object.fromEntries(METRICS.map((m) => [m, { covered: 0, total: 0 }]));
  for (const m of METRICS) {
    sums[m].covered += metrics[m].covered;
    sums[m].total += metrics[m].total;
  }
  folders.set(folder, sums);
}
const pct = ({ covered, total }) => (total ? `${((100 * covered) / total).toFixed(1)} %` : "–");
console.log(`| Folder | ${METRICS.join(" | ")} |\n|---|${METRICS.map(() => "---:").join("|")}|`);
for (const [folder, sums] of [...folders].sort()) console.log(`| ${folder}/ | ${METRICS.map((m) => pct(sums[m])).join(" | ")} |`);
console.log(`| all | ${METRICS.map((m) => pct(summary.total[m])).join(" | ")} |`);
