import type { WebRequest } from "webextension-polyfill";
import { createCapture, type CaptureEvent } from "../../../background/capture";
import type { SecurityInfo } from "../../../src/securityInfo";
import { parseList } from "../../../src/settings";
import { analyzer, makePki, securityInfo } from "../support/chains";

const details = (type: string, url = "https://localhost:8443/") =>
  ({ requestId: "7", url, type, tabId: 3, frameId: 0 }) as WebRequest.OnHeadersReceivedDetailsType;

/** Firefox's getSecurityInfo: the chain, with bytes only when asked for them. */
function fakeGetSecurityInfo(info: SecurityInfo) {
  const calls: boolean[] = [];
  const fn = async (_: string, options: { rawDER: boolean }) => {
    calls.push(options.rawDER);
    return { ...info, certificates: info.certificates.map(({ rawDER, ...c }) => (options.rawDER ? { ...c, rawDER } : c)) };
  };
  return { fn, calls };
}

async function setup(mode: "warn" | "block", blockIntermediate = false) {
  const info = await securityInfo(await makePki());
  const a = analyzer();
  if (blockIntermediate) {
    const list = parseList([{ spkiSha256: info.certificates[1].subjectPublicKeyInfoDigest.sha256, label: "Rogue CA" }], "blocklist", "policy");
    a.setSettings({ allowlist: [], blocklist: list.entries });
  }
  const events: CaptureEvent[] = [];
  const sec = fakeGetSecurityInfo(info);
  const capture = createCapture({
    getSecurityInfo: sec.fn,
    analyzer: () => a,
    mode: () => mode,
    ready: Promise.resolve(),
    blockedPageUrl: (page) => `moz-extension://x/popup/blocked.html?d=${encodeURIComponent(JSON.stringify(page))}`,
    onResponse: (e) => events.push(e),
  });
  return { capture, events, calls: sec.calls, info };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

test("rawDER is fetched only for a chain with unseen certificates; recording happens after the listener returns", async () => {
  const { capture, events, calls } = await setup("warn");
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
  expect(calls).toEqual([false, true]);
  expect(events).toHaveLength(0); // not inside the listener
  await tick();
  expect(events).toHaveLength(1);
  expect(events[0].verdict.level).toBe("warning");
  expect(events[0].der.every((d) => typeof d === "string" && d.length > 100)).toBe(true);

  await capture.onHeadersReceived(details("script"));
  expect(calls).toEqual([false, true, false]);
  await tick();
  expect(events[1].der).toEqual(events[0].der);
});

test("warn mode lets a blocked chain through and records it as blocked-level", async () => {
  const { capture, events } = await setup("warn", true);
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
  await tick();
  expect(events[0]).toMatchObject({ blocked: false, verdict: { level: "blocked" } });
});

test("block mode sends a top-level document to the block page naming the certificate and entry", async () => {
  const { capture, events, info } = await setup("block", true);
  const response = await capture.onHeadersReceived(details("main_frame"));
  const url = new URL(response.redirectUrl!);
  const page = JSON.parse(url.searchParams.get("d")!);
  expect(page).toMatchObject({
    url: "https://localhost:8443/",
    sha256: info.certificates[1].fingerprint.sha256,
    label: "Rogue CA",
    source: "policy",
    key: "spkiSha256",
  });
  expect(page.subject).toMatch(/Test Intermediate/);
  await tick();
  expect(events[0].blocked).toBe(true);
});

test("block mode cancels a blocked subresource", async () => {
  const { capture } = await setup("block", true);
  expect(await capture.onHeadersReceived(details("image", "https://localhost:8443/a.png"))).toEqual({ cancel: true });
});

test("block mode never blocks a chain that is only a warning", async () => {
  const { capture } = await setup("block");
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
});

test("a response without a chain (no TLS info) passes untouched and is not recorded", async () => {
  const events: CaptureEvent[] = [];
  const capture = createCapture({
    getSecurityInfo: async () => ({ state: "insecure", certificates: [] }),
    analyzer: () => analyzer(), mode: () => "block", ready: Promise.resolve(), blockedPageUrl: () => "", onResponse: (e) => events.push(e),
  });
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
  await tick();
  expect(events).toEqual([]);
});

test("responses that arrive before settings are loaded wait for them instead of passing unchecked", async () => {
  const info = await securityInfo(await makePki());
  let release!: () => void;
  const ready = new Promise<void>((r) => (release = r));
  const a = analyzer();
  let mode: "warn" | "block" = "warn";
  const capture = createCapture({
    getSecurityInfo: fakeGetSecurityInfo(info).fn, analyzer: () => a, mode: () => mode, ready,
    blockedPageUrl: () => "moz-extension://x/blocked", onResponse: () => undefined,
  });
  let settled = false;
  const pending = capture.onHeadersReceived(details("main_frame")).then((r) => ((settled = true), r));
  await tick();
  expect(settled).toBe(false);
  // Settings arrive: block mode and a blocklist entry for the intermediate.
  a.setSettings({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "policy").entries });
  mode = "block";
  release();
  expect((await pending).redirectUrl).toBe("moz-extension://x/blocked");
});
