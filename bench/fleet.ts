/**
 * Fleet simulation: the product's own reporting queue (background/reporting.ts) run in Node as 1,000
 * browsers, each with its own storage area, against one local collector (scripts/test-collector.ts)
 * that fails in the middle of the run, and comes back.
 *
 *   npm run fleet              (FLEET_QUICK=1: a short run; FLEET_BROWSERS=n: another fleet size)
 *
 * Two scenarios: "outage" (the collector's port closed for a minute: connection refused) and
 * "throttled" (the collector answers 429 with Retry-After for a minute). Each browser produces
 * findings as a Poisson process (FLEET_RATE per browser per minute, default 1: a fleet behind an
 * intercepting proxy, a hard day, not a quiet one) during warm-up, fault and recovery; then the
 * fleet drains. Reported: events produced, delivered (distinct ids), lost (produced, never
 * delivered, not counted as dropped by a full queue), duplicates by id, the queues' peak, and
 * requests per second at the collector. Results go to bench/results.json ("fleet") and stdout.
 *
 * Two processes, as in a deployment: this one runs the collector; a child runs the fleet, with
 * NODE_EXTRA_CA_CERTS naming the collector's root so Node's fetch trusts it over 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startCollector, type TestCollector } from "../scripts/test-collector";
import { loadAverage, machine, mergeResults } from "./lib/results";
import { percentile } from "./lib/stats";
import { runFleet, type FleetPlan, type FleetResult } from "./lib/fleet-browsers";

const QUICK = process.env.FLEET_QUICK === "1";
const BROWSERS = Number(process.env.FLEET_BROWSERS ?? 1000);
const RATE_PER_MINUTE = Number(process.env.FLEET_RATE ?? 1);
/** Seconds of warm-up, fault and recovery (findings are produced throughout), then the drain. */
const PHASES = QUICK ? { warm: 10, fault: 15, recovery: 10 } : { warm: 60, fault: 60, recovery: 60 };
const DRAIN_TIMEOUT_S = QUICK ? 120 : 600;
const RETRY_AFTER_S = 10;
const TOKEN = "fleet-simulation-token";
const log = (msg: string) => console.error(`[fleet] ${msg}`);

type Fault = "outage" | "throttled";

interface ScenarioResult {
  scenario: Fault;
  browsers: number;
  phases: typeof PHASES;
  produced: number;
  delivered: number;
  lost: number;
  droppedByQueue: number;
  duplicates: number;
  leftInQueues: number;
  peakQueue: number;
  /** Requests the fleet started; those that never reached the collector; those it answered with an error. */
  attempts: number;
  unreachable: number;
  requests: number;
  refused: number;
  /** In 1-second windows: steady (the warm-up, before the fault), over the whole run, after the fault. */
  requestsPerSecond: { steady: number; mean: number; p95: number; peak: number; recoveryPeak: number };
  /** Seconds from a finding to its first arrival at the collector. */
  latencySeconds: { p50: number; p99: number; max: number };
  eventsPerRequest: { mean: number; max: number };
  meanRequestBytes: number;
  /** Seconds from the fault's end to the last event delivered. */
  drainSeconds: number;
  wallSeconds: number;
}

if (process.env.FLEET_ROLE === "fleet") {
  // The child: the fleet itself.
  const plan = JSON.parse(process.env.FLEET_PLAN!) as FleetPlan;
  const result = await runFleet(plan, () => process.stdout.write("ready\n"));
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
  // The Reporters' timers would keep the process alive.
  process.exit(0);
} else {
  const results: ScenarioResult[] = [];
  for (const scenario of ["outage", "throttled"] as const) results.push(await runScenario(scenario));
  printTable(results);
  mergeResults("fleet", { machine: machine(), loadAverage: loadAverage(), quick: QUICK, rate: RATE_PER_MINUTE, results });
}

