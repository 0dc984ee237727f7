/**
 * Firefox benchmark (inside scripts/run-in-sandbox.sh; `npm run bench` runs it after the build):
 *
 *  1. Page load: a local HTTPS page loading 200 subresources from 20 origins with distinct chains
 *     (bench/lib/sites.ts, HTTP/2), in three configurations, each in its own Firefox, all three
 *     running side by side and used in turn, configuration order shuffled every round:
 *       none          no extension (an empty one: the harness always installs one)
 *       floor         bench/floor-extension: getSecurityInfo(chain + rawDER) per response, nothing else
 *       chain-sentry  dist/ (npm run build)
 *     Every load is a fresh tab with the HTTP cache disabled and URLs unique to the load, so every
 *     subresource is fetched and passes the blocking listener. Measured: navigation start → the
 *     page's "all-loaded" mark (the 200th subresource's load event). After each load the browser
 *     is left alone for SETTLE_MS so what an extension deferred finishes before the next load; the
 *     CPU time of the browser's processes over load + settle is recorded too.
 *  2. Popup: popup/chain.html?tabId=<the 20-origin page's tab> in Chain Sentry's browser, opened in a
 *     fresh tab each time; navigation start → verdict banner (and the 20 origins) rendered.
 *  3. Blocklist load in Firefox's engine: JSON.parse of data/blocklist.json and the background
 *     bundle's own expression for it, each followed by `new ChainAnalyzer(index)`, in fresh tabs.
 *
 * Environment: BENCH_QUICK=1 (3 rounds), BENCH_ROUNDS, BENCH_LOADS (per configuration per round),
 * BENCH_PARTS (a subset of pageload,popup,blocklist),
 * BENCH_EXTRA="name=dir,…" (more extension builds to compare, e.g. a patched dist in /tmp).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "vite";
import { bundleExpression, BLOCKLIST_PATH, REPO, stringifiedExpression } from "./lib/blocklist-forms";
import { loadAverage, machine, mergeResults } from "./lib/results";
import { ORIGINS, startBenchSites, SUBRESOURCES } from "./lib/sites";
import { iqr, median, percentile, prng, ratioOfMedians, shuffle } from "./lib/stats";

if (process.env.CHAIN_SENTRY_SANDBOX !== "1") throw new Error("run bench/firefox.ts inside scripts/run-in-sandbox.sh");
const QUICK = process.env.BENCH_QUICK === "1";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 20));
const LOADS = Number(process.env.BENCH_LOADS ?? 2);
const WARMUP_LOADS = 3;
const SETTLE_MS = 1200;
const POPUP_SAMPLES = QUICK ? 5 : 15;
const BLOCKLIST_SAMPLES = QUICK ? 2 : 9;
const loadAtStart = loadAverage();
const log = (msg: string) => console.error(`[firefox] ${msg}`);
/** BENCH_PARTS=pageload,popup,blocklist (default all): run only some parts, e.g. for a before/after check. */
const PARTS = new Set((process.env.BENCH_PARTS ?? "decision,blocklist,pageload,popup").split(","));

const configs: { name: string; dir: string }[] = [
  { name: "none", dir: "bench/empty-extension" },
  { name: "floor", dir: "bench/floor-extension" },
  { name: "chain-sentry", dir: "dist" },
  ...(process.env.BENCH_EXTRA ?? "")
    .split(",")
    .filter(Boolean)
    .map((spec) => {
      const [name, dir] = spec.split("=");
      return { name, dir };
    }),
];
if (!existsSync(path.join(REPO, "dist/manifest.json"))) throw new Error("dist/ is missing: npm run build first");

// ---------------------------------------------------------------------------------------------
class Worker {
  #next = 0;
  #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<{ extensionId: string; pid: number }>;
  readonly child: ChildProcess;

