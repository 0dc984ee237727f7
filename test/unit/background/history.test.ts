import { BATCH_MS, CHUNK_SIZE, History, MAX_HOSTS } from "../../../background/history";
import { caChainKey, chainChangedTitle, isChainSummary, summarizeChain } from "../../../src/chainDiff";
import { createMessageHandler, type MessageDeps } from "../../../background/messages";
import { Problems } from "../../../background/problems";
import { applySettingsInput, buildSettingsView, validatePolicy } from "../../../src/policy";
import { HISTORY_KEPT_BY_POLICY, MAX_HISTORY_LIMIT } from "../../../src/protocol";
import type { HistoryEvent } from "../../../src/protocol";
import { parseList } from "../../../src/settings";
import type { Verdict } from "../../../src/verdict";
import { fakeStorageArea } from "../support/fakeStorage";

// The real summaries and keys, counted: recording the chain last seen again must build neither.
jest.mock("../../../src/chainDiff", () => {
  const actual = jest.requireActual<typeof import("../../../src/chainDiff")>("../../../src/chainDiff");
  return { ...actual, summarizeChain: jest.fn(actual.summarizeChain), caChainKey: jest.fn(actual.caChainKey) };
});
import { analyzer, makePki, securityInfo } from "../support/chains";

/** A chain with two findings (dynamic intermediate, non-built-in root), so each page logs two events. */
let verdict: Verdict;
beforeAll(async () => {
  verdict = analyzer().analyze(await securityInfo(await makePki()));
});

const quiet = () => new Problems({ warn: () => undefined });

async function opened(storage = fakeStorageArea(), limit = 100_000) {
  const problems = quiet();
  const history = new History(storage, limit, problems);
  await history.restore();
  return { history, problems, storage };
}

/** `pages` page loads on distinct hosts, each logging the verdict's findings. */
function visit(history: History, pages: number, time = 1000, from = 0): void {
  for (let i = from; i < from + pages; i++) history.record(i, `https://p${i}.test/`, `https://p${i}.test/`, verdict, time);
}

/** Storage whose get, set or remove fails while its flag is set, as a full or broken profile does. */
function breakableStorage(initial: Record<string, unknown> = {}) {
  const storage = fakeStorageArea(initial);
  const fail = { get: false, set: false, remove: false };
  const { get, set, remove } = storage;
  const broken = (what: string) => Promise.reject(new Error(`${what}: disk full`));
  storage.get = (keys) => (fail.get ? broken("get") : get(keys));
  storage.set = (items) => (fail.set ? broken("set") : set(items));
  storage.remove = (keys) => (fail.remove ? broken("remove") : remove(keys));
  return { storage, fail };
}

/** Every event in storage's chunk keys, in key order: equal to the history only if no stale chunk is left. */
function storedEvents(data: Record<string, unknown>): HistoryEvent[] {
  const chunks = Object.keys(data)
    .filter((k) => /^history:\d+$/.test(k))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  return chunks.flatMap((k) => data[k] as HistoryEvent[]);
}

const ids = (events: HistoryEvent[]) => events.map((e) => e.id);
const withoutIds = (events: HistoryEvent[]) => events.map(({ id: _id, ...rest }) => rest);
const historyProblem = (text: string | RegExp) => expect.objectContaining({ area: "history", message: expect.stringMatching(text) });

test("findings are logged once per page load, persisted, and bounded with the oldest dropped first", async () => {
  const { history, storage: local } = await opened(fakeStorageArea(), 3);
  history.record(1, "https://a.test/", "https://a.test/", verdict, 100);
  history.record(1, "https://a.test/", "https://a.test/x.js", verdict, 101);
  expect(history.events().map((e) => e.ruleId)).toEqual(["dynamic-intermediate", "non-built-in-root"]);
  history.resetTab(1);
  history.record(1, "https://b.test/", "https://b.test/", analyzer().analyze(await securityInfo(await makePki())), 200);
  expect(history.events()).toHaveLength(3);
  expect(history.events()[0]).toMatchObject({ ruleId: "non-built-in-root", pageUrl: "https://a.test/" });
  await history.flush();

  const { history: reopened } = await opened(local, 3);
  expect(reopened.events()).toEqual(history.events());
});

