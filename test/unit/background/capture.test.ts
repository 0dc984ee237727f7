import type { WebRequest } from "webextension-polyfill";
import { createCapture, type CaptureDeps, type CaptureEvent } from "../../../background/capture";
import type { EnforcementSettings } from "../../../src/enforcement";
import type { BlockedPageInfo, UncheckedResponse } from "../../../src/protocol";
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

/** A capture with recording deps that keep what they were given; `overrides` replace any of them. */
function captureWith(overrides: Partial<CaptureDeps> & { mode?: EnforcementSettings["mode"]; blockUnverifiableChains?: boolean }) {
  const events: CaptureEvent[] = [];
  const unchecked: UncheckedResponse[] = [];
  const errors: unknown[] = [];
  const pages: Omit<BlockedPageInfo, "id">[] = [];
  const { mode = "warn", blockUnverifiableChains = false, ...deps } = overrides;
  const capture = createCapture({
    getSecurityInfo: async () => undefined,
    analyzer: () => analyzer(),
    settings: () => ({ mode, blockUnverifiableChains }),
    ready: Promise.resolve(),
    blockPage: (page) => {
      pages.push(page);
      return `moz-extension://x/popup/blocked.html?id=${pages.length}`;
    },
    onResponse: (e) => events.push(e),
    onUnchecked: (_, r) => unchecked.push(r),
    onError: (e) => errors.push(e),
    ...deps,
  });
  return { capture, events, unchecked, errors, pages };
}

async function setup(mode: "warn" | "block", blockIntermediate = false) {
  const info = await securityInfo(await makePki());
  const a = analyzer();
  if (blockIntermediate) {
    const list = parseList([{ spkiSha256: info.certificates[1].subjectPublicKeyInfoDigest.sha256, label: "Rogue CA" }], "blocklist", "policy");
    a.setLists({ allowlist: [], blocklist: list.entries });
  }
  const sec = fakeGetSecurityInfo(info);
  return { ...captureWith({ getSecurityInfo: sec.fn, analyzer: () => a, mode }), calls: sec.calls, info };
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

test("a burst of responses is recorded whole and in order, after the listener answered each, even when a recording step throws", async () => {
  const info = await securityInfo(await makePki());
  const sec = fakeGetSecurityInfo(info);
  const urls: string[] = [];
  const a = analyzer();
  const { capture, errors } = captureWith({
    getSecurityInfo: sec.fn,
    analyzer: () => a,
    onResponse: (e) => {
      urls.push(e.details.url);
      if (e.details.url.endsWith("/13")) throw new Error("recording failed");
    },
  });
  // The page's document first: its chain is analysed once, and the burst is answered from the cache.
  await capture.onHeadersReceived(details("main_frame"));
  for (let i = 0; i < 5; i++) await tick();
  urls.length = 0;
  const sent = Array.from({ length: 100 }, (_, i) => `https://localhost:8443/${i}`);
  const answers = await Promise.all(sent.map((url) => capture.onHeadersReceived({ ...details("image", url), requestId: url })));
  expect(answers.every((a) => JSON.stringify(a) === "{}")).toBe(true);
  expect(urls).toEqual([]);
  for (let i = 0; i < 5; i++) await tick();
  expect(urls).toEqual(sent);
  expect(errors).toEqual([new Error("recording failed")]);
});

test("warn mode lets a blocked chain through and records it as blocked-level", async () => {
  const { capture, events } = await setup("warn", true);
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
  await tick();
  expect(events[0]).toMatchObject({ stopped: null, verdict: { level: "blocked" } });
});

test("block mode sends a top-level document to the block page, whose address is short however long the URL", async () => {
  const { capture, events, info, pages } = await setup("block", true);
  const longUrl = `https://localhost:8443/?q=${"%2F&=".repeat(100_000)}`;
  const response = await capture.onHeadersReceived(details("main_frame", longUrl));
  expect(response.redirectUrl).toBe("moz-extension://x/popup/blocked.html?id=1");
  expect(pages[0]).toMatchObject({
    kind: "blocked",
    url: longUrl,
    origin: "https://localhost:8443",
    certificate: { sha256: info.certificates[1].fingerprint.sha256, label: "Rogue CA", source: "policy", key: "spkiSha256" },
  });
  expect(pages[0].certificate!.subject).toMatch(/Test Intermediate/);
  await tick();
  expect(events[0].stopped).toBe("blocked");
});

test("when no block page can be made, the document is cancelled", async () => {
  const info = await securityInfo(await makePki());
  const a = analyzer();
  a.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "policy").entries });
  const { capture } = captureWith({ getSecurityInfo: fakeGetSecurityInfo(info).fn, analyzer: () => a, mode: "block", blockPage: () => null });
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({ cancel: true });
});

test("block mode cancels a blocked subresource", async () => {
  const { capture } = await setup("block", true);
  expect(await capture.onHeadersReceived(details("image", "https://localhost:8443/a.png"))).toEqual({ cancel: true });
});

test("block mode never blocks a chain that is only a warning", async () => {
  const { capture } = await setup("block");
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
});