async function runScenario(scenario: Fault): Promise<ScenarioResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "chain-sentry-fleet-"));
  const collector = await startCollector({ keepBodies: false, token: TOKEN });
  try {
    const rootPath = path.join(dir, "collector-root.pem");
    writeFileSync(rootPath, collector.rootPem);
    const idsPath = path.join(dir, "produced-ids.txt");
    const plan: FleetPlan = {
      endpoint: collector.url,
      browsers: BROWSERS,
      ratePerMinute: RATE_PER_MINUTE,
      produceSeconds: PHASES.warm + PHASES.fault + PHASES.recovery,
      drainTimeoutSeconds: DRAIN_TIMEOUT_S,
      idsPath,
      token: TOKEN,
      // The product's defaults (batch 100, every 30 s); the quick run at the shortest interval allowed.
      reporting: QUICK ? { intervalSeconds: 5 } : {},
    };
    log(`${scenario}: ${BROWSERS} browsers, ${RATE_PER_MINUTE} finding/min each, phases ${JSON.stringify(PHASES)} s`);
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, FLEET_ROLE: "fleet", FLEET_PLAN: JSON.stringify(plan), NODE_EXTRA_CA_CERTS: rootPath },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready\n")) onReady();
    });
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
    await Promise.race([ready, exited]);

    // The fault, on the collector's side, timed from the moment the fleet starts producing.
    const start = Date.now();
    const faultStart = start + PHASES.warm * 1000;
    const faultEnd = faultStart + PHASES.fault * 1000;
    await sleepUntil(faultStart);
    log(`${scenario}: fault on`);
    if (scenario === "outage") await collector.stop();
    else collector.failWith({ status: 429, retryAfter: RETRY_AFTER_S });
    await sleepUntil(faultEnd);
    if (scenario === "outage") await collector.start();
    else collector.failWith(null);
    log(`${scenario}: fault off`);

    const code = await exited;
    const line = output.split("\n").find((l) => l.startsWith("result "));
    if (code !== 0 || !line) throw new Error(`the fleet process failed (exit ${code})`);
    const fleet = JSON.parse(line.slice("result ".length)) as FleetResult;
    return summarize(scenario, collector, fleet, readFileSync(idsPath, "utf8").split("\n").filter(Boolean), { start, faultEnd });
  } finally {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(
  scenario: Fault,
  collector: TestCollector,
  fleet: FleetResult,
  producedIds: string[],
  t: { start: number; faultEnd: number },
): ScenarioResult {
  const counts = collector.counts();
  const delivered = new Set(collector.idCounts().keys());
  // Only findings count as produced; "dropped" events are the queue's own and are delivered on top.
  const lost = producedIds.filter((id) => !delivered.has(id)).length;
  const posts = collector.requests().filter((r) => r.method === "POST");
  const accepted = posts.filter((r) => r.status >= 200 && r.status < 300);
  // Requests per second, in one-second windows from the first request to the last.
  const perSecond = new Map<number, number>();
  for (const r of posts) perSecond.set(Math.floor((r.time - t.start) / 1000), (perSecond.get(Math.floor((r.time - t.start) / 1000)) ?? 0) + 1);
  const last = Math.max(0, ...perSecond.keys());
  const windows = Array.from({ length: last + 1 }, (_, i) => perSecond.get(i) ?? 0);
  const recoveryFrom = Math.floor((t.faultEnd - t.start) / 1000);
  const lastDelivery = Math.max(0, ...accepted.map((r) => r.time));
  const eventsPer = accepted.map((r) => r.events.length);
  const latencies = collector.events().flatMap((e) => (e.facts.time === null ? [] : [(e.time - e.facts.time) / 1000]));
  return {
    scenario,
    browsers: BROWSERS,
    phases: PHASES,
    produced: producedIds.length,
    delivered: producedIds.length - lost,
    lost: lost - fleet.droppedByQueue,
    droppedByQueue: fleet.droppedByQueue,
    duplicates: counts.duplicates,
    leftInQueues: fleet.leftInQueues,
    peakQueue: fleet.peakQueue,
    attempts: fleet.attempts,
    unreachable: fleet.unreachable,
    requests: posts.length,
    refused: counts.rejected,
    requestsPerSecond: {
      steady: round(windows.slice(0, PHASES.warm).reduce((n, x) => n + x, 0) / PHASES.warm),
      mean: round(posts.length / Math.max(1, windows.length)),
      p95: round(percentile(windows, 95)),
      peak: Math.max(0, ...windows),
      recoveryPeak: Math.max(0, ...windows.slice(recoveryFrom)),
    },
    latencySeconds: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(Math.max(0, ...latencies)),
    },
    eventsPerRequest: { mean: round(counts.eventsReceived / Math.max(1, accepted.length)), max: Math.max(0, ...eventsPer) },
    meanRequestBytes: Math.round(accepted.reduce((n, r) => n + r.bytes, 0) / Math.max(1, accepted.length)),
    drainSeconds: round((lastDelivery - t.faultEnd) / 1000),
    wallSeconds: round((Date.now() - t.start) / 1000),
  };
}

function printTable(results: ScenarioResult[]): void {
  const rows: [string, (r: ScenarioResult) => string | number][] = [
    ["Browsers", (r) => r.browsers],
    ["Findings produced", (r) => r.produced],
    ["Delivered (distinct ids)", (r) => r.delivered],
    ["Lost", (r) => r.lost],
    ["Dropped by a full queue", (r) => r.droppedByQueue],
    ["Duplicates by id", (r) => r.duplicates],
    ["Left in queues at the end", (r) => r.leftInQueues],
    ["Largest queue (events)", (r) => r.peakQueue],
    ["Requests sent (connection refused)", (r) => `${r.attempts} (${r.unreachable})`],
    ["Requests at the collector (answered 429/5xx)", (r) => `${r.requests} (${r.refused})`],
    ["Requests/s before the fault (steady)", (r) => r.requestsPerSecond.steady],
    ["Requests/s, whole run: mean / p95 / peak", (r) => `${r.requestsPerSecond.mean} / ${r.requestsPerSecond.p95} / ${r.requestsPerSecond.peak}`],
    ["Requests/s: peak after the fault", (r) => r.requestsPerSecond.recoveryPeak],
    ["Events per accepted request: mean / max", (r) => `${r.eventsPerRequest.mean} / ${r.eventsPerRequest.max}`],
    ["Mean request body (bytes)", (r) => r.meanRequestBytes],
    ["Finding → collector (s): p50 / p99 / max", (r) => `${r.latencySeconds.p50} / ${r.latencySeconds.p99} / ${r.latencySeconds.max}`],
    ["Fault end → last delivery (s)", (r) => r.drainSeconds],
  ];
  console.log(`| | ${results.map((r) => r.scenario).join(" | ")} |`);
  console.log(`|---|${results.map(() => "---").join("|")}|`);
  for (const [label, value] of rows) console.log(`| ${label} | ${results.map(value).join(" | ")} |`);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function sleepUntil(t: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));
}
