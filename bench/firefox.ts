/**
 * Firefox benchmark (inside scripts/run-in-sandbox.sh; `npm run bench` runs it after the build):
 *
 *  1. Page load: a local HTTPS page loading 200 subresources from 20 origins with distinct chains
 *     (bench/lib/sites.ts, HTTP/2), in four configurations, order shuffled every round. By default
 *     (BENCH_BROWSERS=one) all in one Firefox, each configuration's extension installed for its turn
 *     and uninstalled after it; with BENCH_BROWSERS=per-config, each in its own Firefox, all running
 *     side by side and used in turn:
 *       none          no extension (an empty one: the harness always installs one)
 *       floor         bench/floor-extension: getSecurityInfo(chain + rawDER) per response, nothing else
 *       limit         bench/limit-extension: getSecurityInfo(chain, no rawDER) per response, awaited,
 *                     nothing else: the least any chain inspector can do (Chain Sentry's target)
 *       chain-sentry  dist/ (npm run build)
 *     Once per round-trip time in BENCH_RTT (default 0: loopback as it is; e.g. 0,20,80): the loopback
 *     link delayed by netem inside the sandbox's network namespace, or, where the kernel has no netem,
 *     by a delaying TCP proxy in front of the sites (bench/lib/delay-proxy.ts); fresh browsers per RTT.
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
 * BENCH_PARTS (a subset of pageload,popup,blocklist), BENCH_RTT (round-trip times in ms, e.g. 0,20,80),
 * BENCH_DELAY=auto|netem|proxy (how an RTT is made), BENCH_SETTLE_MS (idle time after each load),
 * BENCH_EXTRA="name=dir,…" (more extension builds to compare, e.g. a patched dist in /tmp),
 * BENCH_BROWSERS=one|per-config, BENCH_CONFIGS (a subset of the configurations, e.g. limit,chain-sentry),
 * BENCH_GAP_MS (idle time between one configuration's loads in one Firefox), BENCH_RESTART_EVERY (one
 * Firefox: a fresh one after this many rounds, 15; 0 never).
 */
import { execFileSync, fork } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "vite";
import { bundleExpression, BLOCKLIST_PATH, REPO, stringifiedExpression } from "./lib/blocklist-forms";
import { formatRatio, interleavedLoads, loadRatio, swappedLoads, Worker, type Load, type SwapConfig } from "./lib/browsers";
import { EXTENSION_UUID } from "../test/e2e/firefox";
import { loadAverage, machine, mergeResults } from "./lib/results";
import { ORIGINS, startBenchSites, SUBRESOURCES, type BenchSites } from "./lib/sites";
import { iqr, median, percentile, prng, shuffle } from "./lib/stats";

if (process.env.CHAIN_SENTRY_SANDBOX !== "1") throw new Error("run bench/firefox.ts inside scripts/run-in-sandbox.sh");
const QUICK = process.env.BENCH_QUICK === "1";
/**
 * one: every configuration in one Firefox, its extension swapped in for its turn (what two Firefox
 * instances differ by of their own is then no part of any ratio); per-config: one Firefox each.
 */
const BROWSERS = process.env.BENCH_BROWSERS ?? "one";
if (BROWSERS !== "one" && BROWSERS !== "per-config") throw new Error("BENCH_BROWSERS: one or per-config");
const ONE = BROWSERS === "one";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : ONE ? 30 : 40));
/** Loads per configuration per round: in one Firefox a turn also pays an install, so it takes several. */
const LOADS = Number(process.env.BENCH_LOADS ?? (ONE ? 3 : 1));
/** Per-config: loads per browser before the rounds. One Firefox: uncounted loads at the start of each turn. */
const WARMUP_LOADS = ONE ? 1 : 3;
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 300);
/** One Firefox: a fresh one after this many rounds (0: never); see swappedLoads. */
const RESTART_EVERY = Number(process.env.BENCH_RESTART_EVERY ?? 15);
/**
 * BENCH_TIMING=1 (one Firefox): after each turn, ask each build for its background's JavaScript time
 * by part; only a build with bench/variants/timed.patch answers.
 */