describe("failing closed", () => {
  const failures: [string, CaptureDeps["getSecurityInfo"]][] = [
    ["getSecurityInfo rejects", async () => Promise.reject(new Error("channel gone"))],
    ["Firefox gives no security information", async () => undefined],
    ["a secure connection comes without certificates", async () => ({ state: "secure", certificates: [] })],
    ["the server certificate is null (Firefox reports {})", async () => ({ state: "secure", certificates: [{} as never] })],
    ["certificates is not an array", async () => ({ state: "secure", certificates: "nope" as never })],
  ];

  test.each(failures)("%s: block mode stops the document on a block page saying it could not be checked", async (_, getSecurityInfo) => {
    const { capture, events, pages } = captureWith({ getSecurityInfo, mode: "block" });
    const response = await capture.onHeadersReceived(details("main_frame"));
    expect(response.redirectUrl).toMatch(/blocked\.html\?id=/);
    expect(pages[0]).toMatchObject({ kind: "undecided", certificate: null });
    expect(pages[0].reason).toMatch(/could not/);
    expect(await capture.onHeadersReceived(details("script", "https://localhost:8443/a.js"))).toEqual({ cancel: true });
    await tick();
    expect(events[0]).toMatchObject({ stopped: "undecided", verdict: { level: "warning" } });
    expect(events[0].verdict.findings.map((f) => f.ruleId)).toContain("analysis-error");
  });

  test.each(failures)("%s: warn mode passes it and records an analysis error", async (_, getSecurityInfo) => {
    const { capture, events } = captureWith({ getSecurityInfo, mode: "warn" });
    expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
    await tick();
    expect(events[0].stopped).toBeNull();
    expect(events[0].verdict.findings.map((f) => f.ruleId)).toContain("analysis-error");
  });

  test("an analyzer that throws stops the response in block mode and is reported", async () => {
    const info = await securityInfo(await makePki());
    const broken = analyzer();
    broken.analyze = () => {
      throw new Error("bug");
    };
    const { capture, errors } = captureWith({ getSecurityInfo: fakeGetSecurityInfo(info).fn, analyzer: () => broken, mode: "block" });
    expect(await capture.onHeadersReceived(details("xmlhttprequest"))).toEqual({ cancel: true });
    expect(errors.map(String)).toEqual(["Error: bug"]);
  });

  test("a certificate whose bytes do not parse stops the response in block mode", async () => {
    const info = await securityInfo(await makePki());
    info.certificates[1].rawDER = [0x30, 0x82, 0xff, 0xff, 0x30];
    const { capture } = captureWith({ getSecurityInfo: async () => info, mode: "block" });
    expect(await capture.onHeadersReceived(details("script"))).toEqual({ cancel: true });
  });

  test("recording that throws after the listener returned is reported, not thrown", async () => {
    const info = await securityInfo(await makePki());
    const { capture, errors } = captureWith({
      getSecurityInfo: fakeGetSecurityInfo(info).fn,
      onResponse: () => {
        throw new TypeError("cannot read certIndex");
      },
    });
    expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
    await tick();
    expect(errors.map(String)).toEqual(["TypeError: cannot read certIndex"]);
  });
});

test.each([
  ["no certificate at all (what Firefox ESR 153 reports)", 0],
  ["only the leaf (what SecurityInfo.sys.mjs suggests)", 1],
])("an overridden certificate error with %s is stopped in block mode only when the policy asks", async (_, kept) => {
  const info = await securityInfo(await makePki());
  const overridden: SecurityInfo = { ...info, overridableErrorCategory: "trust_error", isUntrusted: true, certificates: info.certificates.slice(0, kept) };
  const getSecurityInfo = async () => overridden;
  const lenient = captureWith({ getSecurityInfo, mode: "block" });
  expect(await lenient.capture.onHeadersReceived(details("main_frame"))).toEqual({});
  await tick();
  expect(lenient.events[0].verdict.findings.map((f) => f.ruleId)).toContain("certificate-error-overridden");

  const strict = captureWith({ getSecurityInfo, mode: "block", blockUnverifiableChains: true });
  expect((await strict.capture.onHeadersReceived(details("main_frame"))).redirectUrl).toMatch(/blocked\.html/);
  expect(strict.pages[0].kind).toBe("unverifiable");
  expect(await captureWith({ getSecurityInfo, mode: "warn", blockUnverifiableChains: true }).capture.onHeadersReceived(details("main_frame"))).toEqual({});
});

test("a response Firefox reports with no TLS details at all passes, also in block mode, and is recorded as unchecked", async () => {
  const { capture, events, unchecked } = captureWith({ getSecurityInfo: async () => ({ state: "insecure" }) as SecurityInfo, mode: "block" });
  expect(await capture.onHeadersReceived(details("main_frame"))).toEqual({});
  await tick();
  expect(events).toEqual([]);
  expect(unchecked).toMatchObject([{ url: "https://localhost:8443/", origin: "https://localhost:8443", type: "main_frame" }]);
  expect(unchecked[0].reason).toMatch(/no TLS details/);
});

test("responses that arrive before settings are loaded wait for them instead of passing unchecked", async () => {
  const info = await securityInfo(await makePki());
  let release!: () => void;
  const ready = new Promise<void>((r) => (release = r));
  const a = analyzer();
  let mode: "warn" | "block" = "warn";
  const { capture } = captureWith({
    getSecurityInfo: fakeGetSecurityInfo(info).fn,
    analyzer: () => a,
    ready,
    settings: () => ({ mode, blockUnverifiableChains: false }),
  });
  let settled = false;
  const pending = capture.onHeadersReceived(details("main_frame")).then((r) => ((settled = true), r));
  await tick();
  expect(settled).toBe(false);
  // Settings arrive: block mode and a blocklist entry for the intermediate.
  a.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "policy").entries });
  mode = "block";
  release();
  expect((await pending).redirectUrl).toMatch(/blocked\.html\?id=/);
});