test("a change of a host's CA chain is a chain-changed event; a new leaf under the same CA is not", async () => {
  const { history } = await opened();
  const pki = await makePki();
  const a = analyzer();
  const first = a.analyze(await securityInfo(pki, { builtInRoot: true }));
  history.record(1, "https://a.test/", "https://a.test/", first, 1);
  const renewedLeaf = await makePki();
  const sameCa = a.analyze(await securityInfo({ ...pki, leaf: renewedLeaf.leaf }, { builtInRoot: true }));
  history.resetTab(1);
  history.record(1, "https://a.test/", "https://a.test/", sameCa, 2);
  expect(history.events().filter((e) => e.ruleId === "chain-changed")).toEqual([]);

  const otherCa = a.analyze(await securityInfo(renewedLeaf, { builtInRoot: true }));
  history.resetTab(1);
  history.record(1, "https://a.test/", "https://a.test/", otherCa, 3);
  const changed = history.events().filter((e) => e.ruleId === "chain-changed");
  expect(changed).toHaveLength(1);
  expect(changed[0]).toMatchObject({ level: "notice", origin: "https://a.test", sha256: otherCa.chain[1].sha256 });
  expect(changed[0].title).toMatch(/CA chain for a\.test changed/);
});

test("a clean site's chain changing is logged too: checkChain runs for responses without findings", async () => {
  const { history } = await opened();
  const a = analyzer();
  const clean = async () => ({ ...a.analyze(await securityInfo(await makePki(), { builtInRoot: true })), findings: [] });
  const [first, second] = [await clean(), await clean()];
  history.checkChain("https://clean.test/", "https://clean.test/app.js", first, 1);
  history.checkChain("https://clean.test/", "https://clean.test/app.js", first, 2);
  expect(history.events()).toEqual([]);
  history.checkChain("https://clean.test/", "https://clean.test/app.js", second, 3);
  expect(history.events()).toEqual([
    expect.objectContaining({ ruleId: "chain-changed", level: "notice", origin: "https://clean.test", pageUrl: "https://clean.test/", time: 3 }),
  ]);
});

test("a chain-changed event carries the old and the new chain, summarised; the leaf last seen is the old one", async () => {
  const { history, storage } = await opened();
  const pki = await makePki();
  const a = analyzer();
  const first = a.analyze(await securityInfo(pki, { builtInRoot: true }));
  history.record(1, "https://a.test/", "https://a.test/", first, 1);
  // A renewed leaf (lasting longer) under the same CA: remembered, no event.
  const renewed = await makePki({ leaf: { notAfter: new Date(Date.now() + 900 * 86_400_000) } });
  const sameCa = a.analyze(await securityInfo({ ...pki, leaf: renewed.leaf }, { builtInRoot: true }));
  history.record(1, "https://a.test/", "https://a.test/", sameCa, 2);
  // The old leaf again (a second server still presenting it): does not replace the longer-lasting one.
  history.record(1, "https://a.test/", "https://a.test/app.js", first, 3);
  await history.flush();
  expect(storage.data["ca:a.test"]).toEqual(summarizeChain(sameCa.chain));

  const otherCa = a.analyze(await securityInfo(await makePki(), { builtInRoot: false }));
  history.resetTab(1);
  history.record(1, "https://a.test/", "https://a.test/", otherCa, 4);
  const changed = history.events().filter((e) => e.ruleId === "chain-changed");
  expect(changed).toEqual([
    expect.objectContaining({
      title: chainChangedTitle("a.test", summarizeChain(otherCa.chain)),
      change: { before: summarizeChain(sameCa.chain), after: summarizeChain(otherCa.chain) },
    }),
  ]);
  await history.flush();
  expect(storage.data["ca:a.test"]).toEqual(summarizeChain(otherCa.chain));
  const { history: reopened } = await opened(storage);
  expect(reopened.events()).toEqual(history.events());
});

test("the same chain again costs no summary, no key, no list and no write", async () => {
  const { history, storage } = await opened();
  history.record(1, "https://a.test/", "https://a.test/", verdict, 1);
  await history.flush();
  const set = jest.spyOn(storage, "set");
  const summaries = jest.mocked(summarizeChain);
  const keys = jest.mocked(caChainKey);
  summaries.mockClear();
  keys.mockClear();
  const returned = new Set<unknown>();
  for (let i = 0; i < 50; i++) returned.add(history.record(1, "https://a.test/", `https://a.test/${i}.js`, verdict, 2 + i));
  await history.flush();
  expect(set).not.toHaveBeenCalled();
  expect(summaries).not.toHaveBeenCalled();
  expect(keys).not.toHaveBeenCalled();
  // Nothing logged: one shared empty list, not a new one per response.
  expect([...returned]).toEqual([[]]);
  expect(history.events()).toHaveLength(verdict.findings.length);
});