  constructor(readonly name: string, dir: string, rootPemPath: string) {
    // A private mount namespace per Firefox (see bench/lib/firefox-worker.ts), same network namespace.
    this.child = spawn(
      "unshare",
      ["--mount", "--propagation", "private", "--", process.execPath, "--import", "tsx", path.join(REPO, "bench/lib/firefox-worker.ts"), dir, rootPemPath],
      { cwd: REPO, stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.once("exit", (code) => reject(new Error(`${name}: worker exited (${code}) before Firefox was ready`)));
      this.child.on("message", (m: any) => {
        if ("ready" in m) return m.ready ? resolve(m) : reject(new Error(`${name}: ${m.error}`));
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error) p?.reject(new Error(`${name}: ${m.error}`));
        else p?.resolve(m.ok);
      });
    });
  }

  call<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...args });
    });
  }
}

// ---------------------------------------------------------------------------------------------
const workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-bench-ff-"));
// A private copy of the build: other work in the checkout may rebuild dist/ while this runs.
const distCopy = path.join(workDir, "dist");
cpSync(path.join(REPO, "dist"), distCopy, { recursive: true });
configs.find((c) => c.name === "chain-sentry")!.dir = distCopy;
// The popup measurement's probe (bench/lib/popup-probe.js) goes into the copy of chain.html only.
{
  const chainHtml = path.join(distCopy, "popup/chain.html");
  const html = readFileSync(chainHtml, "utf8");
  if (!html.includes("<head>")) throw new Error(`${chainHtml}: no <head> to add the probe to`);
  cpSync(path.join(REPO, "bench/lib/popup-probe.js"), path.join(distCopy, "popup/bench-probe.js"));
  writeFileSync(chainHtml, html.replace("<head>", '<head><script src="./bench-probe.js"></script>'));
  // A blank page of the extension: what opening any extension page in a new tab costs.
  writeFileSync(path.join(distCopy, "popup/bench-blank.html"), '<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>');
}
const sites = await startBenchSites({ dir: workDir });
log(`${ORIGINS} HTTPS origins on ports ${sites.ports[0]}-${sites.ports.at(-1)}`);

const workers: Worker[] = [];
const started = Date.now();
try {
  // Only the browsers the selected parts need (the blocklist load uses the no-extension one).
  const needed = new Set(PARTS.has("pageload") ? configs.map((c) => c.name) : [...(PARTS.has("popup") ? ["chain-sentry"] : []), ...(PARTS.has("blocklist") ? ["none"] : [])]);
  for (const c of configs.filter((c) => needed.has(c.name))) {
    const w = new Worker(c.name, c.dir, sites.rootPemPath);
    workers.push(w);
    const { extensionId } = await w.ready;
    log(`${c.name}: Firefox up with ${extensionId}`);
  }
  const byName = new Map(workers.map((w) => [w.name, w]));
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    quick: QUICK,
    parts: [...PARTS],
    method: {
      page: `${SUBRESOURCES} subresources (per origin: 6 images, 2 async scripts, 2 stylesheets) from ${ORIGINS} origins, distinct chain per origin (own intermediate, one root trusted by policy)`,
      protocol: "HTTP/2 (node:http2, ALPN h2)",
      rounds: ROUNDS,
      loadsPerConfigPerRound: LOADS,
      warmupLoadsPerConfig: WARMUP_LOADS,
      settleMs: SETTLE_MS,
      metric: "navigation start → performance mark when the 200th subresource fired load; fresh tab per load; browser.cache.disk/memory.enable false; URLs unique per load",
      browsers: "one Firefox per configuration, side by side, each in its own mount namespace (unshare --mount) inside the sandbox",
    },
  };
  console.log(`\nFirefox (${(results.method as { protocol: string }).protocol})`);
  if (PARTS.has("pageload")) Object.assign(results, await pageLoadPart(workers));
  if (PARTS.has("popup")) results.popup = await popupPart(byName.get("chain-sentry")!);
  if (PARTS.has("blocklist")) results.blocklistLoadInFirefox = await blocklistPart(byName.get("none")!);
  if (byName.has("chain-sentry")) {
    const errors = await byName.get("chain-sentry")!.call<string[]>("errors");
    results.extensionErrors = errors;
    if (errors.length) console.log(`  Chain Sentry errors reported by Firefox:\n    ${errors.join("\n    ")}`);
  }
  results.loadAverage = { start: loadAtStart, end: loadAverage() };
  results.wallSeconds = (Date.now() - started) / 1000;
  mergeResults("machine", machine());
  mergeResults("firefox", results);
} finally {
  await Promise.all(workers.map((w) => w.call("close").catch(() => w.child.kill())));
  await sites.close();
  rmSync(workDir, { recursive: true, force: true });
}

