/**
 * The recording's own cost, in Node (not part of `npm run bench`): what background/index.ts does
 * with a response once the listener has returned (TabStore.record, then History.record for a chain
 * with findings or History.checkChain for one without), on the Firefox benchmark's page: 20 origins, each with its own intermediate under
 * one root that is not built in (so every chain has findings), 200 subresources.
 *
 *   node --expose-gc --import tsx bench/record.ts [DIR ...]
 *
 * Each DIR is a checkout whose background/tabStore.ts and background/history.ts are measured
 * (default: this one), e.g. main's sources beside this one's for a before/after:
 *   git archive main | tar -x -C /tmp/main-src && node --expose-gc --import tsx bench/record.ts /tmp/main-src .
 * The chains, verdicts and fake storage areas come from this checkout for every DIR.
 *
 *  1. Repeated responses: a tab that has seen every origin once, then 200,000 responses cycling
 *     through the page's 200 URLs (every chain already recorded for its origin), run synchronously.
 *     Per response: mean and per-batch p50/p99 (batches of 1,000), and V8 garbage collections per
 *     100,000 responses (what the recording allocates shows up as minor GCs).
 *  2. Page loads with real timers, as the Firefox benchmark makes them: a fresh tab, 200 responses
 *     over about a second, the tab closed, 1.2 s left alone. What storage.session and
 *     storage.local receive per page: set() calls, bytes (JSON length), keys; the tab-state message
 *     the popup would get for the page.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { issue } from "../scripts/pki";
import { ChainAnalyzer } from "../src/analyzer";
import type { CompiledIndex } from "../src/blocklist";
import { bytesToBase64 } from "../src/encoding";
import type { SecurityInfo } from "../src/securityInfo";
import { securityInfoFromDer } from "../src/securityInfoFromDer";
import type { Verdict } from "../src/verdict";
import { fakeStorageArea } from "../test/unit/support/fakeStorage";
import { median, percentile } from "./lib/stats";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const ORIGINS = 20;
const PER_ORIGIN = 10;
const REPEATS = 200_000;
const BATCH = 1000;
const PAGES = 8;
const WARMUP_PAGES = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// -- The page: one root, 20 origins with their own intermediate and leaf -------------------------
const index: CompiledIndex = JSON.parse(readFileSync(path.join(REPO, "data/blocklist.json"), "utf8"));
const analyzer = new ChainAnalyzer(index);
const root = await issue({ subject: "CN=Chain Sentry Bench Root,O=Chain Sentry Bench" });
interface Origin {
  info: SecurityInfo;
  verdict: Verdict;
  der: string[];
  urls: string[];
}
const origins: Origin[] = [];
for (let i = 0; i < ORIGINS; i++) {
  const inter = await issue({ subject: `CN=Bench Origin CA ${i},O=Chain Sentry Bench`, issuer: root, ca: true });
  const leaf = await issue({ subject: "CN=localhost", issuer: inter, hosts: ["localhost"] });
  const info = await securityInfoFromDer([leaf.der, inter.der, root.der], { builtInRoot: false });
  const der = info.certificates.map((c) => bytesToBase64(c.rawDER!));
  // Firefox sends rawDER only when asked; the verdict is the analyzer's cached object for the chain.
  const verdict = analyzer.analyze(info);
  const bare = { ...info, certificates: info.certificates.map(({ rawDER: _, ...c }) => c) };
  const o = `https://localhost:${9443 + i}`;
  origins.push({ info: bare, verdict, der, urls: Array.from({ length: PER_ORIGIN }, (_, j) => `${o}/img.svg?n=load&o=${i}&i=${j}`) });
}
const pageUrl = `https://localhost:9443/page?n=load`;
/** The page's 200 subresources, in the order the page lists them. */
const page = origins.flatMap((o) => o.urls.map((url) => ({ url, o })));
console.log(`Chains: ${ORIGINS} origins, findings per chain: ${origins[0].verdict.findings.map((f) => f.ruleId).join(", ")}`);

// -- The code measured ------------------------------------------------------------------------------
type Storage = ReturnType<typeof fakeStorageArea>;
interface Writes {
  sets: number;
  removes: number;
  bytes: number;
  keys: number;
}

function counted(storage: Storage, writes: Writes): Storage {
  const { set, remove } = storage;
  storage.set = (items) => {
    writes.sets++;
    writes.keys += Object.keys(items).length;
    writes.bytes += JSON.stringify(items).length;
    return set(items);
  };
  storage.remove = (keys) => {
    writes.removes++;
    return remove(keys);
  };
  return storage;
}

async function load(dir: string) {
  const from = (file: string) => import(pathToFileURL(path.resolve(dir, file)).href);
  const [{ TabStore, urlParts }, { History }, { Problems }] = await Promise.all([
    from("background/tabStore.ts"),
    from("background/history.ts"),
    from("background/problems.ts"),
  ]);
  const session: Writes = { sets: 0, removes: 0, bytes: 0, keys: 0 };
  const local: Writes = { sets: 0, removes: 0, bytes: 0, keys: 0 };
  const problems = new Problems({ warn: () => undefined });
  const tabs = new TabStore(counted(fakeStorageArea(), session), () => undefined, problems);
  const history = new History(counted(fakeStorageArea(), local), 10_000, problems);
  await history.restore();
  /** What background/index.ts's onResponse does with the tab's state and the history (this DIR's version of it). */
  const onResponse = (tabId: number, url: string, topLevel: boolean, o: Origin, time: number) => {
    if (topLevel) history.resetTab(tabId);
    const where = urlParts?.(url);
    tabs.record({ tabId, url, origin: where?.origin, topLevel, info: o.info, verdict: o.verdict, der: o.der, blocked: false, time });
    const page = tabs.get(tabId)?.url ?? url;
    if (o.verdict.findings.length) history.record(tabId, page, url, o.verdict, time, where);
    else history.checkChain?.(page, url, o.verdict, time, where);
  };
  const tabState = (tabId: number) => (tabs.view ?? tabs.get).call(tabs, tabId);
  return { tabs, history, onResponse, tabState, session, local };
}

