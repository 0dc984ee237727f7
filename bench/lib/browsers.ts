/**
 * The benchmarks' browsers: Firefoxes driven by worker processes (bench/lib/firefox-worker.ts) over
 * Node IPC, and the two forms of the page-load comparison: one Firefox per configuration, used in
 * turn (interleavedLoads), or one Firefox whose extension is swapped per configuration (swappedLoads).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { REPO } from "./blocklist-forms";
import { median, pairedRatio, prng, ratioOfMedians, roundsFor, shuffle } from "./stats";

export class Worker {
  #next = 0;
  #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<{ extensionId: string; pid: number }>;
  readonly child: ChildProcess;

  /** `dir`: the extension to install; `rootPems`: roots Firefox trusts by policy; `prefs`: extra prefs. */
  constructor(
    readonly name: string,
    dir: string,
    rootPems: string[],
    prefs: Record<string, unknown> = {},
  ) {
    // A private mount namespace per Firefox (see bench/lib/firefox-worker.ts), same network namespace.
    this.child = spawn(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "--",
        process.execPath,
        "--import",
        "tsx",
        path.join(REPO, "bench/lib/firefox-worker.ts"),
        dir,
        rootPems.join(","),
        JSON.stringify(prefs),
      ],
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

  async close(): Promise<void> {
    await this.call("close").catch(() => this.child.kill());
  }
}

export type Load = {
  allLoadedMs: number;
  loadEventMs: number;
  resources: number;
  protocols: string[];
  failed: number;
  left: number;
  /** CPU of the whole browser over the load and the idle time after it; and by process. */
  cpuMs: number;
  cpuByProcessMs: Record<string, number>;
};

/** Throws unless every subresource of the load arrived. */
function checked(name: string, r: Load): Load {
  if (r.left !== 0 || r.failed !== 0 || r.allLoadedMs === null) throw new Error(`${name}: ${r.left} subresources never loaded, ${r.failed} failed`);
  return r;
}

let loadCounter = 0;

/**
 * The page-load comparison: `warmup` loads per browser, then `rounds` rounds; each round visits the
 * browsers in a shuffled order, `loads` loads each (a fresh tab per load, then `settleMs` idle so what
 * an extension deferred ends before the next load in any browser). `url(worker, n)` must give a URL
 * unique to the load. Returns every load and each browser's median per round.
 */
export async function interleavedLoads(
  workers: Worker[],
  url: (w: Worker, n: number) => string,
  o: { rounds: number; loads: number; warmup: number; settleMs: number; seed?: number; log?: (msg: string) => void },
): Promise<{ samples: Map<string, Load[]>; perRound: Map<string, number[]> }> {
  const loadOnce = async (w: Worker): Promise<Load> => checked(w.name, await w.call<Load>("load", { url: url(w, ++loadCounter), settleMs: o.settleMs }));
  for (const w of workers) for (let i = 0; i < o.warmup; i++) await loadOnce(w);
  const samples = new Map<string, Load[]>(workers.map((w) => [w.name, []]));
  const perRound = new Map<string, number[]>(workers.map((w) => [w.name, []]));
  const random = prng(o.seed ?? 7);
  for (let round = 0; round < o.rounds; round++) {
    for (const w of shuffle([...workers], random)) {
      const times: number[] = [];
      for (let i = 0; i < o.loads; i++) {
        const r = await loadOnce(w);
        samples.get(w.name)!.push(r);
        times.push(r.allLoadedMs);
      }
      perRound.get(w.name)!.push(median(times));
    }
    o.log?.(`round ${round + 1}/${o.rounds}: ${workers.map((w) => `${w.name} ${Math.round(perRound.get(w.name)!.at(-1)!)} ms`).join(", ")}`);
  }
  return { samples, perRound };
}

/** A configuration of the one-Firefox comparison: the extension installed for it (none: the base one alone). */
export interface SwapConfig {
  name: string;
  /** Absolute path of the unpacked extension, or null for the browser's base extension alone. */
  dir: string | null;
}

/**
 * The page-load comparison in one Firefox, which removes what two Firefox instances differ by of
 * their own (profile, process layout, when the machine's other work hits them: 15 % between two
 * copies of one build, BENCHMARKS.md). Each round visits the configurations in a shuffled order;
 * for each, its extension is installed beside the browser's base one, `warm` loads run uncounted
 * (the first pays the extension's start and empty caches: kept as `cold`), then `loads` counted
 * loads `gapMs` apart (what an extension deferred from one load weighs on its next, as in use), then
 * the browser idles `settleMs` and the extension is uninstalled. `check(config)` runs once per
 * configuration, after its first warm loads, to prove its extension was at work.
 */