type Load = { allLoadedMs: number; loadEventMs: number; resources: number; protocols: string[]; failed: number; left: number; cpuMs: number };

async function pageLoadPart(workers: Worker[]) {
  let loadCounter = 0;
  const loadOnce = async (w: Worker): Promise<Load> => {
    const r = await w.call<Load>("load", { url: sites.pageUrl(`${w.name}-${++loadCounter}`), settleMs: SETTLE_MS });
    if (r.left !== 0 || r.failed !== 0 || r.allLoadedMs === null) {
      throw new Error(`${w.name}: ${r.left} subresources never loaded, ${r.failed} failed`);
    }
    return r;
  };

  log(`warm-up: ${WARMUP_LOADS} loads per configuration`);
  for (const w of workers) for (let i = 0; i < WARMUP_LOADS; i++) await loadOnce(w);

  log(`${ROUNDS} rounds × ${LOADS} loads per configuration, order shuffled per round`);
  const samples = new Map<string, Load[]>(workers.map((w) => [w.name, []]));
  const perRound = new Map<string, number[]>(workers.map((w) => [w.name, []]));
  const random = prng(7);
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of shuffle([...workers], random)) {
      const times: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        const r = await loadOnce(w);
        samples.get(w.name)!.push(r);
        times.push(r.allLoadedMs);
      }
      perRound.get(w.name)!.push(median(times));
    }
    log(`round ${round + 1}/${ROUNDS}: ${workers.map((w) => `${w.name} ${Math.round(perRound.get(w.name)!.at(-1)!)} ms`).join(", ")}`);
  }
  const floorStats = await workers.find((w) => w.name === "floor")!.call("send", { message: { type: "floor-stats" } });

  const pageLoad = Object.fromEntries(
    workers.map((w) => {
      const loads = samples.get(w.name)!;
      const t = loads.map((l) => l.allLoadedMs);
      const cpu = loads.map((l) => l.cpuMs);
      return [
        w.name,
        {
          loads: loads.length,
          medianMs: median(t),
          iqrMs: iqr(t),
          p90Ms: percentile(t, 90),
          minMs: Math.min(...t),
          cpuMsPerLoad: { median: median(cpu), iqr: iqr(cpu) },
          protocols: [...new Set(loads.flatMap((l) => l.protocols))],
          resourcesPerLoad: median(loads.map((l) => l.resources)),
          samplesMs: t,
          perRoundMs: perRound.get(w.name),
        },
      ];
    }),
  );
  const ratio = (a: string, b: string) => {
    const xs = samples.get(a)!.map((l) => l.allLoadedMs);
    const ys = samples.get(b)!.map((l) => l.allLoadedMs);
    const paired = perRound.get(a)!.map((x, i) => x / perRound.get(b)![i]);
    return { ...ratioOfMedians(xs, ys), pairedMedian: median(paired), pairedIqr: iqr(paired) };
  };
  const ratios: Record<string, ReturnType<typeof ratio>> = {
    "chain-sentry/floor": ratio("chain-sentry", "floor"),
    "chain-sentry/none": ratio("chain-sentry", "none"),
    "floor/none": ratio("floor", "none"),
  };
  for (const extra of configs.slice(3)) {
    ratios[`${extra.name}/floor`] = ratio(extra.name, "floor");
    ratios[`${extra.name}/chain-sentry`] = ratio(extra.name, "chain-sentry");
  }

  const pct = (r: { ratio: number; lo: number; hi: number; pairedMedian: number; pairedIqr: [number, number] }) =>
    `${r.ratio.toFixed(3)} (95% CI ${r.lo.toFixed(3)}–${r.hi.toFixed(3)}; per-round ${r.pairedMedian.toFixed(3)}, IQR ${r.pairedIqr[0].toFixed(3)}–${r.pairedIqr[1].toFixed(3)})`;
  console.log(`  page load, ${ROUNDS} rounds × ${LOADS} loads per configuration:`);
  for (const w of workers) {
    const p = pageLoad[w.name];
    console.log(`  ${w.name.padEnd(14)} median ${p.medianMs.toFixed(0)} ms (IQR ${p.iqrMs[0].toFixed(0)}–${p.iqrMs[1].toFixed(0)}), CPU per load+settle ${p.cpuMsPerLoad.median.toFixed(0)} ms, ${p.protocols.join("/")}`);
  }
  for (const [name, r] of Object.entries(ratios)) console.log(`  ${name.padEnd(28)} ${pct(r)}`);
  return { pageLoad, ratios, floorStats };
}

