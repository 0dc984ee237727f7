import { BlockPages } from "../../../background/blockPages";
import { Problems } from "../../../background/problems";
import type { BlockedPageInfo } from "../../../src/protocol";
import { fakeStorageArea } from "../support/fakeStorage";

const quiet = () => new Problems({ warn: () => undefined });
const tick = () => new Promise((r) => setTimeout(r, 0));

function page(overrides: Partial<Omit<BlockedPageInfo, "id">> = {}): Omit<BlockedPageInfo, "id"> {
  return {
    kind: "blocked",
    url: "https://bad.example/",
    origin: "https://bad.example",
    certificate: {
      subject: "CN=Rogue",
      sha256: "AB:CD",
      role: "intermediate",
      label: "Rogue CA",
      source: "policy",
      key: "sha256",
      keyLabel: "certificate SHA-256",
      incident: "Leaked key",
      reference: "https://example.org/",
    },
    reason: null,
    time: 1,
    blockedUntil: null,
    ...overrides,
  };
}

test("a page's id is short and random; its details come back by id, with every text bounded", async () => {
  const pages = new BlockPages(fakeStorageArea(), quiet());
  const hostile = "x".repeat(1_000_000);
  const id = pages.add(page({ url: `https://bad.example/?q=${hostile}`, certificate: { ...page().certificate!, subject: hostile, label: hostile } }));
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(pages.add(page())).not.toBe(id);
  const shown = (await pages.get(id))!;
  expect(shown.url.length).toBeLessThanOrEqual(2048);
  expect(shown.url.startsWith("https://bad.example/?q=xxx")).toBe(true);
  expect(shown.certificate!.subject.length).toBeLessThanOrEqual(1024);
  expect(shown.certificate!.label.endsWith("…")).toBe(true);
  expect(await pages.get("not-an-id")).toBeNull();
  expect(await pages.get("y".repeat(100_000))).toBeNull();
});

test("a restarted background still answers for earlier pages, and keeps only the newest 200", async () => {
  const session = fakeStorageArea();
  const pages = new BlockPages(session, quiet());
  const ids = Array.from({ length: 210 }, (_, i) => pages.add(page({ time: i })));
  await tick();
  expect(Object.keys(session.data)).toHaveLength(200);
  const restarted = new BlockPages(session, quiet());
  await restarted.restore();
  expect((await restarted.get(ids[209]))?.time).toBe(209);
  expect(await restarted.get(ids[0])).toBeNull();
});

test("a failed write is reported, and the page still gets its details from memory", async () => {
  const session = fakeStorageArea();
  session.set = () => Promise.reject(new Error("quota"));
  const problems = quiet();
  const pages = new BlockPages(session, problems);
  const id = pages.add(page());
  await tick();
  expect(problems.list()).toMatchObject([{ area: "capture" }]);
  expect((await pages.get(id))?.kind).toBe("blocked");
});

test("restore keeps the newest 200 stored pages in memory and removes the rest, anything not a block page, and nothing else", async () => {
  const stored: Record<string, unknown> = { "tab:3": { tabId: 3 }, "blocked:junk": 42, "blocked:no-time": { ...page(), id: "no-time", time: "1" } };
  // Stored out of order: which are newest is decided by time, not by key order.
  for (const i of [204, 0, 3, 150, ...Array.from({ length: 205 }, (_, n) => n).filter((n) => ![204, 0, 3, 150].includes(n))])
    stored[`blocked:p${i}`] = { ...page({ time: i }), id: `p${i}` };
  const session = fakeStorageArea(stored);
  const problems = quiet();
  const restarted = new BlockPages(session, problems);
  await restarted.restore();
  const left = Object.keys(session.data);
  expect(left).toHaveLength(201);
  expect(left).toContain("tab:3");
  for (const gone of ["blocked:p0", "blocked:p4", "blocked:junk", "blocked:no-time"]) expect(left).not.toContain(gone);
  expect(left).toContain("blocked:p5");
  // What was restored is answered from memory, even once storage cannot be read.
  session.get = () => Promise.reject(new Error("storage is gone"));
  expect((await restarted.get("p204"))?.time).toBe(204);
  expect((await restarted.get("p5"))?.time).toBe(5);
  expect(problems.list()).toEqual([]);
  expect(await restarted.get("p4")).toBeNull();
  expect(problems.list()).toMatchObject([{ area: "capture", message: expect.stringContaining("storage is gone") }]);
});

test("a page added before restore finished is not replaced by its stored copy", async () => {
  const session = fakeStorageArea();
  const pages = new BlockPages(session, quiet());
  const id = pages.add(page({ time: 2, reason: "now" }));
  await tick();
  session.data[`blocked:${id}`] = { ...page({ time: 1, reason: "stored earlier" }), id };
  await pages.restore();
  expect((await pages.get(id))?.reason).toBe("now");
});

test("restore that cannot read storage is reported as lost state, and starts empty", async () => {
  const session = fakeStorageArea({ "blocked:a": { ...page(), id: "a" } });
  session.get = () => Promise.reject(new Error("unreadable"));
  const problems = quiet();
  await new BlockPages(session, problems).restore();
  expect(problems.list()).toMatchObject([{ area: "capture", message: expect.stringContaining("earlier block pages could not be restored: unreadable") }]);
});

test("get answers only for a well-formed page stored under its own id, and asks storage nothing for an id over 64 characters", async () => {
  const session = fakeStorageArea({
    "blocked:a": { ...page(), id: "b" },
    "blocked:c": { id: "c", kind: "blocked", url: "https://x/" },
    ["blocked:" + "d".repeat(64)]: { ...page(), id: "d".repeat(64) },
    ["blocked:" + "e".repeat(65)]: { ...page(), id: "e".repeat(65) },
  });
  const pages = new BlockPages(session, quiet());
  expect(await pages.get("a")).toBeNull();
  expect(await pages.get("c")).toBeNull();
  expect((await pages.get("d".repeat(64)))?.id).toBe("d".repeat(64));
  expect(await pages.get("e".repeat(65))).toBeNull();
  expect(await pages.get(42 as unknown as string)).toBeNull();
});

test("texts at their bound are kept whole; a page without certificate or reason keeps them absent", async () => {
  const pages = new BlockPages(fakeStorageArea(), quiet());
  const exact = "r".repeat(1024);
  const id = pages.add(page({ reason: exact, certificate: null }));
  expect(await pages.get(id)).toMatchObject({ reason: exact, certificate: null });
  const none = pages.add(page({ reason: null }));
  expect((await pages.get(none))?.reason).toBeNull();
  const long = pages.add(page({ reason: "r".repeat(1025) }));
  expect((await pages.get(long))?.reason).toBe(`${"r".repeat(1023)}…`);
});
