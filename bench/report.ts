/**
 * Prints the results of the latest `npm run bench` (bench/results.json) against the targets of
 * issue 6, as a Markdown table (BENCHMARKS.md carries a copy), and stores that table in the file.
 *   node --import tsx bench/report.ts [--runtime-seconds N]
 */
import { mergeResults, readResults } from "./lib/results";

const runtimeArg = process.argv.indexOf("--runtime-seconds");
if (runtimeArg > 0) mergeResults("runtimeSeconds", Number(process.argv[runtimeArg + 1]));
const { core, firefox, machine } = readResults();

type Row = [measure: string, result: string, target: string, met: boolean | null];
const rows: Row[] = [];
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

if (core?.decision) {
  const d = core.decision;
  rows.push(["Chain seen before, verdict cached: decision p99 (p50)", `${us(d.seenCached.p99)} (${us(d.seenCached.p50)})`, "< 20 µs", d.seenCached.p99 < 0.02]);
  rows.push([
    `Chain seen before, all (${(d.seenRecomputeRate * 100).toFixed(1)} % evicted from the verdict cache and analysed again): p99 (p50)`,
    `${us(d.seen.p99)} (${us(d.seen.p50)})`,
    "< 20 µs",
    d.seen.p99 < 0.02,
  ]);
  rows.push(["Chain of 3 unseen certificates: decision p99 (p50)", `${us(d.unseen3All.p99)} (${us(d.unseen3All.p50)})`, "< 2 ms", d.unseen3All.p99 < 2]);
  rows.push([
    "Listener (capture.ts, Firefox stubbed), seen chain cached: p99 (p50)",
    `${us(core.listener.seenCached.p99)} (${us(core.listener.seenCached.p50)})`,
    "—",
    null,
  ]);
  rows.push(["Listener, chain of 3 unseen certificates: p99 (p50)", `${us(core.listener.unseen3.p99)} (${us(core.listener.unseen3.p50)})`, "—", null]);
  rows.push(["Throughput (decisions per second, one core)", Math.round(d.throughputPerSecond).toLocaleString("en"), "—", null]);
  const retained = core.heap.retainedAfterRunBMiB;
  rows.push([
    `Heap after ${core.workload.requests.toLocaleString("en")} requests (index + analyzer + listener caches; process total ${core.heap.afterRunBMiB.toFixed(1)} MiB incl. bench fixtures ${core.heap.baselineMiB.toFixed(1)} MiB)`,
    `${retained.toFixed(1)} MiB`,
    "< 50 MB",
    retained * 1.048576 < 50,
  ]);
}
if (core?.blocklistLoad) {
  const bl = core.blocklistLoad;
  rows.push(["Blocklist load, Node, JSON.parse + new ChainAnalyzer (cold process, median)", ms(bl.cold.json.totalMs), "< 50 ms", bl.cold.json.totalMs < 50]);
  rows.push([
    `Blocklist load, Node, as the background bundle does it (${bl.bundleForm}) + new ChainAnalyzer`,
    ms(bl.cold.bundle.totalMs),
    "< 50 ms",
    bl.cold.bundle.totalMs < 50,
  ]);
}
if (firefox?.blocklistLoadInFirefox) {
  const bl = firefox.blocklistLoadInFirefox;
  rows.push(["Blocklist load, Firefox, JSON.parse + new ChainAnalyzer (fresh tab, median)", ms(bl.json.totalMs), "< 50 ms", bl.json.totalMs < 50]);
  rows.push([
    `Blocklist load, Firefox, as the background bundle does it (${bl.bundleForm}) + new ChainAnalyzer`,
    ms(bl.bundle.totalMs),
    "< 50 ms",
    bl.bundle.totalMs < 50,
  ]);
}
if (firefox?.ratios) {
  const r = firefox.ratios;
  const fmt = (x: { ratio: number; lo: number; hi: number; pairedMedian: number; pairedIqr: number[]; pairedCi90?: number[] }) =>
    x.pairedCi90
      ? `per round ${x.pairedMedian.toFixed(3)} (90% CI ${x.pairedCi90[0].toFixed(3)}–${x.pairedCi90[1].toFixed(3)}); of medians ${x.ratio.toFixed(3)} (95% CI ${x.lo.toFixed(3)}–${x.hi.toFixed(3)})`
      : `${x.ratio.toFixed(3)} (95% CI ${x.lo.toFixed(3)}–${x.hi.toFixed(3)}; per round ${x.pairedMedian.toFixed(3)}, IQR ${x.pairedIqr[0].toFixed(3)}–${x.pairedIqr[1].toFixed(3)})`;
  const names = ["none", "floor", "limit", "chain-sentry"];
  const byRtt: Record<string, any> = firefox.byRtt ?? { 0: { rttMs: 0, delay: "none", pageLoad: firefox.pageLoad, ratios: r } };
  for (const run of Object.values(byRtt)) {
    const p = run.pageLoad;
    const at = run.rttMs ? `RTT ${run.rttMs} ms (${run.delay})` : "loopback (RTT 0, CPU-bound)";
    rows.push([
      `Page load, 200 subresources / 20 origins (${firefox.method.protocol}), ${at}, median: ${names.join(" / ")}`,
      `${names.map((n) => p[n]?.medianMs.toFixed(0) ?? "—").join(" / ")} ms`,
      "—",
      null,
    ]);
    const target = run.ratios["chain-sentry/limit"];
    if (target) rows.push([`Page-load ratio Chain Sentry / limit, ${at}`, fmt(target), "≤ 1.03", target.pairedMedian <= 1.03]);
    for (const [name, x] of Object.entries(run.ratios)) {
      if (name !== "chain-sentry/limit") rows.push([`Page-load ratio ${name}, ${at}`, fmt(x as any), "—", null]);
    }
    rows.push([
      `Browser CPU per load (+${firefox.method.settleMs / 1000} s settle), median, ${at}: ${names.join(" / ")}`,
      `${names.map((n) => p[n]?.cpuMsPerLoad.median.toFixed(0) ?? "—").join(" / ")} ms`,
      "—",
      null,
    ]);
  }
}
if (firefox?.popup) {
  const toolbar = firefox.popup.toolbar;
  if (toolbar?.clickToVerdictMs) {
    rows.push([
      `Toolbar popup (popup/index.html in its panel, action.openPopup()), 20-origin page active: click → verdict rendered, median (p90) of ${toolbar.samples}`,
      `${ms(toolbar.clickToVerdictMs.median)} (${ms(toolbar.clickToVerdictMs.p90)})`,
      "< 100 ms",
      toolbar.clickToVerdictMs.median < 100,
    ]);
  } else if (toolbar?.error) {
    rows.push(["Toolbar popup", `not measured: ${toolbar.error}`, "< 100 ms", null]);
  }
  rows.push([
    `Chain page in a new tab (popup/chain.html?tabId=, 20-origin page): verdict rendered, median (p90) of ${firefox.popup.samples}`,
    `${ms(firefox.popup.verdictMs.median)} (${ms(firefox.popup.verdictMs.p90)})`,
    "< 100 ms",
    firefox.popup.verdictMs.median < 100,
  ]);
  const own = firefox.popup.ownMs;
  if (own) {
    rows.push(["Popup: Chain Sentry's own part (verdict rendered minus a blank extension page's DOMContentLoaded), median", ms(own), "< 40 ms", own < 40]);
  }
}

const table = [
  "| Measure | Result | Target | Met |",
  "|---|---|---|---|",
  ...rows.map(([m, r, t, ok]) => `| ${m} | ${r} | ${t} | ${ok === null ? "" : ok ? "yes" : "**no**"} |`),
].join("\n");
mergeResults("table", table);

console.log(`\n## Results ${new Date(core?.date ?? firefox?.date ?? Date.now()).toISOString().slice(0, 10)}`);
if (machine) console.log(`${machine.nproc} × ${machine.cpu}, ${machine.ramGiB} GiB RAM, ${machine.firefox}, Node ${machine.node}`);
const loads = [
  core?.loadAverage && `core ${core.loadAverage.start.join("/")} → ${core.loadAverage.end.join("/")}`,
  firefox?.loadAverage && `firefox ${firefox.loadAverage.start.join("/")} → ${firefox.loadAverage.end.join("/")}`,
];
console.log(`load average (1/5/15 min) during the run: ${loads.filter(Boolean).join("; ")} (other work on the machine competes for its cores)`);
console.log(`\n${table}\n`);
const runtime = readResults().runtimeSeconds;
if (runtime) console.log(`npm run bench took ${Math.floor(runtime / 60)} min ${Math.round(runtime % 60)} s`);