async function popupPart(w: Worker) {
  log(`popup: popup/chain.html for the 20-origin page, ${POPUP_SAMPLES} times`);
  const popup = await w.call("popup", { pageUrl: sites.pageUrl("popup-subject"), popupPath: "popup/chain.html", samples: POPUP_SAMPLES, origins: ORIGINS });
  const s = popup.samples as { verdictMs: number; originsMs: number; firstRenderMs: number; domContentLoadedMs: number; originsShown: number; headline: string }[];
  const stat = (xs: number[]) => ({ median: median(xs), p90: percentile(xs, 90), max: Math.max(...xs) });
  const result = {
    page: "popup/chain.html?tabId=<tab of the 20-origin page>",
    samples: s.length,
    verdictMs: stat(s.map((x) => x.verdictMs)),
    originsMs: stat(s.map((x) => x.originsMs)),
    firstRenderMs: stat(s.map((x) => x.firstRenderMs)),
    domContentLoadedMs: stat(s.map((x) => x.domContentLoadedMs)),
    originsShown: s[0]?.originsShown,
    headline: s[0]?.headline,
    tabStateMessage: { medianMs: median(popup.tabStateMessage.times), jsonBytes: popup.tabStateMessage.bytes },
    blankExtensionPageDomContentLoadedMs: median(popup.blankPageDomContentLoadedMs),
    raw: s,
  };
  console.log(
    `  popup: verdict rendered ${result.verdictMs.median.toFixed(0)} ms median (p90 ${result.verdictMs.p90.toFixed(0)}); first render (skeleton) ${result.firstRenderMs.median.toFixed(0)} ms (a blank extension page: DOMContentLoaded ${result.blankExtensionPageDomContentLoadedMs.toFixed(0)} ms); the tab-state message alone ${result.tabStateMessage.medianMs.toFixed(0)} ms for ${Math.round(result.tabStateMessage.jsonBytes / 1024)} KB of JSON; ${result.originsShown} origins listed: "${result.headline}"`,
  );
  return result;
}

async function blocklistPart(w: Worker) {
  log("blocklist load in Firefox");
  const r = await blocklistLoadInFirefox(w);
  const f = (x: { totalMs: number; parseMs: number }) => `${x.totalMs.toFixed(1)} ms (parse ${x.parseMs.toFixed(1)})`;
  console.log(`  blocklist load in Firefox (median of ${r.json.samples}, incl. new ChainAnalyzer): JSON.parse of the text ${f(r.json)}; bundle (${r.bundleForm}) ${f(r.bundle)}; JSON.parse(\`…\`) module ${f(r.stringified)}`);
  return r;
}