test("a burst of findings (a page load's origins, each in its own task) is one write", async () => {
  jest.useFakeTimers();
  try {
    const { history, storage } = await opened();
    const set = jest.spyOn(storage, "set");
    for (let i = 0; i < 20; i++) {
      history.record(1, "https://page.test/", `https://cdn${i}.test/app.js`, verdict, 1000 + i);
      await jest.advanceTimersByTimeAsync(40);
    }
    expect(set).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(BATCH_MS);
    expect(set).toHaveBeenCalledTimes(1);
    expect(storedEvents(storage.data)).toEqual(history.events());
    expect(history.events()).toHaveLength(20 * verdict.findings.length);
  } finally {
    jest.useRealTimers();
  }
});

test("a blocked finding does not wait for the batch: it is written once the current task ends, with what waited", async () => {
  jest.useFakeTimers();
  try {
    const { history, storage } = await opened();
    const set = jest.spyOn(storage, "set");
    history.record(1, "https://page.test/", "https://cdn.test/app.js", verdict, 1000);
    await jest.advanceTimersByTimeAsync(100);
    expect(set).not.toHaveBeenCalled();
    const a = analyzer();
    const info = await securityInfo(await makePki());
    a.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "user").entries });
    const blocked = a.analyze(info);
    expect(blocked.level).toBe("blocked");
    history.record(1, "https://page.test/", "https://rogue.test/x.js", blocked, 1100);
    await jest.advanceTimersByTimeAsync(0);
    expect(set).toHaveBeenCalledTimes(1);
    expect(storedEvents(storage.data)).toEqual(history.events());
    expect(history.events().map((e) => e.level)).toContain("blocked");
  } finally {
    jest.useRealTimers();
  }
});

test("upgrade: a CA chain stored by the previous version (its key only) is kept; a change has no details of the old chain", async () => {
  const pki = await makePki();
  const old = analyzer().analyze(await securityInfo(pki));
  // What the previous version wrote: the CA chain's SHA-256s joined by "|".
  const legacyKey = old.chain
    .slice(1)
    .map((c) => c.sha256)
    .join("|");
  expect(caChainKey(old.chain)).toBe(legacyKey);
  const storage = fakeStorageArea({ "ca:a.test": legacyKey, "ca:b.test": legacyKey });
  const { history, problems } = await opened(storage);
  expect(problems.list()).toEqual([]);

  // a.test presents the same chain: no event, and its details are remembered from now on.
  history.record(1, "https://a.test/", "https://a.test/", old, 1);
  expect(history.events().filter((e) => e.ruleId === "chain-changed")).toEqual([]);
  await history.flush();
  expect(isChainSummary(storage.data["ca:a.test"])).toBe(true);

  // b.test presents another chain at once: the event has the new chain, and no details of the old.
  const other = analyzer().analyze(await securityInfo(await makePki()));
  history.record(2, "https://b.test/", "https://b.test/", other, 2);
  const [changed] = history.events().filter((e) => e.ruleId === "chain-changed");
  expect(changed.change).toEqual({ before: null, after: summarizeChain(other.chain) });
  await history.flush();
  const { history: reopened, problems: none } = await opened(storage);
  expect(reopened.events()).toEqual(history.events());
  expect(none.list()).toEqual([]);
});

test(`chains are remembered for at most ${MAX_HOSTS} hosts, the least recently seen forgotten first, each summary bounded`, async () => {
  const { history, storage } = await opened();
  const hugeNames = { ...verdict, chain: verdict.chain.map((c) => ({ ...c, subject: `CN=${"x".repeat(50_000)}`, issuer: `CN=${"y".repeat(50_000)}` })) };
  history.record(0, "https://first.test/", "https://first.test/", hugeNames, 1);
  for (let i = 1; i <= MAX_HOSTS + 10; i++) {
    // first.test is seen again in the middle, so it outlives hosts first seen after it.
    const host = i === MAX_HOSTS / 2 ? "first.test" : `h${i}.test`;
    history.record(0, `https://${host}/`, `https://${host}/`, host === "first.test" ? hugeNames : verdict, 1);
  }
  await history.flush();
  const remembered = Object.keys(storage.data).filter((k) => k.startsWith("ca:"));
  expect(remembered).toHaveLength(MAX_HOSTS);
  expect(remembered).toContain("ca:first.test");
  expect(remembered).not.toContain("ca:h1.test");
  // Three certificates, each name cut to its bound (src/chainDiff.ts).
  expect(JSON.stringify(storage.data["ca:first.test"]).length).toBeLessThan(3 * 1024);
  expect(history.events().filter((e) => e.ruleId === "chain-changed")).toEqual([]);
});

