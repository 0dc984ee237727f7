/**
 * The fleet side of bench/fleet.ts: N browsers, each the product's Reporter (background/reporting.ts)
 * over its own in-memory storage area and alarms, sending with Node's fetch. Each browser produces
 * findings as a Poisson process; the ids of every finding produced are written to `idsPath` so the
 * collector's side can tell delivered from lost.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Problems } from "../../background/problems";
import { Reporter } from "../../background/reporting";
import { validatePolicy } from "../../src/policy";
import { droppedEvent } from "../../src/reporting/events";
import type { ReportEvent } from "../../src/reporting/model";
import { fakeStorageArea } from "../../test/unit/support/fakeStorage";
import { prng } from "./stats";

export interface FleetPlan {
  endpoint: string;
  browsers: number;
  ratePerMinute: number;
  produceSeconds: number;
  drainTimeoutSeconds: number;
  idsPath: string;
  token: string;
  /** Policy fields on top of endpoint, format and token (batchSize, intervalSeconds…). */
  reporting: Record<string, unknown>;
}

export interface FleetResult {
  produced: number;
  /** Requests the fleet started, those that never reached the collector (connection refused) included. */
  attempts: number;
  unreachable: number;
  droppedByQueue: number;
  leftInQueues: number;
  peakQueue: number;
}

/** One simulated browser: what the simulation needs of the Reporter. */
interface SimulatedBrowser {
  add(event: ReportEvent): void;
  queueLength(): number;
  dropped(): number;
  stop(): void;
}

const TICK_MS = 100;
let attempts = 0;
let unreachable = 0;

/** Node's fetch, counting what the collector cannot count: the attempts that never reached it. */
const countingFetch: typeof fetch = async (input, init) => {
  attempts++;
  try {
    return await fetch(input, init);
  } catch (error) {
    unreachable++;
    throw error;
  }
};

export async function runFleet(plan: FleetPlan, onReady: () => void): Promise<FleetResult> {
  const random = prng(20261202);
  const browsers: SimulatedBrowser[] = [];
  for (let i = 0; i < plan.browsers; i++) browsers.push(await makeBrowser(plan));
  const produced: string[] = [];
  let peakQueue = 0;
  const sample = () => {
    for (const b of browsers) peakQueue = Math.max(peakQueue, b.queueLength());
  };

  onReady();
  const end = Date.now() + plan.produceSeconds * 1000;
  // Poisson arrivals, one Bernoulli draw per browser per tick (rate × tick ≪ 1).
  const p = (plan.ratePerMinute / 60_000) * TICK_MS;
  while (Date.now() < end) {
    for (let i = 0; i < browsers.length; i++) {
      if (random() < p) {
        const event = finding(i, random);
        produced.push(event.id);
        browsers[i].add(event);
      }
    }
    sample();
    await sleep(TICK_MS);
  }
  const drainEnd = Date.now() + plan.drainTimeoutSeconds * 1000;
  while (Date.now() < drainEnd && browsers.some((b) => b.queueLength() > 0)) {
    sample();
    await sleep(500);
  }
  writeFileSync(plan.idsPath, produced.join("\n"));
  const result = {
    produced: produced.length,
    attempts,
    unreachable,
    droppedByQueue: browsers.reduce((n, b) => n + b.dropped(), 0),
    leftInQueues: browsers.reduce((n, b) => n + b.queueLength(), 0),
    peakQueue,
  };
  for (const b of browsers) b.stop();
  return result;
}

const HOSTS = ["intranet.example.com", "mail.example.org", "vpn.example.net", "wiki.example.com", "git.example.org"];

/** A finding as a browser behind an intercepting proxy reports it: a non-built-in root on a common site. */
function finding(browser: number, random: () => number): ReportEvent {
  const host = HOSTS[Math.floor(random() * HOSTS.length)];
  const sha256 = Array.from({ length: 32 }, () =>
    Math.floor(random() * 256)
      .toString(16)
      .padStart(2, "0"),
  ).join("");
  return {
    id: randomUUID(),
    time: Date.now(),
    kind: "finding",
    level: "warning",
    ruleId: "non-built-in-root",
    title: "The chain ends at a root Firefox does not ship",
    url: `https://${host}`,
    serverAddress: host,
    certificate: {
      sha256,
      subject: "CN=Corp Proxy Root,O=Example Corp",
      issuer: "CN=Corp Proxy Root,O=Example Corp",
      notAfter: Date.now() + 365 * 86_400_000,
      role: "root",
    },
    tls: { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256" },
    stopped: false,
    blocklistVersion: "2026-11-24",
    extensionVersion: "0.1.0",
    browserVersion: "153.7.0",
    deviceLabel: `laptop-${String(browser).padStart(4, "0")}`,
  };
}

/**
 * A browser: the Reporter over its own storage area, alarms that wake it as Firefox's would (a timer
 * here), and Node's fetch. The configuration goes through the policy validator, as in Firefox.
 */
async function makeBrowser(plan: FleetPlan): Promise<SimulatedBrowser> {
  const policy = validatePolicy({ reporting: { endpoint: plan.endpoint, format: "otlp", token: plan.token, ...plan.reporting } });
  const config = policy.values.reporting;
  if (!config || policy.errors.length) throw new Error(`the fleet's policy is not valid: ${policy.errors.join("; ")}`);
  const alarms = new Map<string, ReturnType<typeof setTimeout>>();
  const reporter: Reporter = new Reporter({
    storage: fakeStorageArea(),
    fetch: countingFetch,
    alarms: {
      create(name, { when }) {
        clearTimeout(alarms.get(name));
        alarms.set(
          name,
          setTimeout(() => reporter.onAlarm(), Math.max(0, when - Date.now())),
        );
      },
      async clear(name) {
        clearTimeout(alarms.get(name));
        return alarms.delete(name);
      },
    },
    problems: new Problems({ warn: () => {} }),
    dropped: (count, time, c) =>
      droppedEvent(count, { time, extensionVersion: "0.1.0", browserVersion: "153.7.0", blocklistVersion: "2026-11-24" }, c, randomUUID),
  });
  reporter.configure(config);
  await reporter.restore();
  return {
    add: (event) => reporter.enqueue([event]),
    queueLength: () => reporter.status()?.queued ?? 0,
    dropped: () => reporter.status()?.dropped ?? 0,
    stop() {
      for (const timer of alarms.values()) clearTimeout(timer);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
