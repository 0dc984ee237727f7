/**
 * Core benchmark, in Node: what the blocking listener's decision costs, how big the background's
 * caches grow, and how long the blocklist takes to load.
 *
 *   node --expose-gc --import tsx bench/core.ts      (npm run bench runs it; BENCH_QUICK=1 for a smoke run)
 *
 * Workload: a pool of 5,000 hosts whose chains (3-4 certificates) share 300 intermediates under 4
 * roots, plus 500 chains of 3 certificates seen nowhere else (bench/lib/pool.ts). Requests pick a
 * host with a Zipf law (s = 1: a few hosts get most requests, most hosts are seen again), and every
 * 200th request presents one of the never-seen chains. Each request does what background/capture.ts
 * does: Firefox's answer without rawDER (fresh objects, as from structured clone), `needsRawDer`,
 * the answer with rawDER (arrays of numbers) when asked for, `analyze`. Building Firefox's objects is
 * not timed; the analyzer's work is. 9 in 10 intermediates are in the known store, as public ones are.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCapture } from "../background/capture";
import { ChainAnalyzer } from "../src/analyzer";
import { colonHexToHex } from "../src/encoding";
import { LruCache } from "../src/lru";
import type { CompiledIndex } from "../src/blocklist";
import type { SecurityInfo } from "../src/securityInfo";
import type { AnalyzerLists } from "../src/settings";
import type { WebRequest } from "webextension-polyfill";
import { BLOCKLIST_PATH, bundleExpression, REPO, stringifiedExpression } from "./lib/blocklist-forms";
import { loadOnce } from "./lib/load-blocklist";
import { loadPool, securityInfo, type PoolCertificate } from "./lib/pool";
import { loadAverage, machine, mergeResults, us } from "./lib/results";
import { median, percentile, prng, summarize, zipf } from "./lib/stats";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench does)");
const QUICK = process.env.BENCH_QUICK === "1";
const REQUESTS = QUICK ? 20_000 : 100_000;
const UNSEEN_EVERY = 200;
const loadAtStart = loadAverage();
const log = (msg: string) => console.error(`[core] ${msg}`);

const heapMiB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

// ---------------------------------------------------------------------------------------------
/** BENCH_PARTS: "decision" (requests, heap) and "blocklist" here; default all. */
const PARTS = new Set((process.env.BENCH_PARTS ?? "decision,blocklist,pageload,popup").split(","));
let pool: Awaited<ReturnType<typeof loadPool>> | undefined;
if (PARTS.has("decision")) {
  log("certificate pool…");
  pool = await loadPool(QUICK ? { hosts: 1000, triples: 100 } : {});
  log(`pool: ${pool.counts.certificates} certificates (${pool.cached ? "cached" : `generated in ${(pool.generationMs / 1000).toFixed(1)} s`})`);
}
const indexText = readFileSync(BLOCKLIST_PATH, "utf8");
// The heap as the bench's own fixtures leave it, before Chain Sentry's index exists.
const heapBaseline = heapMiB();
const index = JSON.parse(indexText) as CompiledIndex;
// As on the web, most intermediates are public ones Firefox knows (in the bundled snapshot of
// Mozilla's preloaded intermediates): 9 in 10 of the pool's are added to it; the rest, like chains
// under the enterprise root, draw findings (dynamic-intermediate, non-built-in-root).
const KNOWN_SHARE = 0.9; // (every 10th intermediate by SHA-256 order stays unknown)
if (pool) {
  const intermediates = [...new Set(pool.hostChains.flatMap((c) => c.slice(1, -1).map((x) => x.info.fingerprint.sha256)))].sort();
  const known = intermediates.filter((_, i) => i % 10 !== 0).map(colonHexToHex);
  index.knownIntermediates.sha256 = [...index.knownIntermediates.sha256, ...known];
}