const TIMING = process.env.BENCH_TIMING === "1";
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1200);
/** Round-trip times (ms) to run the page-load comparison at; 0 is loopback as it is (CPU-bound). */
const RTTS = (process.env.BENCH_RTT ?? "0").split(",").map(Number);
if (RTTS.some((r) => !(r >= 0))) throw new Error(`BENCH_RTT: expected round-trip times in ms, e.g. 0,20,80`);
const DELAY = process.env.BENCH_DELAY ?? "auto";
const POPUP_SAMPLES = QUICK ? 5 : 15;
const BLOCKLIST_SAMPLES = QUICK ? 2 : 9;
const loadAtStart = loadAverage();
const log = (msg: string) => console.error(`[firefox] ${msg}`);
/** BENCH_PARTS=pageload,popup,blocklist (default all): run only some parts, e.g. for a before/after check. */
const PARTS = new Set((process.env.BENCH_PARTS ?? "decision,blocklist,pageload,popup").split(","));

const configs: { name: string; dir: string }[] = [
  { name: "none", dir: "bench/empty-extension" },
  { name: "floor", dir: "bench/floor-extension" },
  { name: "limit", dir: "bench/limit-extension" },
  { name: "chain-sentry", dir: "dist" },
  ...(process.env.BENCH_EXTRA ?? "")
    .split(",")
    .filter(Boolean)
    .map((spec) => {
      const [name, dir] = spec.split("=");
      return { name, dir };
    }),
];
const selected = process.env.BENCH_CONFIGS?.split(",");
if (selected?.some((name) => !configs.some((c) => c.name === name))) throw new Error(`BENCH_CONFIGS: names among ${configs.map((c) => c.name).join(", ")}`);
if (!existsSync(path.join(REPO, "dist/manifest.json"))) throw new Error("dist/ is missing: npm run build first");

// ---------------------------------------------------------------------------------------------
const workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-bench-ff-"));
/**
 * A private copy of a build (other work in the checkout may rebuild dist/ while this runs), with the
 * popup measurement's probe (bench/lib/popup-probe.js) in its chain.html and a blank page beside it.
 */
