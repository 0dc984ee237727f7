// A sampled mutation run, for when a full one does not fit the time (src/ alone is about 5,600 mutants,
// four to six hours on a two-core machine): a random share of each file's lines, each line kept with the
// same chance, and only the mutants that lie on one kept line are tested. Their score estimates the
// files' score without favouring any file or kind of code; mutants that span lines (whole function
// bodies emptied, nearly always killed) are left out, so the estimate errs low.
//
//   npx tsx scripts/mutation-sample.ts <fraction> <seed> <file>...   writes reports/stryker-sample.config.mjs
//   npx stryker run reports/stryker-sample.config.mjs              then table its results.ndjson
//
// The same fraction, seed and files give the same lines.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { prng } from "../bench/lib/stats";

const [fractionArg, seedArg, ...files] = process.argv.slice(2);
const fraction = Number(fractionArg);
if (!(fraction > 0 && fraction <= 1) || !Number.isInteger(Number(seedArg)) || files.length === 0) {
  console.error("usage: npx tsx scripts/mutation-sample.ts <fraction 0-1> <integer seed> <file>...");
  process.exit(2);
}

const random = prng(Number(seedArg));
const ranges: string[] = [];
for (const file of files) {
  const lines = readFileSync(file, "utf8").split("\n").length;
  for (let line = 1; line <= lines; line++) if (random() < fraction) ranges.push(`${file}:${line}-${line}`);
}

const out = resolve("reports/stryker-sample.config.mjs");
mkdirSync(resolve("reports"), { recursive: true });
writeFileSync(
  out,
  `// Written by scripts/mutation-sample.ts ${fraction} ${seedArg} (${files.length} files, ${ranges.length} lines).
import base from "../stryker.config.mjs";
export default {
  ...base,
  mutate: ${JSON.stringify(ranges)},
  incremental: false,
  jsonReporter: { fileName: "reports/mutation/sample.json" },
  htmlReporter: { fileName: "reports/mutation/sample.html" },
};
`,
);
console.log(`${ranges.length} lines of ${files.length} files: ${out}`);