/** Enterprise lists as a deployment would have them: two allowlisted CAs, a few blocked keys. */
const LISTS: AnalyzerLists = {
  allowlist: [
    { spkiSha256: "11".repeat(32), source: "policy", label: "Corp Root" },
    { sha256: "22".repeat(32), source: "policy", label: "Corp Issuing CA" },
  ],
  blocklist: [1, 2, 3].map((i) => ({ spkiSha256: String(i).repeat(64), source: "policy" as const, label: `Blocked ${i}` })),
};

type Category = "seen" | "newLeaf" | "unseen3";

interface Request {
  chain: PoolCertificate[];
  category: Category;
}

/** The request stream for one analyzer: Zipf over hosts, a never-seen chain every 200th request. */
function* stream(count: number, seed: number, triples: PoolCertificate[][] = pool!.unseenTriples): Generator<Request> {
  const random = prng(seed);
  const hosts = pool!.hostChains.length;
  const rank = Array.from({ length: hosts }, (_, i) => i).sort(() => random() - 0.5);
  const pick = zipf(hosts, 1, random);
  const seen = new Set<number>();
  let triple = 0;
  for (let i = 0; i < count; i++) {
    if (i % UNSEEN_EVERY === UNSEEN_EVERY - 1 && triple < triples.length) {
      yield { chain: triples[triple++], category: "unseen3" };
      continue;
    }
    const host = rank[pick()];
    yield { chain: pool!.hostChains[host], category: seen.has(host) ? "seen" : "newLeaf" };
    seen.add(host);
  }
}

/** BENCH_CACHE="verdicts=N,certificates=N,der=N": other cache sizes than the defaults, for a what-if. */
const CACHE = Object.fromEntries(
  (process.env.BENCH_CACHE ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.split("=")[0], Number(kv.split("=")[1])]),
);
const newAnalyzer = () =>
  new ChainAnalyzer(index, LISTS, {
    ...(CACHE.verdicts && { verdictCacheSize: CACHE.verdicts }),
    ...(CACHE.certificates && { certificateCacheSize: CACHE.certificates }),
  });
let sink = 0;
/** Verdict objects analyze() returned so far: the same object again means a verdict-cache hit. */
const returned = new WeakSet<object>();

interface Timings {
  seen: number[];
  /** Seen before, answered from the verdict cache (analyze returned the verdict it returned before). */
  seenCached: number[];
  /** Seen before, but its verdict had been evicted from the bounded cache: analysed again. */
  seenRecomputed: number[];
  newLeaf: number[];
  unseen3: number[];
  /** Requests for which the listener asked Firefox a second time, for rawDER. */
  rawDerFetches: number;
  seenRawDerFetches: number;
  totalMs: number;
  count: number;
}

const emptyTimings = (): Timings => ({
  seen: [],
  seenCached: [],
  seenRecomputed: [],
  newLeaf: [],
  unseen3: [],
  rawDerFetches: 0,
  seenRawDerFetches: 0,
  totalMs: 0,
  count: 0,
});

/** The listener's decision, synchronously: needsRawDer, then analyze (Firefox's second answer not timed). */
function decide(analyzer: ChainAnalyzer, r: Request, t: Timings | null): void {
  const first = securityInfo(r.chain, false);
  const t0 = performance.now();
  const need = analyzer.needsRawDer(first);
  const t1 = performance.now();
  const info = need ? securityInfo(r.chain, true) : first;
  const t2 = performance.now();
  const verdict = analyzer.analyze(info);
  const t3 = performance.now();
  sink += verdict.findings.length;
  const cached = returned.has(verdict);
  returned.add(verdict);
  if (!t) return;
  const ms = t1 - t0 + (t3 - t2);
  t[r.category].push(ms);
  if (r.category === "seen") (cached ? t.seenCached : t.seenRecomputed).push(ms);
  t.totalMs += ms;
  t.count++;
  if (need) {
    t.rawDerFetches++;
    if (r.category === "seen") t.seenRawDerFetches++;
  }
}

// ---------------------------------------------------------------------------------------------
// Each phase is a function, so that nothing it built (analyzers, caches) outlives it: top-level
// module code with await keeps its locals alive, which would distort the heap figures.
type HeapPoint = { requests: number; heapMiB: number };