async function measure(dir: string) {
  const label = path.relative(process.cwd(), path.resolve(dir)) || ".";

  // 1. Repeated responses, synchronously.
  const repeated = await load(dir);
  const tabId = 1;
  repeated.onResponse(tabId, pageUrl, true, origins[0], Date.now());
  for (const { url, o } of page) repeated.onResponse(tabId, url, false, o, Date.now());
  for (let i = 0; i < 20_000; i++) repeated.onResponse(tabId, page[i % page.length].url, false, page[i % page.length].o, Date.now()); // warm-up
  await sleep(50);
  global.gc?.();
  const gcs: number[] = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries().map((e) => e.startTime)));
  observer.observe({ entryTypes: ["gc"] });
  const batches: number[] = [];
  const t0 = performance.now();
  for (let b = 0; b < REPEATS / BATCH; b++) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) {
      const { url, o } = page[(b * BATCH + i) % page.length];
      repeated.onResponse(tabId, url, false, o, Date.now());
    }
    batches.push((performance.now() - start) / BATCH);
  }
  const t1 = performance.now();
  await sleep(100);
  observer.disconnect();
  const gcsIn = gcs.filter((t) => t >= t0 && t <= t1).length;
  const state = repeated.tabState(tabId);
  const counters = state.origins.map((g: { chains: { requests: number }[] }) => g.chains[0].requests);
  if (counters.some((n: number) => n < REPEATS / ORIGINS)) throw new Error(`${label}: the responses were not counted: ${counters}`);

  // 2. Page loads with real timers.
  const pages = await load(dir);
  const perPage: { session: Writes; local: Writes; stateBytes: number }[] = [];
  for (let p = 0; p < PAGES; p++) {
    const before = { session: { ...pages.session }, local: { ...pages.local } };
    const tab = 100 + p;
    pages.onResponse(tab, `${pageUrl}${p}`, true, origins[0], Date.now());
    for (let i = 0; i < page.length; i++) {
      pages.onResponse(tab, page[i].url, false, page[i].o, Date.now());
      if (i % 10 === 9) await sleep(50);
    }
    const stateBytes = JSON.stringify(pages.tabState(tab)).length;
    await sleep(100);
    pages.tabs.remove(tab);
    pages.history.resetTab(tab);
    await sleep(1200);
    const diff = (a: Writes, b: Writes): Writes => ({ sets: a.sets - b.sets, removes: a.removes - b.removes, bytes: a.bytes - b.bytes, keys: a.keys - b.keys });
    if (p >= WARMUP_PAGES) perPage.push({ session: diff(pages.session, before.session), local: diff(pages.local, before.local), stateBytes });
  }
  const med = (f: (x: (typeof perPage)[number]) => number) => median(perPage.map(f));
  return {
    label,
    repeated: {
      meanUs: ((t1 - t0) * 1000) / REPEATS,
      p50Us: percentile(batches, 50) * 1000,
      p99Us: percentile(batches, 99) * 1000,
      gcsPer100k: (gcsIn * 100_000) / REPEATS,
    },
    perPage: {
      session: {
        sets: med((x) => x.session.sets),
        removes: med((x) => x.session.removes),
        keys: med((x) => x.session.keys),
        kb: med((x) => x.session.bytes) / 1024,
      },
      local: { sets: med((x) => x.local.sets), keys: med((x) => x.local.keys), kb: med((x) => x.local.bytes) / 1024 },
      tabStateKb: med((x) => x.stateBytes) / 1024,
    },
  };
}

const dirs = process.argv.slice(2);
const results = [];
for (const dir of dirs.length ? dirs : ["."]) results.push(await measure(dir));
console.log("\nRecording per response (TabStore.record and the history; the chain already recorded for its origin):");
for (const r of results) {
  const x = r.repeated;
  console.log(
    `  ${r.label.padEnd(28)} mean ${x.meanUs.toFixed(2)} µs, p50 ${x.p50Us.toFixed(2)} µs, p99 ${x.p99Us.toFixed(2)} µs (batches of ${BATCH}); ${x.gcsPer100k.toFixed(1)} GCs per 100,000 responses`,
  );
}
console.log(`\nPer page load (median of ${PAGES - WARMUP_PAGES}; fresh tab, 200 responses over ~1 s, closed, 1.2 s settle):`);
for (const r of results) {
  const { session, local, tabStateKb } = r.perPage;
  console.log(
    `  ${r.label.padEnd(28)} storage.session: ${session.sets} set() (${session.keys} keys, ${session.kb.toFixed(1)} KB), ${session.removes} remove(); ` +
      `storage.local: ${local.sets} set() (${local.keys} keys, ${local.kb.toFixed(1)} KB); tab-state message ${tabStateKb.toFixed(1)} KB`,
  );
}
