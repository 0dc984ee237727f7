import { pemToDerList } from "../../../src/encoding";
import { droppedEvent, pageUrlDetail, reportEvents } from "../../../src/reporting/events";
import { LEVEL_RANK, type Severity } from "../../../src/verdict";
import { config, diginotarScenario, idSource } from "./fixtures";

describe("reportEvents: which findings", () => {
  test.each<Severity>(["notice", "warning", "blocked"])("minLevel %s: one event per finding at or above it, in the verdict's order", async (minLevel) => {
    const { input } = await diginotarScenario();
    const expected = input.verdict.findings.filter((f) => LEVEL_RANK[f.severity] >= LEVEL_RANK[minLevel]);
    expect(expected.length).toBeGreaterThan(0);
    const events = reportEvents(input, config({ minLevel }), idSource());
    expect(events.map((e) => [e.ruleId, e.level, e.title])).toEqual(expected.map((f) => [f.ruleId, f.severity, f.title]));
    expect(events.every((e) => e.kind === "finding")).toBe(true);
  });

  test("the scenario holds every level, so the filter is really exercised", async () => {
    const { input } = await diginotarScenario();
    expect(new Set(input.verdict.findings.map((f) => f.severity))).toEqual(new Set(["notice", "warning", "blocked"]));
  });

  test("an ok verdict makes no event", async () => {
    const { input } = await diginotarScenario();
    expect(reportEvents({ ...input, verdict: { ...input.verdict, level: "ok", findings: [] } }, config(), idSource())).toEqual([]);
  });

  test("each event takes its id from newId, one call per event", async () => {
    const { input } = await diginotarScenario();
    const events = reportEvents(input, config(), idSource("uuid"));
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => `uuid-${i + 1}`));
  });
});