function timerOverhead(): number[] {
  const out: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const a = performance.now();
    out.push(performance.now() - a);
  }
  return out;
}

function warmUp(): void {
  const warm = newAnalyzer();
  for (const r of stream(QUICK ? 5_000 : 30_000, 99)) decide(warm, r, null);
}

/** Run A: the decision alone, synchronously, on one analyzer. */
function runDecisions(): { timings: Timings; heap: HeapPoint[]; heapWithAnalyzerMiB: number } {
  const timings = emptyTimings();
  const heap: HeapPoint[] = [];
  const analyzer = newAnalyzer();
  const heapWithAnalyzerMiB = heapMiB();
  let n = 0;
  for (const r of stream(REQUESTS, 1)) {
    decide(analyzer, r, timings);
    if (++n % (REQUESTS / 4) === 0) heap.push({ requests: n, heapMiB: heapMiB() });
  }
  return { timings, heap, heapWithAnalyzerMiB };
}

/** More never-seen chains: fresh analyzers, each warmed with 5,000 mix requests first. */
function runUnseen(passes: number): number[] {
  const out: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const analyzer = newAnalyzer();
    for (const r of stream(5_000, 10 + pass, [])) decide(analyzer, r, null);
    const t = emptyTimings();
    for (const chain of pool!.unseenTriples) decide(analyzer, { chain, category: "unseen3" }, t);
    out.push(...t.unseen3);
  }
  return out;
}

/**
 * Run B: the real listener (background/capture.ts) with Firefox stubbed: its awaits, its rawDER
 * cache, and the deferred recording it schedules (base64 of new certificates) run as in Firefox.
 */