function benchCopy(dir: string, name: string): string {
  const copy = path.join(workDir, name);
  cpSync(path.resolve(REPO, dir), copy, { recursive: true });
  if (!existsSync(path.join(copy, "popup/chain.html"))) return copy; // not a build of Chain Sentry
  for (const page of ["popup/chain.html", "popup/index.html"]) {
    const html = readFileSync(path.join(copy, page), "utf8");
    if (!html.includes("<head>")) throw new Error(`${page}: no <head> to add the probe to`);
    writeFileSync(path.join(copy, page), html.replace("<head>", '<head><script src="./bench-probe.js"></script>'));
  }
  cpSync(path.join(REPO, "bench/lib/popup-probe.js"), path.join(copy, "popup/bench-probe.js"));
  cpSync(path.join(REPO, "bench/lib/popup-opener.js"), path.join(copy, "popup/bench-opener.js"));
  const blank = (title: string, script = "") => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${script}</head><body></body></html>`;
  // A blank page of the extension: what opening any extension page in a new tab costs.
  writeFileSync(path.join(copy, "popup/bench-blank.html"), blank("blank"));
  // The page that opens the toolbar popup (action.openPopup) and collects its times.
  writeFileSync(path.join(copy, "popup/bench-opener.html"), blank("opener", '<script src="./bench-opener.js"></script>'));
  return copy;
}
const distCopy = benchCopy("dist", "dist");
configs.find((c) => c.name === "chain-sentry")!.dir = distCopy;
for (const extra of configs.slice(4)) extra.dir = benchCopy(extra.dir, `extra-${extra.name}`);
/** The builds of Chain Sentry whose popup is measured. */
const popupConfigs = configs.filter((c, i) => c.name === "chain-sentry" || (i >= 4 && existsSync(path.join(c.dir, "popup/chain.html")))).map((c) => c.name);

/** Each configuration's extension's fixed moz-extension UUID in one Firefox, by its gecko id (the base, empty extension keeps the harness's). */
const uuids = new Map<string, string>(
  configs.map((c, i) => {
    const id = JSON.parse(readFileSync(path.join(path.resolve(REPO, c.dir), "manifest.json"), "utf8")).browser_specific_settings.gecko.id as string;
    return [id, c.name === "none" ? EXTENSION_UUID : `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`];
  }),
);
const uuidOf = (dir: string) => uuids.get(JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")).browser_specific_settings.gecko.id)!;

/** A build of Chain Sentry (its block page answers messages), as against a bench extension. */
const isChainSentryBuild = (dir: string) => existsSync(path.join(dir, "popup/blocked.html"));

/** The sites of the current pass (one pass per round-trip time). */
let sites: BenchSites;
const started = Date.now();
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
    metric:
      "navigation start → performance mark when the 200th subresource fired load; fresh tab per load; browser.cache.disk/memory.enable false; URLs unique per load",
    browsers: ONE
      ? `one Firefox; per round, each configuration's extension installed for its turn (${WARMUP_LOADS} uncounted load, then ${LOADS} counted ${GAP_MS} ms apart, then ${SETTLE_MS} ms idle) and uninstalled; a fresh browser for each round-trip time`
      : "one Firefox per configuration, side by side, each in its own mount namespace (unshare --mount) inside the sandbox; fresh browsers for each round-trip time",
  },
};
console.log(`\nFirefox (${(results.method as { protocol: string }).protocol})`);
const byRtt: Record<string, unknown> = {};
try {
  for (const [pass, rtt] of RTTS.entries()) {
    // The popup and the blocklist load are measured once, in the first pass.
    const parts = new Set([...PARTS].filter((p) => p === "pageload" || pass === 0));
    const link = await setUpLink(rtt);
    sites = link.sites;
    log(`RTT ${rtt} ms (${link.delay}): ${ORIGINS} HTTPS origins on ports ${sites.ports[0]}-${sites.ports.at(-1)}`);
    const workers: Worker[] = [];
    try {
      // Only the browsers the selected parts need (the blocklist load uses the no-extension one, or
      // in one-Firefox mode that Firefox, whose base extension is the empty one).
      const perConfig = parts.has("pageload") && !ONE ? pageLoadConfigs() : [];
      const needed = new Set([
        ...perConfig.map((c) => c.name),
        ...(parts.has("popup") ? popupConfigs : []),
        ...(parts.has("blocklist") && !ONE ? ["none"] : []),
      ]);
      if (ONE && (parts.has("pageload") || parts.has("blocklist"))) {
        // Fixed UUIDs, kept on uninstall (Firefox forgets one then), so the check can open each extension's page.
        const prefs = { "extensions.webextensions.uuids": JSON.stringify(Object.fromEntries(uuids)), "extensions.webextensions.keepUuidOnUninstall": true };
        const w = new Worker("one-firefox", "bench/empty-extension", [sites.rootPemPath], prefs);
        workers.push(w);
        await w.ready;
        log("one Firefox up for the page-load comparison");
      }
      for (const c of configs.filter((c) => needed.has(c.name))) {
        // The pref lets the popup part open the toolbar popup (action.openPopup) without a user gesture.
        const w = new Worker(c.name, c.dir, [sites.rootPemPath], { "extensions.openPopupWithoutUserGesture.enabled": true });
        workers.push(w);
        const { extensionId } = await w.ready;
        log(`${c.name}: Firefox up with ${extensionId}`);
      }
      const byName = new Map(workers.map((w) => [w.name, w]));
      if (parts.has("pageload")) {
        console.log(`  round-trip time ${rtt} ms${rtt ? ` (${link.delay})` : ""}:`);
        const r = ONE
          ? await pageLoadPart(await swappedPageLoads(byName.get("one-firefox")!))
          : await pageLoadPart(await perConfigPageLoads(workers.filter((w) => perConfig.some((c) => c.name === w.name))));
        byRtt[rtt] = { rttMs: rtt, delay: link.delay, ...r, loadAverageEnd: loadAverage() };
        // The loopback run (or the first) keeps its place at the top, where bench/report.ts reads it.
        if (pass === 0) Object.assign(results, r);
      }
      if (parts.has("popup")) {
        const byBuild = await popupPart(workers.filter((w) => popupConfigs.includes(w.name)));
        results.popup = byBuild["chain-sentry"];
        if (Object.keys(byBuild).length > 1) results.popupByBuild = byBuild;
      }
      if (parts.has("blocklist")) results.blocklistLoadInFirefox = await blocklistPart(byName.get(ONE ? "one-firefox" : "none")!);
      if (byName.has("chain-sentry")) {
        const errors = await byName.get("chain-sentry")!.call<string[]>("errors");
        results.extensionErrors = [...((results.extensionErrors as string[]) ?? []), ...errors];
        if (errors.length) console.log(`  Chain Sentry errors reported by Firefox:\n    ${errors.join("\n    ")}`);
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await link.close();
    }
  }
  if (PARTS.has("pageload")) results.byRtt = byRtt;
  results.loadAverage = { start: loadAtStart, end: loadAverage() };
  results.wallSeconds = (Date.now() - started) / 1000;
  mergeResults("machine", machine());
  mergeResults("firefox", results);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

/**
 * The sites for one pass, behind a link with the given round-trip time. 0: loopback as it is. Else
 * netem on the sandbox's own loopback (`tc qdisc replace dev lo root netem delay RTT/2`: each
 * direction once, the machine's real loopback untouched), or where the kernel has no netem
 * (BENCH_DELAY=auto falls back, =proxy forces it) the sites move to ports 1000 higher and
 * bench/lib/delay-proxy.ts listens on theirs, in a process of its own.
 */
async function setUpLink(rtt: number): Promise<{ sites: BenchSites; delay: "none" | "netem" | "proxy"; close(): Promise<void> }> {
  const tc = (...args: string[]) =>
    execFileSync("tc", ["qdisc", ...args, "dev", "lo", "root", ...(args[0] === "del" ? [] : ["netem", "delay", `${rtt / 2}ms`])], { stdio: "pipe" });
  const noNetem = () => {
    try {
      execFileSync("tc", ["qdisc", "del", "dev", "lo", "root"], { stdio: "pipe" });
    } catch {
      // there was none
    }
  };
  noNetem();
  if (rtt === 0) {
    const s = await startBenchSites({ dir: workDir });
    return { sites: s, delay: "none", close: () => s.close() };
  }
  if (DELAY !== "proxy") {
    try {
      tc("replace");
      const s = await startBenchSites({ dir: workDir });
      return { sites: s, delay: "netem", close: async () => (await s.close(), noNetem()) };
    } catch (error) {
      const why = String((error as { stderr?: Buffer }).stderr ?? error).trim();
      if (DELAY === "netem") throw new Error(`BENCH_DELAY=netem: tc netem failed: ${why}`);
      log(`netem unavailable (${why}): delaying TCP proxy instead`);
    }
  }
  const s = await startBenchSites({ dir: workDir, basePort: 10443, publicBasePort: 9443 });
  const proxy = fork(path.join(REPO, "bench/lib/delay-proxy.ts"), [String(rtt), s.ports.map((p) => `${p}:${p + 1000}`).join(",")], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once("message", () => resolve());
    proxy.once("exit", (code) => reject(new Error(`delay proxy exited (${code})`)));
  });
  return {
    sites: s,
    delay: "proxy",
    async close() {
      proxy.kill();
      await s.close();
    },
  };
}

/** The configurations of the page-load comparison (BENCH_CONFIGS, default all). */
function pageLoadConfigs() {
  return configs.filter((c) => !selected || selected.includes(c.name));
}

type PageLoads = { samples: Map<string, Load[]>; perRound: Map<string, number[]>; cold?: Map<string, Load[]>; listenerStats: Record<string, unknown> };

async function perConfigPageLoads(workers: Worker[]): Promise<PageLoads> {
  log(`warm-up: ${WARMUP_LOADS} loads per configuration; ${ROUNDS} rounds × ${LOADS} loads per configuration, order shuffled per round`);
  const { samples, perRound } = await interleavedLoads(workers, (w, n) => sites.pageUrl(`${w.name}-${n}`), {
    rounds: ROUNDS,
    loads: LOADS,
    warmup: WARMUP_LOADS,
    settleMs: SETTLE_MS,
    log,
  });
  const listenerStats = Object.fromEntries(
    await Promise.all(
      workers.filter((w) => w.name === "floor" || w.name === "limit").map(async (w) => [w.name, await w.call("send", { message: { type: "bench-stats" } })]),
    ),
  );
  return { samples, perRound, listenerStats };
}

/**
 * The comparison in one Firefox. After a configuration's first uncounted load, its extension is
 * asked whether it was at work: the floor and limit listeners count the chains they got, Chain
 * Sentry's history must hold the benchmark chains' findings (every chain has two); a configuration
 * that passed responses unchecked would otherwise look fast.
 */
async function swappedPageLoads(worker: Worker): Promise<PageLoads> {
  const swapConfigs: SwapConfig[] = pageLoadConfigs().map((c) => ({ name: c.name, dir: c.name === "none" ? null : path.resolve(REPO, c.dir) }));
  const listenerStats: Record<string, unknown> = {};
  const check = async (c: SwapConfig) => {
    if (!c.dir) return;
    if (isChainSentryBuild(c.dir)) {
      const { events } = await worker.call<{ events: unknown[] }>("ask", {
        uuid: uuidOf(c.dir),
        pagePath: "popup/blocked.html",
        message: { type: "ui-bg-get-history" },
      });
      // Diagnostic variants (BENCH_EXTRA) may record nothing on purpose.
      if (!events?.length && c.name === "chain-sentry") throw new Error(`${c.name}: no finding in the history after a load: was the extension at work?`);
      listenerStats[c.name] = { historyEvents: events.length };
    } else if (existsSync(path.join(c.dir, "background.js"))) {
      const stats = await worker.call<{ responses: number; withChain: number }>("ask", {
        uuid: uuidOf(c.dir),
        pagePath: "popup.html",
        message: { type: "bench-stats" },
      });
      if (!(stats?.withChain >= SUBRESOURCES))
        throw new Error(`${c.name}: its listener got ${stats?.withChain} chains in a load of ${SUBRESOURCES + 1} responses`);
      listenerStats[c.name] = stats;
    }
  };
  /** BENCH_TIMING: per build, per part, the background's ms per counted load, one value per turn. */
  const timing: Record<string, Record<string, number[]>> = {};
  type Times = Record<string, { ms: number; calls: number }>;
  const lastTimes = new Map<string, Times>();
  /** The build's totals since it started, if it is a timed build (bench/variants/timed.patch). */
  const timesOf = async (c: SwapConfig): Promise<Times | null> => {
    if (!c.dir || !isChainSentryBuild(c.dir)) return null;
    const times = await worker.call<Times | null>("ask", { uuid: uuidOf(c.dir), pagePath: "popup/blocked.html", message: { type: "bench-timing" } });
    return times && "onResponse (all)" in times ? times : null;
  };
  const beforeCounted = async (c: SwapConfig) => {
    const times = await timesOf(c);
    if (times) lastTimes.set(c.name, times);
  };
  const afterTurn = async (c: SwapConfig) => {
    const times = await timesOf(c);
    if (!times) return;
    // This turn's counted loads: the totals less those before them.
    const before = lastTimes.get(c.name) ?? {};
    for (const [part, t] of Object.entries(times)) ((timing[c.name] ??= {})[part] ??= []).push((t.ms - (before[part]?.ms ?? 0)) / LOADS);
    lastTimes.delete(c.name);
  };
  log(
    `one Firefox: a warm-up turn per configuration; ${ROUNDS} rounds, each configuration's turn ${WARMUP_LOADS} uncounted + ${LOADS} counted loads, order shuffled per round`,
  );
  const r = await swappedLoads(worker, swapConfigs, (c, n) => sites.pageUrl(`${c.name}-${n}`), {
    rounds: ROUNDS,
    loads: LOADS,
    warm: WARMUP_LOADS,
    gapMs: GAP_MS,
    settleMs: SETTLE_MS,
    restartEvery: RESTART_EVERY,
    log,
    check,
    ...(TIMING ? { afterTurn, beforeCounted } : {}),
  });
  if (TIMING) {
    for (const [name, parts] of Object.entries(timing)) {
      console.log(
        `  ${name}: background JavaScript per load (median over turns): ${Object.entries(parts)
          .map(([part, ms]) => `${part} ${median(ms).toFixed(2)} ms`)
          .join(", ")}`,
      );
    }
  }
  for (const c of swapConfigs) {
    const errors = c.dir ? await worker.call<string[]>("errors", { uuid: uuidOf(c.dir) }) : [];
    if (errors.length) console.log(`  ${c.name}: errors reported by Firefox:\n    ${errors.join("\n    ")}`);
  }
  return { ...r, listenerStats };
}

/** Median CPU per load, by process, over the loads (a process absent from a load counts 0 there). */
function cpuByProcess(loads: Load[]): Record<string, number> {
  const names = new Set(loads.flatMap((l) => Object.keys(l.cpuByProcessMs ?? {})));
  return Object.fromEntries([...names].sort().map((name) => [name, median(loads.map((l) => l.cpuByProcessMs?.[name] ?? 0))]));
}

async function pageLoadPart({ samples, perRound, cold, listenerStats }: PageLoads) {
  const names = [...samples.keys()];
  const pageLoad = Object.fromEntries(
    names.map((name) => {
      const loads = samples.get(name)!;
      const t = loads.map((l) => l.allLoadedMs);
      const cpu = loads.map((l) => l.cpuMs);
      return [
        name,
        {
          loads: loads.length,
          medianMs: median(t),
          iqrMs: iqr(t),
          p90Ms: percentile(t, 90),
          minMs: Math.min(...t),
          cpuMsPerLoad: { median: median(cpu), iqr: iqr(cpu) },
          cpuMsPerLoadByProcess: cpuByProcess(loads),
          // One Firefox: the first load after the extension started (empty caches), per turn.
          ...(cold?.get(name)?.length ? { coldMedianMs: median(cold.get(name)!.map((l) => l.allLoadedMs)) } : {}),
          protocols: [...new Set(loads.flatMap((l) => l.protocols))],
          resourcesPerLoad: median(loads.map((l) => l.resources)),
          samplesMs: t,
          perRoundMs: perRound.get(name),
        },
      ];
    }),
  );
  const ratios: Record<string, ReturnType<typeof loadRatio>> = {};
  const pairs = [
    ["chain-sentry", "limit"],
    ["chain-sentry", "floor"],
    ["chain-sentry", "none"],
    ["limit", "none"],
    ["floor", "none"],
    ...configs.slice(4).flatMap((extra) => [
      [extra.name, "limit"],
      [extra.name, "chain-sentry"],
    ]),
  ];
  for (const [a, b] of pairs) if (samples.has(a) && samples.has(b)) ratios[`${a}/${b}`] = loadRatio(samples, perRound, a, b);

  console.log(`  page load, ${ROUNDS} rounds × ${LOADS} loads per configuration:`);
  for (const name of names) {
    const p = pageLoad[name];
    const byProcess = Object.entries(p.cpuMsPerLoadByProcess as Record<string, number>)
      .filter(([, ms]) => ms >= 10)
      .map(([process, ms]) => `${process} ${ms.toFixed(0)}`)
      .join(", ");
    const coldPart = "coldMedianMs" in p ? `, first load after start ${(p.coldMedianMs as number).toFixed(0)} ms` : "";
    console.log(
      `  ${name.padEnd(14)} median ${p.medianMs.toFixed(0)} ms (IQR ${p.iqrMs[0].toFixed(0)}–${p.iqrMs[1].toFixed(0)})${coldPart}, CPU per load ${p.cpuMsPerLoad.median.toFixed(0)} ms (${byProcess}), ${p.protocols.join("/")}`,
    );
  }
  for (const [name, r] of Object.entries(ratios)) console.log(`  ${name.padEnd(20)} ${formatRatio(r)}`);
  const target = ratios["chain-sentry/limit"];
  if (target) console.log(`  rounds for a 90% interval of ±0.035 on chain-sentry/limit at this spread: ${target.roundsForHalfWidth0035} (this run: ${ROUNDS})`);
  return { pageLoad, ratios, listenerStats };
}

/**
 * The popup in each browser with Chain Sentry (chain-sentry and the BENCH_EXTRA builds): the chain
 * page and a blank page of the same extension, in fresh tabs, POPUP_SAMPLES times each, the browsers
 * and the two pages taken in turn so that the machine's load weighs on all alike.
 */
async function popupPart(ws: Worker[]) {
  log(`popup: popup/chain.html for the 20-origin page, ${POPUP_SAMPLES} times in ${ws.map((w) => w.name).join(", ")}`);
  const pageUrl = sites.pageUrl("popup-subject");
  type Sample = { verdictMs: number; originsMs: number; firstRenderMs: number; domContentLoadedMs: number; originsShown: number; headline: string };
  const samples = new Map<string, Sample[]>(ws.map((w) => [w.name, []]));
  const blank = new Map<string, number[]>(ws.map((w) => [w.name, []]));
  type Toolbar = Sample & { clickToVerdictMs: number; clickToPopupStartMs: number };
  const toolbar = new Map<string, Toolbar[]>(ws.map((w) => [w.name, []]));
  let toolbarError: string | null = null;
  const random = prng(11);
  for (let i = 0; i < POPUP_SAMPLES; i++) {
    for (const w of shuffle([...ws], random)) {
      samples.get(w.name)!.push(await w.call("popup-sample", { pageUrl, popupPath: "popup/chain.html", origins: ORIGINS }));
      blank.get(w.name)!.push(await w.call("blank-sample"));
      if (toolbarError) continue;
      try {
        toolbar.get(w.name)!.push(await w.call("toolbar-popup-sample", { pageUrl }));
      } catch (error) {
        toolbarError = String((error as Error).message).split("\n")[0];
        log(`the toolbar popup could not be measured: ${toolbarError}`);
      }
    }
  }
  const stat = (xs: number[]) => ({ median: median(xs), p90: percentile(xs, 90), max: Math.max(...xs) });
  const out: Record<string, unknown> = {};
  for (const w of ws) {
    const s = samples.get(w.name)!;
    const message = await w.call<{ times: number[]; bytes: number }>("tab-state-message", { pageUrl });
    const result = {
      page: "popup/chain.html?tabId=<tab of the 20-origin page>",
      samples: s.length,
      verdictMs: stat(s.map((x) => x.verdictMs)),
      originsMs: stat(s.map((x) => x.originsMs)),
      firstRenderMs: stat(s.map((x) => x.firstRenderMs)),
      domContentLoadedMs: stat(s.map((x) => x.domContentLoadedMs)),
      originsShown: s[0]?.originsShown,
      headline: s[0]?.headline,
      tabStateMessage: { medianMs: median(message.times), jsonBytes: message.bytes },
      blankExtensionPageDomContentLoadedMs: median(blank.get(w.name)!),
      // What Chain Sentry adds to opening any page of the extension: modules, the tab-state message, the render.
      ownMs: median(s.map((x) => x.verdictMs)) - median(blank.get(w.name)!),
      // The real toolbar popup (popup/index.html in its panel): from action.openPopup() (the click)
      // to the verdict and the 20 origins rendered, and from the panel document's own start.
      toolbar: toolbarError
        ? { error: toolbarError }
        : {
            samples: toolbar.get(w.name)!.length,
            clickToVerdictMs: stat(toolbar.get(w.name)!.map((x) => x.clickToVerdictMs)),
            clickToPopupStartMs: stat(toolbar.get(w.name)!.map((x) => x.clickToPopupStartMs)),
            verdictMs: stat(toolbar.get(w.name)!.map((x) => x.verdictMs)),
            originsShown: toolbar.get(w.name)![0]?.originsShown,
          },
      raw: s,
    };
    const tb = result.toolbar;
    if (tb.clickToVerdictMs && tb.clickToPopupStartMs && tb.verdictMs) {
      console.log(
        `  toolbar popup (${w.name}): click → verdict ${tb.clickToVerdictMs.median.toFixed(0)} ms median (p90 ${tb.clickToVerdictMs.p90.toFixed(0)}); click → the panel's document starts ${tb.clickToPopupStartMs.median.toFixed(0)} ms; its own start → verdict ${tb.verdictMs.median.toFixed(0)} ms; ${tb.originsShown} origins`,
      );
    }
    console.log(
      `  popup (${w.name}): verdict rendered ${result.verdictMs.median.toFixed(0)} ms median (p90 ${result.verdictMs.p90.toFixed(0)}); first render (skeleton) ${result.firstRenderMs.median.toFixed(0)} ms (a blank extension page: DOMContentLoaded ${result.blankExtensionPageDomContentLoadedMs.toFixed(0)} ms); Chain Sentry's own part ${result.ownMs.toFixed(0)} ms; the tab-state message alone ${result.tabStateMessage.medianMs.toFixed(0)} ms for ${Math.round(result.tabStateMessage.jsonBytes / 1024)} KB of JSON; ${result.originsShown} origins listed: "${result.headline}"`,
    );
    out[w.name] = result;
  }
  return out;
}

async function blocklistPart(w: Worker) {
  log("blocklist load in Firefox");
  const r = await blocklistLoadInFirefox(w);
  const f = (x: { totalMs: number; parseMs: number }) => `${x.totalMs.toFixed(1)} ms (parse ${x.parseMs.toFixed(1)})`;
  console.log(
    `  blocklist load in Firefox (median of ${r.json.samples}, incl. new ChainAnalyzer): JSON.parse of the text ${f(r.json)}; bundle (${r.bundleForm}) ${f(r.bundle)}; JSON.parse(\`…\`) module ${f(r.stringified)}`,
  );
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