describe("reportEvents: what each event says", () => {
  test("the blocked finding names the certificate it is about, the blocklist entry, the connection and the versions", async () => {
    const { input } = await diginotarScenario();
    const finding = input.verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
    const cert = input.verdict.chain[finding.certIndex!];
    const [event] = reportEvents(input, config({ minLevel: "blocked", deviceLabel: "LAPTOP-0042" }), idSource());
    expect(event).toEqual({
      id: "id-1",
      time: input.time,
      kind: "finding",
      level: "blocked",
      ruleId: "blocked-certificate",
      title: finding.title,
      url: "https://www.example.com:8443",
      serverAddress: "cdn.example.net",
      certificate: { sha256: cert.sha256, subject: cert.subject, issuer: cert.issuer, notAfter: cert.validity.end, role: cert.role },
      match: { source: finding.match!.source, key: finding.match!.key, label: finding.match!.label },
      tls: { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256" },
      stopped: true,
      blocklistVersion: input.verdict.blocklistVersion,
      extensionVersion: "0.1.0",
      browserVersion: "140.5.0",
      deviceLabel: "LAPTOP-0042",
    });
    expect(event.certificate!.subject).toMatch(/DigiNotar/);
  });

  test("serverAddress is the host of the response, not of the page; an IPv6 literal loses its brackets", async () => {
    const { input } = await diginotarScenario({ url: "https://[::1]:8443/x" });
    expect(reportEvents(input, config(), idSource()).map((e) => e.serverAddress)).toEqual(input.verdict.findings.map(() => "::1"));
  });

  test("a response URL that does not parse: no serverAddress, the event is still made", async () => {
    const { input } = await diginotarScenario({ url: "not a url" });
    const events = reportEvents(input, config(), idSource());
    expect(events).toHaveLength(input.verdict.findings.length);
    for (const e of events) expect(e).not.toHaveProperty("serverAddress");
  });

  test("a finding about the whole chain, or one whose certIndex is past the chain's end, has no certificate", async () => {
    const { input } = await diginotarScenario();
    const base = input.verdict.findings[0];
    const findings = [
      { ...base, ruleId: "certificate-error-overridden", certIndex: null },
      { ...base, ruleId: "stale", certIndex: input.verdict.chain.length },
      { ...base, ruleId: "negative", certIndex: -1 },
    ];
    const events = reportEvents({ ...input, verdict: { ...input.verdict, findings } }, config(), idSource());
    expect(events.map((e) => e.ruleId)).toEqual(["certificate-error-overridden", "stale", "negative"]);
    for (const e of events) expect(e).not.toHaveProperty("certificate");
  });

  test("no connection details → no tls; only what Firefox gave is kept", async () => {
    const { input } = await diginotarScenario({ connection: {} });
    expect(reportEvents(input, config(), idSource())[0]).not.toHaveProperty("tls");
    const [onlyVersion] = reportEvents({ ...input, connection: { protocolVersion: "TLSv1.2" } }, config(), idSource());
    expect(onlyVersion.tls).toEqual({ version: "TLSv1.2" });
  });

  test("findings without a blocklist match carry no match; no device label unless configured", async () => {
    const { input } = await diginotarScenario();
    for (const e of reportEvents(input, config(), idSource()).filter((e) => e.ruleId !== "blocked-certificate")) {
      expect(e).not.toHaveProperty("match");
      expect(e).not.toHaveProperty("deviceLabel");
    }
  });
});

describe("reportEvents: how much of the page URL leaves the browser", () => {
  test.each([
    ["full", "https://www.example.com:8443/account/orders?id=42"],
    ["origin", "https://www.example.com:8443"],
    ["none", undefined],
  ] as const)("url %s", async (detail, expected) => {
    const { input } = await diginotarScenario();
    for (const e of reportEvents(input, config({ url: detail }), idSource())) {
      expect(e.url).toBe(expected);
      expect("url" in e).toBe(expected !== undefined);
      // Whatever the detail, the credentials and the fragment of the page URL never leave.
      expect(JSON.stringify(e)).not.toMatch(/secret|access_token/);
    }
  });

  test.each(["about:blank", "not a url", "data:text/html,hi"])("a page URL with no origin (%s) is left out", (pageUrl) => {
    expect(pageUrlDetail(pageUrl, "origin")).toBeUndefined();
    expect(pageUrlDetail(pageUrl, "full")).toBeUndefined();
  });
});

describe("reportEvents: the chain as PEM", () => {
  test("includeChain: each certificate as PEM with 64-character lines, decoding back to the exact DER, leaf first", async () => {
    const { input, der } = await diginotarScenario();
    const [event] = reportEvents(input, config({ includeChain: true }), idSource());
    expect(event.chainPem).toHaveLength(der.length);
    for (const pem of event.chainPem!) {
      const body = pem.split("\n").filter((line) => line && !line.startsWith("-----"));
      expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
      expect(body[body.length - 1].length).toBeLessThanOrEqual(64);
    }
    expect(pemToDerList(event.chainPem!.join(""))).toEqual(der);
  });

  test("certificates Firefox gave no bytes for (null) or undecodable ones are left out; none at all → no chainPem", async () => {
    const { input, der } = await diginotarScenario();
    const [partial] = reportEvents({ ...input, der: [null, input.der[1], "%%% not base64 %%%"] }, config({ includeChain: true }), idSource());
    expect(pemToDerList(partial.chainPem!.join(""))).toEqual([der[1]]);
    const [none] = reportEvents({ ...input, der: [null, null, null] }, config({ includeChain: true }), idSource());
    expect(none).not.toHaveProperty("chainPem");
  });

  test("without includeChain, no PEM", async () => {
    const { input } = await diginotarScenario();
    for (const e of reportEvents(input, config(), idSource())) expect(e).not.toHaveProperty("chainPem");
  });
});

describe("droppedEvent", () => {
  const context = { time: 1_800_000_000_000, extensionVersion: "0.1.0", browserVersion: "140.5.0", blocklistVersion: "1.2" };

  test("says how many events the full queue dropped, with its own id, whatever minLevel", () => {
    const event = droppedEvent(1234, context, config({ minLevel: "blocked", deviceLabel: "kiosk" }), idSource("drop"));
    expect(event).toMatchObject({
      id: "drop-1",
      kind: "dropped",
      ruleId: "dropped-events",
      dropped: 1234,
      time: context.time,
      deviceLabel: "kiosk",
      stopped: false,
    });
    expect(event.title).toMatch(/dropped 1234 events/);
    expect(event).not.toHaveProperty("certificate");
    expect(event).not.toHaveProperty("url");
  });

  test("one event, singular; no device label unless configured", () => {
    const event = droppedEvent(1, context, config(), idSource());
    expect(event.title).toMatch(/dropped 1 event\b/);
    expect(event).not.toHaveProperty("deviceLabel");
  });
});