async function runListener(): Promise<{ timings: Timings; heap: HeapPoint[]; heapAfterMiB: number }> {
  const analyzer = newAnalyzer();
  // Which verdict the listener got, to tell cache hits (as in run A) without changing the listener.
  let lastVerdict: object | null = null;
  const analyze = analyzer.analyze.bind(analyzer);
  analyzer.analyze = (info, now) => {
    const verdict = analyze(info, now);
    lastVerdict = verdict;
    return verdict;
  };
  /** What the stubbed Firefox answers for the current request. */
  let answer: (rawDER: boolean) => SecurityInfo = () => {
    throw new Error("no request");
  };
  const capture = createCapture({
    getSecurityInfo: async (_requestId, { rawDER }) => answer(rawDER),
    analyzer: () => analyzer,
    settings: () => ({ mode: "warn", blockUnverifiableChains: false }),
    ready: Promise.resolve(),
    blockPage: () => "moz-extension://bench/blocked.html",
    onResponse: (e) => {
      sink += e.der.length;
    },
    onUnchecked: () => undefined,
    onError: (error) => {
      throw error;
    },
    ...(CACHE.der && { derCache: new LruCache<string, string>(CACHE.der) }),
  });
  await Promise.resolve();
  const timings = emptyTimings();
  const heap: HeapPoint[] = [];
  let n = 0;
  let requestId = 0;
  const warmup = QUICK ? 2_000 : 10_000;
  for (const r of stream(REQUESTS + warmup, 2)) {
    const first = securityInfo(r.chain, false);
    const full = securityInfo(r.chain, true);
    let asked = 0;
    answer = (rawDER: boolean) => {
      asked++;
      return rawDER ? full : first;
    };
    const details = { requestId: String(++requestId), url: "https://bench.example/", type: "image", tabId: 1 } as WebRequest.OnHeadersReceivedDetailsType;
    const t0 = performance.now();
    await capture.onHeadersReceived(details);
    const ms = performance.now() - t0;
    const verdictCached = returned.has(lastVerdict!);
    returned.add(lastVerdict!);
    if (++n <= warmup) continue;
    timings[r.category].push(ms);
    if (r.category === "seen") (verdictCached ? timings.seenCached : timings.seenRecomputed).push(ms);
    timings.totalMs += ms;
    timings.count++;
    if (asked > 1) {
      timings.rawDerFetches++;
      if (r.category === "seen") timings.seenRawDerFetches++;
    }
    // Let the deferred recording (setTimeout 0) run, as the event loop would between responses.
    if (n % 256 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    if ((n - warmup) % (REQUESTS / 4) === 0) heap.push({ requests: n - warmup, heapMiB: heapMiB() });
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  // The listener (and with it the analyzer and its caches) is still referenced here.
  const heapAfterMiB = heapMiB();
  sink += capture.derCache.size;
  return { timings, heap, heapAfterMiB };
}

async function requestsPart() {
  const overhead = timerOverhead();
  log("warm-up (JIT)…");
  warmUp();
  const heapIndexOnly = heapMiB();
  log(`run A: ${REQUESTS} requests through the analyzer…`);
  const { timings: runA, heap: heapA, heapWithAnalyzerMiB } = runDecisions();
  log("more never-seen chains…");
  const unseenExtra = runUnseen(QUICK ? 1 : 3);
  log(`run B: ${REQUESTS} requests through background/capture.ts…`);
  const { timings: runB, heap: heapB, heapAfterMiB: heapAfterB } = await runListener();

  const unseenAll = [...runA.unseen3, ...unseenExtra];
  const summary = (t: Timings) => ({
    requests: t.count,
    seen: summarize(t.seen),
    seenCached: summarize(t.seenCached),
    seenRecomputed: summarize(t.seenRecomputed),
    seenRecomputeRate: t.seenRecomputed.length / t.seen.length,
    newLeaf: summarize(t.newLeaf),
    unseen3: summarize(t.unseen3),
    rawDerFetchRate: t.rawDerFetches / t.count,
    seenRawDerRefetchRate: t.seenRawDerFetches / t.seen.length,
    throughputPerSecond: t.count / (t.totalMs / 1000),
    share: { seen: t.seen.length / t.count, newLeaf: t.newLeaf.length / t.count, unseen3: t.unseen3.length / t.count },
  });
  const out = {
    workload: {
      requests: REQUESTS,
      hosts: pool!.hostChains.length,
      chainsOf4: pool!.hostChains.filter((c) => c.length === 4).length,
      pool: pool!.counts,
      poolCached: pool!.cached,
      hostDistribution: "Zipf s=1 over hosts (shuffled ranks)",
      unseenEvery: UNSEEN_EVERY,
      settings: "2 allowlist + 3 custom blocklist entries",
      knownIntermediates: `${KNOWN_SHARE * 100} % of the pool's intermediates added to the bundled known store`,
      cacheSizes: Object.keys(CACHE).length ? CACHE : "defaults",
    },
    timerOverheadUs: { p50: percentile(overhead, 50) * 1000, p99: percentile(overhead, 99) * 1000 },
    decision: { ...summary(runA), unseen3All: summarize(unseenAll) },
    listener: summary(runB),
    heap: {
      note: "heapUsed after two global.gc(); baseline = the bench's own fixtures, before the index was parsed",
      baselineMiB: heapBaseline,
      indexOnlyMiB: heapIndexOnly,
      withAnalyzerMiB: heapWithAnalyzerMiB,
      runA: heapA,
      runB: heapB,
      afterRunBMiB: heapAfterB,
      retainedAfterRunBMiB: heapAfterB - heapBaseline,
    },
  };

  const row = (name: string, s: { p50: number; p99: number; n: number }) =>
    `  ${name.padEnd(44)} p50 ${us(s.p50).padStart(7)} µs   p99 ${us(s.p99).padStart(7)} µs   (n=${s.n})`;
  console.log(`\nCore (Node ${process.version}, ${REQUESTS} requests, ${pool!.hostChains.length} hosts)`);
  console.log("decision = needsRawDer + analyze (src/analyzer.ts)");
  console.log(row("chain seen before (all)", out.decision.seen));
  console.log(row("  verdict cached", out.decision.seenCached));
  console.log(row(`  verdict evicted, analysed again (${(out.decision.seenRecomputeRate * 100).toFixed(1)} %)`, out.decision.seenRecomputed));
  console.log(row("new chain (unseen leaf, known CAs)", out.decision.newLeaf));
  console.log(row("chain of 3 unseen certificates", out.decision.unseen3All));
  console.log(
    `  throughput ${Math.round(out.decision.throughputPerSecond).toLocaleString("en")} decisions/s; rawDER fetched for ${(out.decision.rawDerFetchRate * 100).toFixed(1)} % of requests`,
  );
  console.log("listener = background/capture.ts onHeadersReceived, Firefox stubbed");
  console.log(row("chain seen before (all)", out.listener.seen));
  console.log(row("  verdict cached", out.listener.seenCached));
  console.log(row("chain of 3 unseen certificates", out.listener.unseen3));
  console.log(
    `heap (after gc): bench fixtures ${heapBaseline.toFixed(1)} MiB; + parsed index ${(heapIndexOnly - heapBaseline).toFixed(1)} MiB; + analyzer ${(heapWithAnalyzerMiB - heapIndexOnly).toFixed(1)} MiB; ` +
      `run A caches after ${REQUESTS} ${(heapA.at(-1)!.heapMiB - heapWithAnalyzerMiB).toFixed(1)} MiB; after ${REQUESTS} requests ${heapAfterB.toFixed(1)} MiB total, ${(heapAfterB - heapBaseline).toFixed(1)} MiB retained by Chain Sentry`,
  );
  return out;
}

function blocklistPart() {
  log("blocklist load…");
  const bundle = bundleExpression();
  const workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-bench-"));
  const files = { bundle: path.join(workDir, "bundle.js"), stringified: path.join(workDir, "stringified.js") };
  writeFileSync(files.bundle, bundle.text);
  writeFileSync(files.stringified, stringifiedExpression(indexText));
  const cold = (form: "json" | "expr", file = "") =>
    Array.from(
      { length: QUICK ? 3 : 7 },
      () =>
        JSON.parse(
          execFileSync(process.execPath, ["--import", "tsx", path.join(REPO, "bench/lib/load-blocklist.ts"), form, file], { cwd: REPO, encoding: "utf8" }),
        ) as ReturnType<typeof loadOnce>,
    );
  const out = {
    bundleChunk: bundle.file,
    bundleForm: bundle.kind,
    jsonBytes: indexText.length,
    bundleExpressionBytes: bundle.text.length,
    // A JSON module is JSON.parse of its text (Node has no JSON modules in vm.Script).
    cold: {
      json: medians(cold("json")),
      bundle: medians(bundle.json ? cold("json") : cold("expr", files.bundle)),
      stringified: medians(cold("expr", files.stringified)),
    },
    warmJson: medians(Array.from({ length: QUICK ? 3 : 10 }, () => loadOnce("json", indexText))),
  };
  rmSync(workDir, { recursive: true, force: true });
  const f = (x: { totalMs: number; parseMs: number }) => `${x.totalMs.toFixed(1)} ms (parse ${x.parseMs.toFixed(1)})`;
  console.log(
    `blocklist load in Node (fresh process each, median of ${out.cold.json.runs}, incl. new ChainAnalyzer): JSON.parse of the text ${f(out.cold.json)}; ` +
      `bundle (${bundle.kind}) ${f(out.cold.bundle)}; JSON.parse(\`…\`) ${f(out.cold.stringified)}`,
  );
  return out;
}

function medians(runs: ReturnType<typeof loadOnce>[]) {
  return {
    runs: runs.length,
    parseMs: median(runs.map((r) => r.parseMs)),
    analyzerMs: median(runs.map((r) => r.analyzerMs)),
    totalMs: median(runs.map((r) => r.totalMs)),
    maxTotalMs: Math.max(...runs.map((r) => r.totalMs)),
  };
}

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  quick: QUICK,
  parts: [...PARTS].filter((p) => p === "decision" || p === "blocklist"),
};
if (PARTS.has("decision")) Object.assign(results, await requestsPart());
if (PARTS.has("blocklist")) results.blocklistLoad = blocklistPart();
results.loadAverage = { start: loadAtStart, end: loadAverage() };
results.sink = sink;
mergeResults("machine", machine());
mergeResults("core", results);
