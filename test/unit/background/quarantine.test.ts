import { Problems } from "../../../background/problems";
import { Quarantine, QUARANTINE_ALARM, type DnrRule, type SessionRulesApi } from "../../../background/quarantine";
import type { SecurityInfo } from "../../../src/securityInfo";
import type { Verdict } from "../../../src/verdict";
import { fakeStorageArea } from "../support/fakeStorage";

/** Session rules as Firefox keeps them (what a unit test cannot get from a browser); real matching is in the e2e suite. */
function fakeDnr() {
  const rules = new Map<number, DnrRule>();
  /** Calls of either method: Firefox turns its rule engine on for every request at the first one. */
  const calls = { count: 0 };
  const api: SessionRulesApi & { fail?: Error } = {
    async updateSessionRules({ addRules = [], removeRuleIds = [] }) {
      calls.count++;
      if (api.fail) throw api.fail;
      for (const id of removeRuleIds) rules.delete(id);
      for (const rule of addRules) {
        if (rules.has(rule.id)) throw new Error(`duplicate rule id ${rule.id}`);
        rules.set(rule.id, rule);
      }
    },
    async getSessionRules() {
      calls.count++;
      return [...rules.values()];
    },
  };
  return { api, rules, calls };
}

function fakeAlarms() {
  const alarms = new Map<string, number>();
  return {
    alarms,
    api: { create: (name: string, { when }: { when: number }) => void alarms.set(name, when), clear: async (name: string) => alarms.delete(name) },
  };
}

const verdict = { level: "blocked", findings: [], chain: [], blocklistVersion: "v", analyzedAt: 0 } as Verdict;
const stop = { verdict, info: null };
const quiet = () => new Problems({ warn: () => undefined });

function setup(session = fakeStorageArea()) {
  const dnr = fakeDnr();
  const alarms = fakeAlarms();
  const problems = quiet();
  const quarantine = new Quarantine({ dnr: dnr.api, alarms: alarms.api, storage: session, problems });
  return { quarantine, dnr, alarms, problems, session };
}

test("a blocked origin's documents go to the block page and everything else is cancelled, for that origin only", async () => {
  const { quarantine, dnr, alarms } = setup();
  const until = Date.now() + 60_000;
  await quarantine.add("https://bad.example:8444/page?x=1", stop, "/popup/blocked.html?id=abc", until, "settings-1");
  expect([...dnr.rules.values()]).toEqual([
    {
      id: 1,
      priority: 1,
      action: { type: "redirect", redirect: { extensionPath: "/popup/blocked.html?id=abc" } },
      condition: { urlFilter: "|https://bad.example:8444/", resourceTypes: ["main_frame"] },
    },
    { id: 2, priority: 1, action: { type: "block" }, condition: { urlFilter: "|https://bad.example:8444/" } },
  ]);
  expect(quarantine.stoppedBy("https://bad.example:8444/other")?.verdict).toBe(verdict);
  expect(quarantine.stoppedBy("wss://bad.example:8444/socket")?.verdict).toBe(verdict);
  expect(quarantine.stoppedBy("https://bad.example/")).toBeNull();
  expect(alarms.alarms.get(QUARANTINE_ALARM)).toBe(until);
});

test("a second block of the same origin while it is stopped changes nothing; after the time is up the rules go", async () => {
  const { quarantine, dnr, alarms } = setup();
  const now = Date.now();
  await quarantine.add("https://bad.example/", stop, "/popup/blocked.html?id=1", now + 1000, "settings-1");
  await quarantine.add("https://bad.example/x.js", stop, "/popup/blocked.html?id=2", now + 5000, "settings-1");
  expect(dnr.rules.size).toBe(2);
  await quarantine.expire(now + 1000);
  expect(dnr.rules.size).toBe(0);
  expect(quarantine.stoppedBy("https://bad.example/", now + 1000)).toBeNull();
  expect(alarms.alarms.has(QUARANTINE_ALARM)).toBe(false);
});

