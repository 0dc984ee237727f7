/**
 * The views are tested through the mock connector (popup/connect/mock.ts); the extension answers
 * through the background's message handler. Here both answer the same requests: first over the same
 * state (the mock's data taken from a real background: TabStore, History, settings store, analyzer
 * over fake storage), where their answers must be equal; then the committed component fixtures
 * against a real background, where each answer must have the real one's shape.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BlockPages } from "../../background/blockPages";
import { History } from "../../background/history";
import { createMessageHandler } from "../../background/messages";
import { Problems } from "../../background/problems";
import { createSettingsStore, type SettingsBrowser } from "../../background/settings";
import { TabStore } from "../../background/tabStore";
import { createMockConnector, type MockData } from "../../popup/connect/mock";
import type { BlocklistEntryView, Message, RequestType, Requests, ResponseOf } from "../../src/protocol";
import { analyzer, bundledIndex, makePki, securityInfo } from "./support/chains";
import { fakeStorageArea } from "./support/fakeStorage";

jest.mock("webextension-polyfill", () => ({}));

const TAB = 4;
const NOW = Date.UTC(2026, 0, 15);
const base64 = (bytes: ArrayLike<number>) => Buffer.from(Uint8Array.from(bytes)).toString("base64");

/** A background as index.ts wires it, over fake storage, after one page whose chain has findings. */
async function realBackground() {
  const problems = new Problems({ warn: () => undefined });
  const settingsBrowser: SettingsBrowser = {
    storage: { local: { ...fakeStorageArea(), onChanged: { addListener: () => undefined, removeListener: () => undefined } } },
  };
  const settings = createSettingsStore(settingsBrowser, { warn: () => undefined });
  await settings.ready;
  const background = analyzer();
  const tabs = new TabStore(fakeStorageArea(), () => undefined, problems);
  const history = new History(fakeStorageArea(), 100, problems);
  await history.restore();
  const info = await securityInfo(await makePki());
  const verdict = background.analyze(info, NOW);
  const url = "https://shop.example/";
  tabs.record({ tabId: TAB, url, topLevel: true, info, verdict, der: info.certificates.map((c) => base64(c.rawDER!)), blocked: false, time: NOW });
  history.record(TAB, url, url, verdict, NOW);
  const handle = createMessageHandler({
    index: bundledIndex,
    analyzer: () => background,
    tabs,
    history,
    settings,
    blockPages: new BlockPages(fakeStorageArea(), problems),
    problems,
    // What a background with no reporting policy and no feeds answers.
    reporting: { status: () => null },
    feeds: { status: () => [], checkAll: async () => [] },
    coverage: async () => ({ privateBrowsing: true, hostPermissions: true }),
    startedAt: NOW - 60_000,
    ready: Promise.resolve(),
  });
  const ask = <K extends RequestType>(type: K, request: Requests[K]["request"]) => handle({ type, ...request } as Message) as Promise<ResponseOf<K>>;
  return { ask, tabs, history, settings, background, info };
}

type Real = Awaited<ReturnType<typeof realBackground>>;

/** The mock's data as the views would get it from that background. */
async function mockDataOf(real: Real): Promise<MockData> {
  const tab = (await real.ask("ui-bg-get-tab-state", { tabId: TAB }))!;
  const blocklist: BlocklistEntryView[] = (await real.ask("ui-bg-search-blocklist", { query: "", limit: Number.MAX_SAFE_INTEGER })).entries;
  return {
    tabs: { [TAB]: tab },
    certificates: Object.fromEntries(real.info.certificates.map((c) => [c.fingerprint.sha256, base64(c.rawDER!)])),
    settings: await real.ask("ui-bg-get-settings", {}),
    status: await real.ask("ui-bg-get-status", {}),
    blocklist,
    history: await real.ask("ui-bg-get-history", {}),
  };
}

/** Both sides, asked the same. */
async function bothSides() {
  const real = await realBackground();
  const mock = createMockConnector(await mockDataOf(real));
  const askBoth = async <K extends RequestType>(type: K, request: Requests[K]["request"]) => {
    const [fromBackground, fromMock] = [await real.ask(type, request), await mock.send(type, request)];
    return { fromBackground: JSON.parse(JSON.stringify(fromBackground ?? null)), fromMock: JSON.parse(JSON.stringify(fromMock ?? null)) };
  };
  return { real, askBoth };
}