test("an event whose chain details do not read back is dropped and reported", async () => {
  const { history, storage } = await opened();
  history.record(1, "https://a.test/", "https://a.test/", verdict, 1);
  history.record(1, "https://a.test/", "https://a.test/", analyzer().analyze(await securityInfo(await makePki())), 2);
  await history.flush();
  const [key] = Object.keys(storage.data).filter((k) => /^history:\d+$/.test(k));
  const events = storage.data[key] as HistoryEvent[];
  const at = events.findIndex((e) => e.ruleId === "chain-changed");
  storage.data[key] = events.map((e, i) => (i === at ? { ...e, change: { before: null, after: [{ subject: "<script>" }] } } : e));
  const { history: reopened, problems } = await opened(storage);
  expect(reopened.events()).toEqual(history.events().filter((e) => e.ruleId !== "chain-changed"));
  expect(problems.list()).toEqual([historyProblem(/1 event\(s\) in "history:\d+" of the wrong shape/)]);
});

test("unreadable storage: restore still completes with an empty history, says why, and recording goes on", async () => {
  const { storage, fail } = breakableStorage();
  fail.get = true;
  const problems = quiet();
  const history = new History(storage, 100, problems);
  await expect(history.restore()).resolves.toBeUndefined();
  expect(history.events()).toEqual([]);
  expect(problems.list()).toEqual([historyProblem(/could not be read.*get: disk full/)]);
  visit(history, 1);
  expect(history.events()).toHaveLength(verdict.findings.length);
});

test("stored data of the wrong shape: the readable events are kept, the rest dropped and reported", async () => {
  const { history, storage } = await opened(fakeStorageArea(), 100_000);
  visit(history, CHUNK_SIZE * 1.5); // three chunks
  await history.flush();
  const chunkKeys = Object.keys(storage.data).filter((k) => /^history:\d+$/.test(k));
  expect(chunkKeys).toHaveLength(3);
  const [first, , third] = chunkKeys.map((k) => storage.data[k] as unknown[]);
  storage.data[chunkKeys[1]] = "not a list";
  storage.data[chunkKeys[2]] = [...third.slice(0, 2), { ...(third[2] as object), level: "severe" }, null, 7, ...third.slice(3)];
  storage.data["ca:p1.test"] = { chain: "wrong" };

  const { history: reopened, problems } = await opened(storage);
  expect(reopened.events()).toEqual([...first, ...third.slice(0, 2), ...third.slice(3)]);
  expect(problems.list()).toEqual([
    historyProblem(new RegExp(`"${chunkKeys[1]}" is not a list.*3 event\\(s\\) in "${chunkKeys[2]}" of the wrong shape.*1 remembered CA chain`)),
  ]);
  // Repaired in storage: read again, nothing is missing and nothing is reported.
  await reopened.flush();
  const { history: again, problems: none } = await opened(storage);
  expect(again.events()).toEqual(reopened.events());
  expect(none.list()).toEqual([]);

  for (const legacy of ["a string", { not: "a list" }]) {
    const { history: empty, problems: reported } = await opened(fakeStorageArea({ history: legacy }));
    expect(empty.events()).toEqual([]);
    expect(reported.list()).toEqual([historyProblem(/"history" is not a list of events/)]);
  }
});

test("an old single history key is migrated to chunks and removed, its events kept with unique ids", async () => {
  const { history: old } = await opened();
  visit(old, CHUNK_SIZE); // two chunks' worth
  // Versions before chunking numbered ids from the number of events kept, so they could repeat.
  const legacy = old.events().map((e, i) => ({ ...e, id: `${e.time}-${i % 7}` }));
  const storage = fakeStorageArea({ history: [...legacy, { time: "yesterday" }] });

  const { history, problems } = await opened(storage);
  expect(withoutIds(history.events())).toEqual(withoutIds(legacy));
  expect(new Set(ids(history.events())).size).toBe(legacy.length);
  expect(problems.list()).toEqual([historyProblem(/1 event\(s\) in "history" of the wrong shape/)]);
  await history.flush();
  expect(storage.data.history).toBeUndefined();
  expect(storedEvents(storage.data)).toEqual(history.events());

  const { history: reopened } = await opened(storage);
  expect(reopened.events()).toEqual(history.events());
});

