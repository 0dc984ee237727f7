/**
 * One cold blocklist load, in a fresh process (as the background starts once per browser session):
 *   node --import tsx bench/lib/load-blocklist.ts json | expr <file with a JavaScript expression>
 * Prints {parseMs, analyzerMs, totalMs}: parsing or evaluating the index, then `new ChainAnalyzer(index)`.
 * Reading the file from disk is not counted (Firefox has the extension's files in memory or cache).
 */
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { ChainAnalyzer } from "../../src/analyzer";
import type { CompiledIndex } from "../../src/blocklist";
import { BLOCKLIST_PATH } from "./blocklist-forms";

export function loadOnce(form: "json" | "expr", source: string): { parseMs: number; analyzerMs: number; totalMs: number; entries: number } {
  const t0 = performance.now();
  const index = (form === "json" ? JSON.parse(source) : new vm.Script(`(${source})`).runInThisContext()) as CompiledIndex;
  const t1 = performance.now();
  const analyzer = new ChainAnalyzer(index);
  const t2 = performance.now();
  return { parseMs: t1 - t0, analyzerMs: t2 - t1, totalMs: t2 - t0, entries: analyzer.blocklist.entries.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const form = process.argv[2] as "json" | "expr";
  const source = readFileSync(form === "json" ? BLOCKLIST_PATH : process.argv[3], "utf8");
  process.stdout.write(JSON.stringify(loadOnce(form, source)) + "\n");
}