describe("over the same state, the mock answers as the background does", () => {
  test("blocklist search: words, sources, hash prefixes with colons or spaces, short prefixes, no match, limits", async () => {
    const { askBoth, real } = await bothSides();
    const bundled = real.background.blocklist.entries;
    const withSha256 = bundled.find((e) => e.sha256)!;
    const withSha1 = bundled.find((e) => e.sha1 && !e.sha256)!;
    const colonHex = (hex: string) => hex.toUpperCase().match(/../g)!.join(":");
    const queries: [string, number | undefined][] = [
      ["", undefined],
      ["diginotar", undefined],
      ["DigiNotar root", 3],
      ["onecrl", 5],
      ["chromium", undefined],
      ["flame", undefined],
      [withSha256.sha256!.slice(0, 12), undefined],
      [colonHex(withSha256.sha256!.slice(0, 16)), undefined],
      [` ${withSha1.sha1!.slice(0, 10)} `, undefined],
      [withSha256.sha256!.slice(0, 6), undefined],
      ["no such incident anywhere", undefined],
      [withSha256.id, undefined],
    ];
    for (const [query, limit] of queries) {
      const { fromBackground, fromMock } = await askBoth("ui-bg-search-blocklist", { query, ...(limit && { limit }) });
      expect({ query, answer: fromMock }).toEqual({ query, answer: fromBackground });
    }
  });

  test("tab state and certificate bytes, for a known and an unknown tab or certificate", async () => {
    const { askBoth, real } = await bothSides();
    for (const tabId of [TAB, 99]) {
      const { fromBackground, fromMock } = await askBoth("ui-bg-get-tab-state", { tabId });
      expect(fromMock).toEqual(fromBackground);
    }
    const known = await askBoth("ui-bg-get-certificate", { tabId: TAB, sha256: real.info.certificates[1].fingerprint.sha256 });
    expect(known.fromMock).toEqual(known.fromBackground);
    expect(known.fromBackground).toEqual({ der: base64(real.info.certificates[1].rawDER!) });
    // The wording differs (the mock stands for data with no bytes); both answer with an error and no bytes.
    const unknown = await askBoth("ui-bg-get-certificate", { tabId: TAB, sha256: "AB:CD" });
    expect([Object.keys(unknown.fromMock), Object.keys(unknown.fromBackground)]).toEqual([["error"], ["error"]]);
  });

  test("settings: saving a valid and an invalid input answers alike, and the settings read afterwards are alike", async () => {
    const { askBoth } = await bothSides();
    const valid = await askBoth("ui-bg-save-settings", { input: { mode: "block", historyLimit: 250, blocklistText: "ab".repeat(32) } });
    expect(valid.fromMock).toEqual(valid.fromBackground);
    expect(valid.fromBackground).toMatchObject({ ok: true, view: { effective: { mode: "block", historyLimit: 250 } } });
    const invalid = await askBoth("ui-bg-save-settings", { input: { historyLimit: -3, blocklistText: "not a fingerprint" } });
    expect(invalid.fromMock).toEqual(invalid.fromBackground);
    expect(invalid.fromBackground).toMatchObject({ ok: false, errors: [expect.anything(), expect.anything()] });
    const read = await askBoth("ui-bg-get-settings", {});
    expect(read.fromMock).toEqual(read.fromBackground);
  });

  test("status, history and clearing it, the lists in force, feeds checked, an unknown block page", async () => {
    const { askBoth } = await bothSides();
    for (const type of ["ui-bg-get-status", "ui-bg-get-history", "ui-bg-get-lists", "ui-bg-check-feeds", "ui-bg-clear-history", "ui-bg-get-history"] as const) {
      const { fromBackground, fromMock } = await askBoth(type, {});
      expect({ type, answer: fromMock }).toEqual({ type, answer: fromBackground });
    }
    const page = await askBoth("ui-bg-get-blocked-page", { id: "no-such-page" });
    expect(page.fromMock).toEqual(page.fromBackground);
  });
});

/** The structure of a value: keys and types; arrays only as such (their entries' optional fields are data). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return "array";
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return value === null ? "null" : typeof value;
}

test("the committed component fixtures answer with the shapes a real background's answers have", async () => {
  const fixtures = JSON.parse(readFileSync(join(__dirname, "..", "components", "fixtures", "fixtures.json"), "utf8")) as MockData;
  const mock = createMockConnector(fixtures);
  const real = await realBackground();
  // List entries on the real side too, so both settings have entries whose shape can be compared.
  expect(
    await real.ask("ui-bg-save-settings", { input: { blocklistText: "ab".repeat(32), allowlistText: "cd".repeat(32), historyLimit: 5000 } }),
  ).toMatchObject({ ok: true });
  const send = <K extends RequestType>(type: K, request: Requests[K]["request"] = {} as never) => mock.send(type, request);
  // A fresh background has no problems, feeds or reporting, and counts only the bundled sources:
  // those parts are data, not shape.
  const withoutData = (s: ResponseOf<"ui-bg-get-status">) => ({ ...s, problems: [], feeds: [], reporting: null, blocklist: { ...s.blocklist, counts: {} } });
  expect(shape(withoutData(await send("ui-bg-get-status")))).toEqual(shape(withoutData(await real.ask("ui-bg-get-status", {}))));
  expect(shape(await send("ui-bg-get-settings"))).toEqual(shape(await real.ask("ui-bg-get-settings", {})));
  const realTab = (await real.ask("ui-bg-get-tab-state", { tabId: TAB }))!;
  expect(Object.keys((await send("ui-bg-get-tab-state", { tabId: 14 }))!).sort()).toEqual(Object.keys(realTab).sort());
  const [fixtureEvent, realEvent] = [(await send("ui-bg-get-history")).events[0], (await real.ask("ui-bg-get-history", {})).events[0]];
  expect(Object.keys(fixtureEvent).sort()).toEqual(Object.keys(realEvent).sort());
});