test("a restarted background picks up the stops still running and lifts the expired ones and stray rules", async () => {
  const first = setup();
  const now = Date.now();
  await first.quarantine.add("https://a.example/", stop, "/p?id=1", now + 60_000, "settings-1");
  await first.quarantine.add("https://b.example/", stop, "/p?id=2", now + 10, "settings-1");
  const restarted = new Quarantine({ dnr: first.dnr.api, alarms: first.alarms.api, storage: first.session, problems: quiet() });
  await first.dnr.api.updateSessionRules({ addRules: [{ id: 99, priority: 1, action: { type: "block" }, condition: { urlFilter: "|https://old.example/" } }] });
  await restarted.restore(now + 20);
  expect(restarted.stoppedBy("https://a.example/x", now + 20)?.verdict).toEqual(verdict);
  expect(restarted.stoppedBy("https://b.example/x", now + 20)).toBeNull();
  expect([...first.dnr.rules.keys()].sort()).toEqual([1, 2]);
});

test("the connection that presented the blocked chain is kept without its certificates, for the tabs whose requests are stopped", async () => {
  const { quarantine } = setup();
  const info = { state: "secure", protocolVersion: "TLSv1.3", certificates: [{ rawDER: [1, 2, 3] }] } as unknown as SecurityInfo;
  await quarantine.add("https://a.example/", { verdict, info }, "/p?id=1", Date.now() + 60_000, "settings-1");
  expect(quarantine.stoppedBy("https://a.example/")?.info).toEqual({ state: "secure", protocolVersion: "TLSv1.3", certificates: [] });
});

test("changed lists lift every stop at once; the same settings again (a restart) keep them", async () => {
  const { quarantine, dnr, session } = setup();
  await quarantine.add("https://a.example/", stop, "/p?id=1", Date.now() + 60_000, "settings-1");
  await quarantine.retain("settings-1");
  expect(dnr.rules.size).toBe(2);
  await quarantine.retain("settings-2");
  expect(dnr.rules.size).toBe(0);
  expect(session.data.quarantine).toEqual([]);
});

test("at most 500 origins are stopped: the oldest is lifted first", async () => {
  const { quarantine, dnr } = setup();
  const until = Date.now() + 60_000;
  for (let i = 0; i <= 500; i++) await quarantine.add(`https://h${i}.example/`, stop, `/p?id=${i}`, until, "settings-1");
  expect(dnr.rules.size).toBe(1000);
  expect(quarantine.stoppedBy("https://h0.example/")).toBeNull();
  expect(quarantine.stoppedBy("https://h500.example/")?.verdict).toBe(verdict);
});

test("rules that cannot be set are reported, never thrown; the response itself was still stopped by the listener", async () => {
  const { quarantine, dnr, problems } = setup();
  dnr.api.fail = new Error("too many rules");
  await expect(quarantine.add("https://a.example/", stop, "/p?id=1", Date.now() + 60_000, "settings-1")).resolves.toBeUndefined();
  expect(problems.list()).toMatchObject([{ area: "quarantine" }]);
  expect(problems.list()[0].message).toMatch(/too many rules/);
});

test("http and unparsable URLs are never stopped", async () => {
  const { quarantine, dnr } = setup();
  await quarantine.add("http://plain.example/", stop, "/p?id=1", Date.now() + 60_000, "settings-1");
  await quarantine.add("not a url", stop, "/p?id=1", Date.now() + 60_000, "settings-1");
  expect(dnr.rules.size).toBe(0);
});