export async function swappedLoads(
  worker: Worker,
  configs: SwapConfig[],
  url: (config: SwapConfig, n: number) => string,
  o: {
    rounds: number;
    loads: number;
    warm: number;
    gapMs: number;
    settleMs: number;
    seed?: number;
    /**
     * A fresh Firefox after this many rounds (0: never): one Firefox slows down over hundreds of loads
     * (its parent process grew to 3 GB and its loads took 3.5 times as long after 420 loads).
     */
    restartEvery?: number;
    log?: (msg: string) => void;
    check?: (config: SwapConfig) => Promise<void>;
    /** Run in each counted turn after its uncounted loads, and at its end before the uninstall. */
    beforeCounted?: (config: SwapConfig) => Promise<void>;
    afterTurn?: (config: SwapConfig) => Promise<void>;
  },
): Promise<{ samples: Map<string, Load[]>; perRound: Map<string, number[]>; cold: Map<string, Load[]> }> {
  const samples = new Map<string, Load[]>(configs.map((c) => [c.name, []]));
  const cold = new Map<string, Load[]>(configs.map((c) => [c.name, []]));
  const perRound = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  const checkedConfigs = new Set<string>();
  const loadOnce = async (c: SwapConfig) => checked(c.name, await worker.call<Load>("load", { url: url(c, ++loadCounter), settleMs: o.gapMs }));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** One configuration's turn; `counted` false for the warm-up round. */
  async function turn(c: SwapConfig, counted: boolean): Promise<number[]> {
    const extensionId = c.dir ? await worker.call<string>("install", { dir: c.dir }) : null;
    try {
      for (let i = 0; i < o.warm; i++) {
        const r = await loadOnce(c);
        if (counted) cold.get(c.name)!.push(r);
      }
      if (!checkedConfigs.has(c.name)) {
        await o.check?.(c);
        checkedConfigs.add(c.name);
      }
      const times: number[] = [];
      if (counted) await o.beforeCounted?.(c);
      for (let i = 0; counted && i < o.loads; i++) {
        const r = await loadOnce(c);
        samples.get(c.name)!.push(r);
        times.push(r.allLoadedMs);
      }
      await sleep(Math.max(0, o.settleMs - o.gapMs));
      if (counted) await o.afterTurn?.(c);
      return times;
    } finally {
      if (extensionId) await worker.call("uninstall", { extensionId });
    }
  }
  const random = prng(o.seed ?? 7);
  for (const c of configs) await turn(c, false);
  for (let round = 0; round < o.rounds; round++) {
    if (round > 0 && o.restartEvery && round % o.restartEvery === 0) {
      await worker.call("restart", {});
      o.log?.(`a fresh Firefox after round ${round}`);
      // A browser's first loads are slower than the rest: a warm-up turn each again.
      for (const c of configs) await turn(c, false);
    }
    for (const c of shuffle([...configs], random)) perRound.get(c.name)!.push(median(await turn(c, true)));
    o.log?.(`round ${round + 1}/${o.rounds}: ${configs.map((c) => `${c.name} ${Math.round(perRound.get(c.name)!.at(-1)!)} ms`).join(", ")}`);
  }
  return { samples, perRound, cold };
}

/**
 * Page-load ratio of browser a to browser b: the median of the per-round ratios with bootstrap
 * intervals over rounds (the rounds share the machine's state), and the ratio of the medians of all
 * loads with its bootstrap interval; with the rounds a 90 % interval of ±0.035 would need.
 */
export function loadRatio(samples: Map<string, Load[]>, perRound: Map<string, number[]>, a: string, b: string) {
  const xs = samples.get(a)!.map((l) => l.allLoadedMs);
  const ys = samples.get(b)!.map((l) => l.allLoadedMs);
  const paired = pairedRatio(perRound.get(a)!, perRound.get(b)!);
  const half90 = (paired.ci90[1] - paired.ci90[0]) / 2;
  return {
    ...ratioOfMedians(xs, ys),
    pairedMedian: paired.median,
    pairedIqr: paired.iqr,
    pairedCi90: paired.ci90,
    pairedCi95: paired.ci95,
    rounds: paired.rounds,
    // Enough to tell 1.03 from 1.10.
    roundsForHalfWidth0035: roundsFor(0.035, half90, paired.rounds),
  };
}

export type LoadRatio = ReturnType<typeof loadRatio>;

export const formatRatio = (r: LoadRatio) =>
  `per round ${r.pairedMedian.toFixed(3)} (90% CI ${r.pairedCi90[0].toFixed(3)}–${r.pairedCi90[1].toFixed(3)}, IQR ${r.pairedIqr[0].toFixed(3)}–${r.pairedIqr[1].toFixed(3)}); of medians ${r.ratio.toFixed(3)} (95% CI ${r.lo.toFixed(3)}–${r.hi.toFixed(3)})`;
