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