test("restore takes only well-formed stops from storage: any entry with one field wrong is left out, the others kept", async () => {
  const now = Date.now();
  const good = (origin: string, ruleId: number) => ({ origin, ruleId, until: now + 60_000, basis: "settings-1", stop: { verdict, info: null } });
  const spoiled: [string, unknown][] = [
    ["not an object", "https://x.example"],
    ["null", null],
    ["no origin", { ...good("", 3), origin: 7 }],
    ["a fractional rule id", good("https://f.example", 3.5)],
    ["rule id 0", good("https://z.example", 0)],
    ["no end", { ...good("https://e.example", 5), until: "soon" }],
    ["no basis", { ...good("https://s.example", 7), basis: null }],
    ["no verdict", { ...good("https://v.example", 9), stop: { info: null } }],
    ["a null verdict", { ...good("https://n.example", 11), stop: { verdict: null } }],
    ["a verdict without chain", { ...good("https://c.example", 13), stop: { verdict: { ...verdict, chain: undefined } } }],
    ["a verdict without findings", { ...good("https://d.example", 15), stop: { verdict: { ...verdict, findings: "none" } } }],
  ];
  const { quarantine, dnr } = setup(fakeStorageArea({ quarantine: [good("https://ok.example", 21), ...spoiled.map(([, e]) => e)] }));
  // The session rules outlive the background: those of the entries left out are removed at restore.
  const rule = (id: number): DnrRule => ({ id, priority: 1, action: { type: "block" }, condition: { urlFilter: `|https://r${id}.example/` } });
  await dnr.api.updateSessionRules({ addRules: [21, 22, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map(rule) });
  await quarantine.restore(now);
  expect(quarantine.stoppedBy("https://ok.example/", now)?.verdict).toEqual(verdict);
  for (const origin of ["f", "z", "e", "s", "v", "n", "c", "d"])
    expect([origin, quarantine.stoppedBy(`https://${origin}.example/`, now)]).toEqual([origin, null]);
  expect([...dnr.rules.keys()].sort((a, b) => a - b)).toEqual([21, 22]);
});

test("a stop ends exactly at its time; a new one takes rule ids no running stop uses", async () => {
  const { quarantine, dnr } = setup();
  const now = Date.now();
  await quarantine.add("https://a.example/", stop, "/p?id=1", now + 1000, "settings-1");
  expect(quarantine.stoppedBy("https://a.example/", now + 999)).not.toBeNull();
  expect(quarantine.stoppedBy("https://a.example/", now + 1000)).toBeNull();
  await quarantine.add("https://b.example/", stop, "/p?id=2", now + 60_000, "settings-1");
  await quarantine.add("https://c.example/", stop, "/p?id=3", now + 60_000, "settings-1");
  expect([...dnr.rules.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
});

test("without declarativeNetRequest the extension says so, and stops nothing ahead: the listener checks each request", async () => {
  const problems = quiet();
  const quarantine = new Quarantine({ dnr: undefined, alarms: undefined, storage: fakeStorageArea(), problems });
  expect(problems.list()).toMatchObject([{ area: "quarantine", message: expect.stringContaining("declarativeNetRequest is not available") }]);
  await quarantine.add("https://a.example/", stop, "/p?id=1", Date.now() + 60_000, "settings-1");
  expect(quarantine.stoppedBy("https://a.example/")).toBeNull();
  expect(setup().problems.list()).toEqual([]);
});

test("a background that never stopped an origin leaves declarativeNetRequest alone: Firefox's rule engine stays off for every request", async () => {
  const { quarantine, dnr } = setup();
  await quarantine.restore();
  await quarantine.retain("settings-1");
  await quarantine.retain("settings-2");
  await quarantine.expire();
  expect(dnr.calls.count).toBe(0);
  await quarantine.add("https://a.example/", stop, "/p?id=1", Date.now() + 60_000, "settings-2");
  expect(dnr.rules.size).toBe(2);
  // A restarted background that finds the stored stops empty (all ended, their rules lifted) does not call it either.
  const restarted = new Quarantine({ dnr: dnr.api, alarms: fakeAlarms().api, storage: fakeStorageArea({ quarantine: [] }), problems: quiet() });
  const before = dnr.calls.count;
  await restarted.restore();
  expect(dnr.calls.count).toBe(before);
});

test("stops that cannot be read, or are unreadable, make the background look for stray rules all the same", async () => {
  for (const storage of [{ ...fakeStorageArea(), get: async () => Promise.reject(new Error("storage is gone")) }, fakeStorageArea({ quarantine: "garbage" })]) {
    const { dnr } = setup();
    await dnr.api.updateSessionRules({ addRules: [{ id: 7, priority: 1, action: { type: "block" }, condition: { urlFilter: "|https://old.example/" } }] });
    const quarantine = new Quarantine({ dnr: dnr.api, alarms: fakeAlarms().api, storage: storage as ReturnType<typeof fakeStorageArea>, problems: quiet() });
    await quarantine.restore();
    await quarantine.retain("settings-1");
    expect(dnr.rules.size).toBe(0);
  }
});

test("a stop that cannot be stored adds no rule: no rule exists that a restarted background would not know of", async () => {
  const session = { ...fakeStorageArea(), set: async () => Promise.reject(new Error("quota")) };
  const { quarantine, dnr, problems } = setup(session as unknown as ReturnType<typeof fakeStorageArea>);
  await quarantine.add("https://a.example/", stop, "/p?id=1", Date.now() + 60_000, "settings-1");
  expect(dnr.rules.size).toBe(0);
  expect(problems.list()).toMatchObject([{ area: "quarantine", message: expect.stringContaining("quota") }]);
});
