/**
 * A day of browsing (`npm run soak`, inside scripts/run-in-sandbox.sh; not part of npm test): one
 * Firefox with Chain Sentry (warn mode, history on: the defaults, checked) loads SOAK_LOADS pages over
 * the 500 hosts of bench/lib/soak-sites.ts, SOAK_LANES tabs at a time, a tab closed and a new one
 * opened every SOAK_CLOSE_EVERY loads. A second Firefox with the limit extension (bench/limit-extension)
 * browses the same pages at the same time, so that what Firefox itself accumulates over the day (its
 * own caches, closed tabs, session history) weighs on both alike.
 *
 * Measured at the start, every SOAK_LOADS / SOAK_POINTS loads, and after the last tabs are closed,
 * each time after SOAK_IDLE_MS with nothing loading:
 *  - the resident memory (VmRSS, /proc/<pid>/status) of Chain Sentry's extension process, the content
 *    process of type "extension" that runs its background (bench/lib/firefox-worker.ts, memory());
 *  - storage.local and storage.session: bytes (getBytesInUse where Firefox has it, and the JSON of
 *    get(null)), keys by prefix;
 *  - the history's events (ui-bg-get-history).
 * At the start and at the end: the page-load ratio Chain Sentry / limit on the benchmark's 20-origin
 * page (bench/lib/sites.ts), SOAK_RATIO_ROUNDS interleaved rounds, as `npm run bench` measures it.
 *
 * Writes bench/soak-results.json (gitignored) and prints a table. SOAK_QUICK=1: a short smoke run.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatRatio, interleavedLoads, loadRatio, Worker } from "./lib/browsers";
import { REPO } from "./lib/blocklist-forms";
import { loadAverage, machine } from "./lib/results";
import { startBenchSites } from "./lib/sites";
import { HOSTS, hostName, RESPONSES_PER_LOAD, startSoakSites } from "./lib/soak-sites";
import { prng, zipf } from "./lib/stats";

if (process.env.CHAIN_SENTRY_SANDBOX !== "1") throw new Error("run bench/soak.ts inside scripts/run-in-sandbox.sh");
const QUICK = process.env.SOAK_QUICK === "1";
const LOADS = Number(process.env.SOAK_LOADS ?? (QUICK ? 200 : 2000));
const LANES = Number(process.env.SOAK_LANES ?? 4);
const CLOSE_EVERY = Number(process.env.SOAK_CLOSE_EVERY ?? (QUICK ? 20 : 40));
const POINTS = Number(process.env.SOAK_POINTS ?? 4);
const RATIO_ROUNDS = Number(process.env.SOAK_RATIO_ROUNDS ?? (QUICK ? 3 : 20));
const IDLE_MS = Number(process.env.SOAK_IDLE_MS ?? 8000);
const SETTLE_MS = 1200;
const SOAK_RESULTS_PATH = fileURLToPath(new URL("./soak-results.json", import.meta.url));
const log = (msg: string) => console.error(`[soak] ${new Date().toISOString().slice(11, 19)} ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const started = Date.now();
const loadAtStart = loadAverage();
const workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-soak-"));
const distCopy = path.join(workDir, "dist");
cpSync(path.join(REPO, "dist"), distCopy, { recursive: true });

const soakSites = await startSoakSites({ dir: workDir });
const benchSites = await startBenchSites({ dir: workDir });
log(`${HOSTS} hosts on port ${soakSites.port}, the 20-origin page on ${benchSites.ports[0]}-${benchSites.ports.at(-1)}`);

/**
 * The day's pages: one in two on a host drawn by a Zipf law (the sites one returns to), the others
 * going round all the hosts; each page also draws on 5 other hosts (bench/lib/soak-sites.ts).
 */
const random = prng(2024);
const popular = zipf(HOSTS, 1, random);
const pages = Array.from({ length: LOADS }, (_, n) => soakSites.pageUrl(n % 2 ? popular() : (n >> 1) % HOSTS, n));

const prefs = {
  // h0.soak.test … resolve to loopback (there is no DNS in the sandbox).
  "network.dns.localDomains": soakSites.hosts.join(","),
  // As a user's browser: the HTTP cache is on (the pages are no-store all the same).
  "browser.cache.disk.enable": true,
  "browser.cache.memory.enable": true,
};
const roots = [soakSites.rootPemPath, benchSites.rootPemPath];
const sentry = new Worker("chain-sentry", distCopy, roots, prefs);
const limit = new Worker("limit", "bench/limit-extension", roots, prefs);
const workers = [sentry, limit];

type Point = { label: string; loads: number; tabsClosed: number; memory: any; storage: any; historyEvents: number; at: string; loadAverage: number[] };
const points: Point[] = [];
const results: Record<string, unknown> = { date: new Date().toISOString(), quick: QUICK, machine: machine() };