test("a flush writes only the chunks that changed, drops those the limit emptied, and clear removes them all", async () => {
  const { history, storage } = await opened(fakeStorageArea(), CHUNK_SIZE * 3);
  visit(history, (CHUNK_SIZE * 3) / 2);
  await history.flush();
  expect(storedEvents(storage.data)).toEqual(history.events());

  const written: HistoryEvent[][] = [];
  const set = storage.set;
  storage.set = (items) => {
    written.push(Object.entries(items).flatMap(([k, v]) => (/^history:\d+$/.test(k) ? (v as HistoryEvent[]) : [])));
    return set(items);
  };
  visit(history, 1, 2000, 10_000);
  await history.flush();
  // One page's events cost at most two chunks (the one they joined, the one the limit trimmed), not the whole history.
  expect(written.flat().length).toBeLessThanOrEqual(2 * CHUNK_SIZE);
  expect(history.events().length).toBe(3 * CHUNK_SIZE);
  expect(storedEvents(storage.data)).toEqual(history.events());

  visit(history, CHUNK_SIZE, 3000, 20_000); // pushes the oldest chunks out entirely
  await history.flush();
  expect(storedEvents(storage.data)).toEqual(history.events());
  const { history: reopened } = await opened(storage);
  expect(reopened.events()).toEqual(history.events());

  history.clear();
  await history.flush();
  expect(storedEvents(storage.data)).toEqual([]);
  const { history: cleared } = await opened(storage);
  expect(cleared.events()).toEqual([]);
});

test("a failed write is reported, kept in memory and written by a later flush, which clears the problem", async () => {
  const { storage, fail } = breakableStorage();
  const { history, problems } = await opened(storage);
  fail.set = true;
  visit(history, 2);
  await expect(history.flush()).resolves.toBeUndefined();
  expect(problems.list()).toEqual([historyProblem(/could not be saved.*set: disk full/)]);
  expect(history.events()).toHaveLength(2 * verdict.findings.length);
  expect(storedEvents(storage.data)).toEqual([]);

  fail.set = false;
  await history.flush(); // nothing new was recorded: what the failed write held is written now
  expect(problems.list()).toEqual([]);
  const { history: reopened } = await opened(storage);
  expect(reopened.events()).toEqual(history.events());

  // A clear whose removal fails still reads back empty, and the removal is done later.
  fail.remove = true;
  history.clear();
  await history.flush();
  expect(problems.list()).toEqual([historyProblem(/could not be saved.*remove: disk full/)]);
  const { history: afterRestart } = await opened(storage);
  expect(afterRestart.events()).toEqual([]);
  fail.remove = false;
  await history.flush();
  expect(problems.list()).toEqual([]);
  expect(storedEvents(storage.data)).toEqual([]);
});

test("event ids stay unique across restarts, also for events recorded before restore finished", async () => {
  const storage = fakeStorageArea();
  const { history } = await opened(storage, 3);
  visit(history, 3, 100); // six events, the oldest three dropped
  await history.flush();

  const reopened = new History(storage, 3, quiet());
  visit(reopened, 1, 100, 50);
  await reopened.restore();
  visit(reopened, 1, 100, 60);
  const all = [...history.events(), ...reopened.events()];
  expect(new Set(ids(all)).size).toBe(all.length);
});

test("restore keeps the stored events until the limit in force is known; setLimit applies it", async () => {
  const storage = fakeStorageArea();
  const { history } = await opened(storage, 50);
  visit(history, 20);
  await history.flush();
  // The background starts with the default limit, before the user's settings are read.
  const { history: reopened } = await opened(storage, 10);
  expect(reopened.events()).toEqual(history.events());
  reopened.setLimit(10);
  expect(reopened.events()).toEqual(history.events().slice(-10));
});