/**
 * The blocklist as Firefox's engine loads it, in a fresh tab per sample: the analyzer bundled for the
 * page (Vite library build of src/analyzer.ts), then the index obtained in one of three forms, then
 * `new ChainAnalyzer(index)`:
 *  - json:        JSON.parse of data/blocklist.json's text (as if the extension fetched the file);
 *  - bundle:      what the background does: import() of the JSON module it imports (vite.config.ts),
 *                 or of a module whose default export is the expression the bundler inlined;
 *  - stringified: the same with `JSON.parse(\`…\`)`, what Vite's `json.stringify` emits with this
 *                 bundler (its minifier writes every string as a template literal).
 */
async function blocklistLoadInFirefox(w: Worker) {
  const outDir = path.join(workDir, "analyzer-iife");
  await build({
    configFile: false,
    logLevel: "warn",
    build: {
      lib: { entry: path.join(REPO, "bench/lib/analyzer-entry.ts"), formats: ["iife"], name: "ChainSentryBench", fileName: () => "analyzer.js" },
      outDir,
      emptyOutDir: true,
      target: "firefox140",
      minify: true,
    },
  });
  const expression = bundleExpression(distCopy);
  const jsonText = readFileSync(BLOCKLIST_PATH, "utf8");
  sites.files.set("analyzer.js", { type: "text/javascript", body: readFileSync(path.join(outDir, "analyzer.js")) });
  sites.files.set("index.json", { type: "application/json", body: jsonText });
  sites.files.set("bundle.js", { type: expression.json ? "application/json" : "text/javascript", body: expression.text });
  sites.files.set("stringified.js", { type: "text/javascript", body: stringifiedExpression(jsonText) });
  sites.files.set("blank.html", { type: "text/html", body: "<!doctype html><title>blocklist load</title>" });
  const forms = ["json", "bundle", "stringified"] as const;
  const fn = (form: (typeof forms)[number]) => `async () => {
    const [lib, source] = await Promise.all(["analyzer.js", ${JSON.stringify(form === "json" ? "index.json" : `${form}.js`)}].map((f) => fetch("/files/" + f).then((r) => r.text())));
    (0, eval)(lib);
    const jsonModule = ${form === "bundle" && expression.json};
    const url = URL.createObjectURL(jsonModule ? new Blob([source], { type: "application/json" }) : new Blob(["export default " + source + ";"], { type: "text/javascript" }));
    const t0 = performance.now();
    const index = ${form === "json" ? "JSON.parse(source)" : 'jsonModule ? (await import(url, { with: { type: "json" } })).default : (await import(url)).default'};
    const t1 = performance.now();
    const analyzer = new ChainSentryBench.ChainAnalyzer(index);
    const t2 = performance.now();
    return { parseMs: t1 - t0, analyzerMs: t2 - t1, totalMs: t2 - t0, entries: analyzer.blocklist.entries.length };
  }`;
  type Run = { parseMs: number; analyzerMs: number; totalMs: number };
  const runs: Record<(typeof forms)[number], Run[]> = { json: [], bundle: [], stringified: [] };
  for (let i = 0; i < BLOCKLIST_SAMPLES; i++) {
    for (const form of forms) runs[form].push(await w.call("evaluate-page", { url: `${sites.origin(0)}/files/blank.html`, fn: fn(form) }));
  }
  const summary = (rs: Run[]) => ({
    samples: rs.length,
    parseMs: median(rs.map((r) => r.parseMs)),
    analyzerMs: median(rs.map((r) => r.analyzerMs)),
    totalMs: median(rs.map((r) => r.totalMs)),
    maxTotalMs: Math.max(...rs.map((r) => r.totalMs)),
  });
  return { bundleForm: expression.kind, json: summary(runs.json), bundle: summary(runs.bundle), stringified: summary(runs.stringified) };
}