try {
  await Promise.all(workers.map((w) => w.ready));
  const settings = (await sentry.call("send", { message: { type: "ui-bg-get-settings" } })) as { effective: { mode: string; historyLimit: number } };
  const { mode, historyLimit } = settings.effective;
  if (mode !== "warn" || !(historyLimit > 0)) throw new Error(`expected warn mode with the history on, got ${JSON.stringify(settings.effective)}`);
  log(`Firefox up: Chain Sentry (${mode} mode, history of ${historyLimit} events) and the limit`);

  const ratio = async (label: string) => {
    log(`page-load ratio (${label}): ${RATIO_ROUNDS} rounds`);
    const { samples, perRound } = await interleavedLoads(workers, (w, n) => benchSites.pageUrl(`${label}-${w.name}-${n}`), {
      rounds: RATIO_ROUNDS,
      loads: 1,
      warmup: 2,
      settleMs: SETTLE_MS,
      seed: label.length,
    });
    const r = loadRatio(samples, perRound, "chain-sentry", "limit");
    log(`  chain-sentry/limit ${formatRatio(r)}`);
    return { ...r, perRoundMs: Object.fromEntries(perRound) };
  };

  let loaded = 0;
  let tabsClosed = 0;
  const measure = async (label: string) => {
    await sleep(IDLE_MS);
    const [memory, storage, history] = await Promise.all([
      sentry.call("memory"),
      sentry.call("storage"),
      sentry.call("send", { message: { type: "ui-bg-get-history" } }) as Promise<{ events: unknown[] }>,
    ]);
    const point = {
      label,
      loads: loaded,
      tabsClosed,
      memory,
      storage,
      historyEvents: history.events.length,
      at: new Date().toISOString(),
      loadAverage: loadAverage(),
    };
    points.push(point);
    log(
      `${label}: ${loaded} loads, ${tabsClosed} tabs closed; extension process ${mib(memory.extension.VmRSS)} MiB; storage.local ${kb(storage.local.jsonBytes)} kB (${storage.local.keys} keys), storage.session ${kb(storage.session.jsonBytes)} kB (${storage.session.keys} keys); history ${point.historyEvents} events`,
    );
  };

  const ratioStart = await ratio("start");
  await measure("start");
  const per = Math.ceil(LOADS / POINTS);
  const browsing: Record<string, { seconds: number; failed: number; errors: string[] }[]> = { "chain-sentry": [], limit: [] };
  for (let from = 0; from < LOADS; from += per) {
    const chunk = pages.slice(from, from + per);
    const done = await Promise.all(workers.map((w) => w.call("browse", { urls: chunk, lanes: LANES, closeEvery: CLOSE_EVERY })));
    done.forEach((d, i) => browsing[workers[i].name].push({ seconds: d.seconds, failed: d.failed, errors: d.errors }));
    if (done.some((d) => d.failed)) log(`failed loads: ${done.map((d, i) => `${workers[i].name} ${d.failed} ${d.errors.join("; ")}`).join(" | ")}`);
    loaded += chunk.length;
    tabsClosed = done[0].tabsClosed;
    log(`${loaded}/${LOADS} loads in ${done[0].seconds.toFixed(0)} s (Chain Sentry's browser), ${tabsClosed} tabs closed`);
    await measure(`after ${loaded} loads`);
  }
  tabsClosed = (await Promise.all(workers.map((w) => w.call("close-lanes"))))[0].tabsClosed;
  await measure("all tabs closed");
  const ratioEnd = await ratio("end");
  const errors = await sentry.call<string[]>("errors");

  Object.assign(results, {
    method: {
      hosts: HOSTS,
      loads: LOADS,
      responsesPerLoad: RESPONSES_PER_LOAD,
      lanes: LANES,
      closeTabEvery: CLOSE_EVERY,
      idleBeforeEachPointMs: IDLE_MS,
      ratioRounds: RATIO_ROUNDS,
      memory: "VmRSS of the content process of type 'extension' (last word of its command line), /proc/<pid>/status",
      storage: "from an extension page: storage.{local,session}.getBytesInUse(null) where Firefox has it; length of JSON.stringify(get(null))",
    },
    mode,
    historyLimit,
    points,
    browsing,
    ratioStart,
    ratioEnd,
    extensionErrors: errors,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    wallSeconds: (Date.now() - started) / 1000,
  });
  writeFileSync(SOAK_RESULTS_PATH, JSON.stringify(results, null, 2) + "\n");
  console.log(table(points, ratioStart, ratioEnd));
  if (errors.length) console.log(`Chain Sentry errors reported by Firefox:\n  ${errors.join("\n  ")}`);
  console.log(
    `\nnpm run soak took ${((Date.now() - started) / 60000).toFixed(1)} min; load average ${loadAtStart.join("/")} → ${loadAverage().join("/")}; ${SOAK_RESULTS_PATH}`,
  );
} finally {
  await Promise.all(workers.map((w) => w.close()));
  await soakSites.close();
  await benchSites.close();
  rmSync(workDir, { recursive: true, force: true });
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}
function kb(bytes: number): string {
  return (bytes / 1000).toFixed(0);
}

function table(ps: Point[], start: ReturnType<typeof loadRatio>, end: ReturnType<typeof loadRatio>): string {
  const rows = ps.map((p) =>
    [
      p.label,
      p.loads,
      p.tabsClosed,
      mib(p.memory.extension.VmRSS),
      mib(p.memory.allRssKiB),
      `${kb(p.storage.local.bytesInUse ?? p.storage.local.jsonBytes)} (${p.storage.local.keys})`,
      `${kb(p.storage.session.bytesInUse ?? p.storage.session.jsonBytes)} (${p.storage.session.keys})`,
      p.historyEvents,
    ].join(" | "),
  );
  const r = (x: ReturnType<typeof loadRatio>) => `${x.pairedMedian.toFixed(3)} (90% CI ${x.pairedCi90[0].toFixed(3)}–${x.pairedCi90[1].toFixed(3)})`;
  return [
    `\n## Soak: ${LOADS} loads over ${HOSTS} hosts (${hostName(0)} …), ${LOADS * RESPONSES_PER_LOAD} responses, ${LANES} tabs at a time`,
    "",
    "| Point | Loads | Tabs closed | Extension process RSS (MiB) | All Firefox RSS (MiB) | storage.local kB (keys) | storage.session kB (keys) | History events |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row} |`),
    "",
    `Page-load ratio Chain Sentry / limit, 20-origin page, per round: start ${r(start)}, end ${r(end)}; end / start ${(end.pairedMedian / start.pairedMedian).toFixed(3)}`,
  ].join("\n");
}