test("historyLimit is capped at 100,000: over it is refused with the maximum named, and History never holds more", async () => {
  expect(validatePolicy({ historyLimit: MAX_HISTORY_LIMIT + 1 }).errors).toEqual([
    expect.stringMatching(`historyLimit: expected at most ${MAX_HISTORY_LIMIT}`),
  ]);
  expect(validatePolicy({ historyLimit: MAX_HISTORY_LIMIT }).values).toEqual({ historyLimit: MAX_HISTORY_LIMIT });
  const saved = await applySettingsInput(buildSettingsView({}, validatePolicy(undefined)), { historyLimit: MAX_HISTORY_LIMIT * 10 });
  expect(saved).toEqual({ ok: false, errors: [{ path: ["historyLimit"], message: expect.stringMatching(`^expected at most ${MAX_HISTORY_LIMIT}`) }] });

  const { history } = await opened(fakeStorageArea(), 10);
  visit(history, 1);
  const template = history.events()[0];
  const many = Array.from({ length: MAX_HISTORY_LIMIT + 5 }, (_, i) => ({ ...template, id: String(i), time: i }));
  const { history: restored } = await opened(fakeStorageArea({ history: many }), MAX_HISTORY_LIMIT * 2);
  expect(restored.limit).toBe(MAX_HISTORY_LIMIT);
  expect(restored.events()).toHaveLength(MAX_HISTORY_LIMIT);
  expect(restored.events()[0].time).toBe(5);
  restored.setLimit(MAX_HISTORY_LIMIT + 1);
  expect(restored.limit).toBe(MAX_HISTORY_LIMIT);
});

test("a finding about a certificate the chain does not hold is recorded without a certificate", async () => {
  const { history } = await opened();
  const past = { ...verdict, findings: [{ ...verdict.findings[0], certIndex: verdict.chain.length + 2 }] };
  expect(() => history.record(1, "https://a.test/", "https://a.test/", past, 1)).not.toThrow();
  expect(history.events()).toEqual([expect.objectContaining({ ruleId: past.findings[0].ruleId, subject: "", sha256: "" })]);
});

test("clearing history is refused under lockSettings, and allowed otherwise", async () => {
  const { history } = await opened();
  visit(history, 1);
  const ask = (lockSettings: boolean) => {
    const view = buildSettingsView({}, validatePolicy({ lockSettings }));
    const handle = createMessageHandler({ history, settings: { view: () => view }, ready: Promise.resolve() } as unknown as MessageDeps);
    return handle({ type: "ui-bg-clear-history" });
  };
  expect(await ask(true)).toEqual({ ok: false, error: HISTORY_KEPT_BY_POLICY });
  expect(HISTORY_KEPT_BY_POLICY).toMatch(/organisation's policy/);
  expect(history.events()).toHaveLength(verdict.findings.length);
  expect(await ask(false)).toEqual({ ok: true });
  expect(history.events()).toEqual([]);
});

test("without a readable index, the chunks are read in number order and indexed again; an index naming a missing chunk says so", async () => {
  const { history, storage } = await opened();
  visit(history, CHUNK_SIZE * 6); // twelve chunks: history:10 and history:11 sort after history:9 only as numbers
  await history.flush();
  // Stored newest first: the order of storage's keys says nothing.
  const stored = Object.fromEntries(Object.entries(structuredClone(storage.data)).reverse());
  const meta = stored["history:meta"] as { chunks: number[]; nextId: number };
  expect(meta.chunks).toHaveLength(12);

  for (const broken of [undefined, { chunks: [-1], nextId: 5 }, { chunks: [1.5], nextId: 5 }, { chunks: [0], nextId: -1 }, { chunks: "0", nextId: 5 }, null]) {
    const data = structuredClone(stored);
    if (broken === undefined) delete data["history:meta"];
    else data["history:meta"] = broken;
    const { history: reopened, problems, storage: reread } = await opened(fakeStorageArea(data));
    expect(withoutIds(reopened.events())).toEqual(withoutIds(history.events()));
    expect(new Set(ids(reopened.events())).size).toBe(history.events().length);
    expect(problems.list()).toEqual(broken === undefined ? [] : [historyProblem(/the index "history:meta" is not readable/)]);
    await reopened.flush();
    expect(storedEvents(reread.data)).toEqual(reopened.events());
  }

  const data = structuredClone(stored);
  data["history:meta"] = { ...meta, chunks: [...meta.chunks, 99] };
  const { history: reopened, problems } = await opened(fakeStorageArea(data));
  expect(reopened.events()).toEqual(history.events());
  expect(problems.list()).toEqual([historyProblem(/"history:99" is missing/)]);
});
