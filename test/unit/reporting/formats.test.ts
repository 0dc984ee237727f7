import { createHash } from "node:crypto";
import { reportEvents, droppedEvent } from "../../../src/reporting/events";
import { serializeBatch } from "../../../src/reporting/formats";
import type { ReportEvent, ReportingConfig } from "../../../src/reporting/model";
import { config, diginotarScenario, idSource, type Scenario } from "./fixtures";

/**
 * The official OTLP definitions: the protobufjs module OpenTelemetry generates from the
 * opentelemetry-proto .proto files and ships in @opentelemetry/otlp-transformer (0.214.0, the last
 * release that still bundles the logs messages). Its fromObject follows the proto3 JSON mapping.
 */
interface ProtoMessage {
  fromObject(object: object): unknown;
  toObject(message: unknown, options: object): Record<string, unknown>;
  verify(message: unknown): string | null;
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const otlp = require("@opentelemetry/otlp-transformer/build/src/generated/root").opentelemetry.proto;
const ExportLogsServiceRequest: ProtoMessage = otlp.collector.logs.v1.ExportLogsServiceRequest;
const SeverityNumber: Record<string, number> = otlp.logs.v1.SeverityNumber;
/** int64 as decimal strings, enums as numbers, bytes as base64: the proto3 JSON forms OTLP/HTTP uses. */
const JSON_FORM = { longs: String, enums: Number, bytes: String };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function events(overrides: Partial<ReportingConfig> = {}): Promise<{ scenario: Scenario; events: ReportEvent[]; config: ReportingConfig }> {
  const scenario = await diginotarScenario();
  const cfg = config({ includeChain: true, deviceLabel: "LAPTOP-0042", ...overrides });
  return { scenario, events: reportEvents(scenario.input, cfg, idSource()), config: cfg };
}

/** An OTLP KeyValue list as a plain object, values in their JSON form. */
function attributes(list: { key: string; value: Json }[]): Json {
  return Object.fromEntries(list.map(({ key, value }) => [key, plain(value)]));
}
function plain(value: Json): unknown {
  if ("arrayValue" in value) return value.arrayValue.values.map(plain);
  return value.stringValue ?? value.boolValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
}

const sha256Hex = (der: Uint8Array) => createHash("sha256").update(der).digest("hex").toUpperCase();

describe("otlp: valid against the official OTLP protobuf definitions", () => {
  test("the body is an ExportLogsServiceRequest: proto3-JSON decoding keeps every field we set, verify passes, and it survives the wire format", async () => {
    const { events: batch, config: cfg } = await events({ url: "full" });
    const body = JSON.parse(serializeBatch([...batch, droppedEvent(7, { ...batch[0], blocklistVersion: "x" }, cfg, idSource("d"))], cfg).body);
    const message = ExportLogsServiceRequest.fromObject(body);
    expect(ExportLogsServiceRequest.verify(message)).toBeNull();
    // Anything fromObject did not recognise (a misspelt field, a wrong type) would be missing or changed here.
    expect(ExportLogsServiceRequest.toObject(message, JSON_FORM)).toEqual(body);
    const wire = ExportLogsServiceRequest.decode(ExportLogsServiceRequest.encode(message).finish());
    expect(ExportLogsServiceRequest.toObject(wire, JSON_FORM)).toEqual(body);
  });

  test("POSTs to {endpoint}/v1/logs as JSON, with the token as a bearer and the policy's extra headers", async () => {
    const { events: batch } = await events();
    const { url, headers } = serializeBatch(
      batch,
      config({ endpoint: "https://otel.example.com:4318/", token: "s3cr3t", headers: { "X-Scope-OrgID": "security" } }),
    );
    expect(url).toBe("https://otel.example.com:4318/v1/logs");
    expect(headers).toEqual({ "Content-Type": "application/json", Authorization: "Bearer s3cr3t", "X-Scope-OrgID": "security" });
    expect(serializeBatch(batch, config({ endpoint: "https://otel.example.com/base///" })).url).toBe("https://otel.example.com/base/v1/logs");
    expect(serializeBatch(batch, config()).headers).toEqual({ "Content-Type": "application/json" });
  });

  test("resource, scope and one log record per event, in order; times in nanoseconds as strings", async () => {
    const { events: batch, config: cfg, scenario } = await events();
    const body = JSON.parse(serializeBatch(batch, cfg).body);
    expect(body.resourceLogs).toHaveLength(1);
    const [resourceLogs] = body.resourceLogs;
    expect(attributes(resourceLogs.resource.attributes)).toMatchObject({
      "service.name": "chain-sentry",
      "service.version": scenario.input.extensionVersion,
      "user_agent.name": "Firefox",
      "user_agent.version": scenario.input.browserVersion,
      "host.name": "LAPTOP-0042",
      "chain_sentry.device.label": "LAPTOP-0042",
    });
    expect(resourceLogs.scopeLogs).toHaveLength(1);
    expect(resourceLogs.scopeLogs[0].scope).toEqual({ name: "chain-sentry", version: scenario.input.extensionVersion });
    const records = resourceLogs.scopeLogs[0].logRecords;
    expect(records.map((r: Json) => attributes(r.attributes)["log.record.uid"])).toEqual(batch.map((e) => e.id));
    for (const [i, record] of records.entries()) {
      expect(BigInt(record.timeUnixNano)).toBe(BigInt(batch[i].time) * 1_000_000n);
      expect(record.observedTimeUnixNano).toBe(record.timeUnixNano);
      expect(record.body).toEqual({ stringValue: batch[i].title });
    }
  });

  test.each([
    ["notice", "INFO"],
    ["warning", "WARN"],
    ["blocked", "ERROR"],
  ] as const)("a %s finding has severity %s (the logs data model's number for it)", async (level, name) => {
    const { events: batch, config: cfg } = await events();
    const body = JSON.parse(serializeBatch(batch, cfg).body);
    const records = body.resourceLogs[0].scopeLogs[0].logRecords.filter((_: Json, i: number) => batch[i].level === level);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.severityNumber).toBe(SeverityNumber[`SEVERITY_NUMBER_${name}`]);
      expect(r.severityText).toBe(name);
      expect(attributes(r.attributes)["chain_sentry.severity"]).toBe(level);
    }
  });

  test("the blocked record names the certificate by ECS/OpenTelemetry TLS fields, the rule, the list entry, the connection and the page's origin (no path)", async () => {
    const { events: batch, config: cfg, scenario } = await events();
    const index = batch.findIndex((e) => e.ruleId === "blocked-certificate");
    const finding = scenario.input.verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
    const record = JSON.parse(serializeBatch(batch, cfg).body).resourceLogs[0].scopeLogs[0].logRecords[index];
    const attrs = attributes(record.attributes);
    expect(attrs).toMatchObject({
      "chain_sentry.event.id": batch[index].id,
      "chain_sentry.event.kind": "finding",
      "chain_sentry.rule.id": "blocked-certificate",
      "tls.server.hash.sha256": sha256Hex(scenario.der[finding.certIndex!]),
      "tls.server.x509.subject.distinguished_name": scenario.input.verdict.chain[finding.certIndex!].subject,
      "tls.server.x509.issuer.distinguished_name": scenario.input.verdict.chain[finding.certIndex!].issuer,
      "tls.server.not_after": new Date(scenario.input.verdict.chain[finding.certIndex!].validity.end).toISOString(),
      "chain_sentry.certificate.role": scenario.input.verdict.chain[finding.certIndex!].role,
      "tls.version": "1.3",
      "tls.version_protocol": "tls",
      "tls.cipher": "TLS_AES_128_GCM_SHA256",
      "server.address": "cdn.example.net",
      "url.scheme": "https",
      "url.domain": "www.example.com",
      "url.port": 8443,
      "chain_sentry.page.origin": "https://www.example.com:8443",
      "chain_sentry.match.list": finding.match!.source,
      "chain_sentry.match.key": finding.match!.key,
      "chain_sentry.match.label": finding.match!.label,
      "chain_sentry.blocklist.version": scenario.input.verdict.blocklistVersion,
      "chain_sentry.stopped": true,
    });
    expect(attrs).not.toHaveProperty(["url.full"]);
    expect(attrs["chain_sentry.chain.pem"]).toEqual(batch[index].chainPem);
    expect(record.attributes.find((a: Json) => a.key === "url.port").value).toEqual({ intValue: "8443" });
    expect(record.attributes.find((a: Json) => a.key === "chain_sentry.stopped").value).toEqual({ boolValue: true });
  });

  test("url full → url.full with path and query; url none → no url field", async () => {
    const full = await events({ url: "full" });
    const fullAttrs = attributes(JSON.parse(serializeBatch(full.events, full.config).body).resourceLogs[0].scopeLogs[0].logRecords[0].attributes);
    expect(fullAttrs["url.full"]).toBe("https://www.example.com:8443/account/orders?id=42");
    expect(fullAttrs["url.domain"]).toBe("www.example.com");
    // The port is in url.full already: url.port is for an origin alone.
    expect(fullAttrs).not.toHaveProperty(["url.port"]);
    const none = await events({ url: "none" });
    const noneAttrs = attributes(JSON.parse(serializeBatch(none.events, none.config).body).resourceLogs[0].scopeLogs[0].logRecords[0].attributes);
    expect(Object.keys(noneAttrs).filter((k) => k.startsWith("url.") || k === "chain_sentry.page.origin")).toEqual([]);
  });

  test("events of two extension versions (a queue that outlived an update) go under two resources", async () => {
    const { events: batch, config: cfg } = await events();
    const mixed = [batch[0], { ...batch[1], extensionVersion: "0.2.0" }, batch[2]];
    const body = JSON.parse(serializeBatch(mixed, cfg).body);
    expect(body.resourceLogs.map((r: Json) => [attributes(r.resource.attributes)["service.version"], r.scopeLogs[0].logRecords.length])).toEqual([
      ["0.1.0", 2],
      ["0.2.0", 1],
    ]);
    expect(ExportLogsServiceRequest.verify(ExportLogsServiceRequest.fromObject(body))).toBeNull();
  });
});

describe("splunk-hec", () => {
  test("POSTs to {endpoint}/services/collector/event with Authorization: Splunk <token>", async () => {
    const { events: batch } = await events();
    const { url, headers } = serializeBatch(batch, config({ format: "splunk-hec", endpoint: "https://splunk.example.com:8088/", token: "hec-token" }));
    expect(url).toBe("https://splunk.example.com:8088/services/collector/event");
    expect(headers).toEqual({ "Content-Type": "application/json", Authorization: "Splunk hec-token" });
  });

  test("one event object per line: time in seconds, host, source, sourcetype, and the same facts as the OTLP record", async () => {
    const { events: batch, config: cfg } = await events({ format: "splunk-hec" });
    const lines = serializeBatch(batch, cfg).body.split("\n");
    expect(lines).toHaveLength(batch.length);
    const otlpRecords = JSON.parse(serializeBatch(batch, { ...cfg, format: "otlp" }).body).resourceLogs[0];
    for (const [i, line] of lines.entries()) {
      const hec = JSON.parse(line);
      expect(hec).toMatchObject({ time: batch[i].time / 1000, host: "LAPTOP-0042", source: "chain-sentry", sourcetype: "chain_sentry:finding" });
      expect(hec.event).toMatchObject({
        ...attributes(otlpRecords.resource.attributes),
        ...attributes(otlpRecords.scopeLogs[0].logRecords[i].attributes),
        message: batch[i].title,
        "@timestamp": new Date(batch[i].time).toISOString(),
      });
    }
  });

  test("without a device label the host is chain-sentry", async () => {
    const { events: batch } = await events({ deviceLabel: undefined });
    const hec = JSON.parse(serializeBatch(batch, config({ format: "splunk-hec" })).body.split("\n")[0]);
    expect(hec.host).toBe("chain-sentry");
    expect(hec.event).not.toHaveProperty(["host.name"]);
  });

  test("without a token, no Authorization of its own: the policy's header reaches the collector", async () => {
    const { events: batch } = await events();
    const { headers } = serializeBatch(batch, config({ format: "splunk-hec", headers: { Authorization: "Splunk from-the-policy" } }));
    expect(headers).toEqual({ "Content-Type": "application/json", Authorization: "Splunk from-the-policy" });
  });
});

describe("ndjson", () => {
  test("POSTs to the endpoint itself, one JSON object per line with a trailing newline", async () => {
    const { events: batch } = await events();
    const cfg = config({ format: "ndjson", endpoint: "https://hooks.example.com/chain-sentry?source=firefox", token: "t" });
    const { url, headers, body } = serializeBatch(batch, cfg);
    expect(url).toBe(cfg.endpoint);
    expect(headers).toEqual({ "Content-Type": "application/x-ndjson", Authorization: "Bearer t" });
    expect(body.endsWith("\n")).toBe(true);
    const lines = body
      .slice(0, -1)
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l["chain_sentry.event.id"])).toEqual(batch.map((e) => e.id));
    expect(lines.map((l) => l["chain_sentry.rule.id"])).toEqual(batch.map((e) => e.ruleId));
  });

  test("the same record as a Splunk event", async () => {
    const { events: batch, config: cfg } = await events();
    const ndjson = serializeBatch(batch, { ...cfg, format: "ndjson" })
      .body.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const hec = serializeBatch(batch, { ...cfg, format: "splunk-hec" })
      .body.split("\n")
      .map((l) => JSON.parse(l).event);
    expect(ndjson).toEqual(hec);
  });
});

describe("fields that depend on the event", () => {
  /** The one record NDJSON sends for an event. */
  const record = (event: ReportEvent): Json => JSON.parse(serializeBatch([event], config({ format: "ndjson" })).body);

  test("OTLP without a device label: the resource names only the service and the browser", async () => {
    const { events: batch } = await events({ deviceLabel: undefined });
    const body = JSON.parse(serializeBatch(batch, config()).body);
    expect(body.resourceLogs[0].resource.attributes.map((a: Json) => a.key)).toEqual([
      "service.name",
      "service.version",
      "user_agent.name",
      "user_agent.version",
    ]);
  });

  test("a dropped-events record says it is one, and how many were dropped", async () => {
    const { events: batch, config: cfg } = await events();
    const dropped = record(droppedEvent(7, { ...batch[0], blocklistVersion: "x" }, cfg, idSource("d")));
    expect(dropped).toMatchObject({ "chain_sentry.event.kind": "dropped", "chain_sentry.dropped.count": 7 });
  });

  test.each([
    ["TLSv1", { "tls.version": "1", "tls.version_protocol": "tls" }],
    ["TLSv1.2", { "tls.version": "1.2", "tls.version_protocol": "tls" }],
    // Not TLS: kept as Firefox wrote it, with no protocol claimed.
    ["SSLv3", { "tls.version": "SSLv3" }],
  ])("Firefox's %s: split into ECS's version and protocol only when it is TLS", async (version, expected) => {
    const { events: batch } = await events();
    const fields = record({ ...batch[0], tls: { version } });
    expect(Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith("tls.") && !k.startsWith("tls.server")))).toEqual(expected);
  });

  test.each([
    [
      "an origin without a port",
      "https://www.example.com",
      { "url.scheme": "https", "url.domain": "www.example.com", "chain_sentry.page.origin": "https://www.example.com" },
    ],
    [
      "an IPv6 origin",
      "https://[2001:db8::1]:8443",
      { "url.scheme": "https", "url.domain": "2001:db8::1", "url.port": 8443, "chain_sentry.page.origin": "https://[2001:db8::1]:8443" },
    ],
    ["a URL that does not parse", "not a url", {}],
  ])("%s: the url fields", async (_, url, expected) => {
    const { events: batch } = await events();
    const fields = record({ ...batch[0], url });
    expect(Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith("url.") || k === "chain_sentry.page.origin"))).toEqual(expected);
    expect(fields["chain_sentry.event.id"]).toBe(batch[0].id);
  });

  test("a time beyond what a date can hold: no @timestamp, the rest of the record is sent", async () => {
    const { events: batch } = await events();
    const fields = record({ ...batch[0], time: 8.64e15 + 1 });
    expect(fields).not.toHaveProperty("@timestamp");
    expect(fields.message).toBe(batch[0].title);
  });

  test("OTLP: a time at or before 1970 (a clock far off) is sent as 0, the canonical int64", async () => {
    const { events: batch, config: cfg } = await events();
    const body = JSON.parse(
      serializeBatch(
        [
          { ...batch[0], time: 0 },
          { ...batch[1], time: -5000 },
        ],
        cfg,
      ).body,
    );
    const records = body.resourceLogs[0].scopeLogs[0].logRecords;
    expect(records.map((r: Json) => [r.timeUnixNano, r.observedTimeUnixNano])).toEqual([
      ["0", "0"],
      ["0", "0"],
    ]);
    expect(ExportLogsServiceRequest.verify(ExportLogsServiceRequest.fromObject(body))).toBeNull();
  });

  test("extra headers: a value that is not text is left out, the others are trimmed", async () => {
    const { events: batch } = await events();
    const headers = { "X-Tenant": "  security \r\n", "X-Count": 5 as unknown as string };
    expect(serializeBatch(batch, config({ headers, token: "t\n" })).headers).toEqual({
      "Content-Type": "application/json",
      Authorization: "Bearer t",
      "X-Tenant": "security",
    });
  });
});

describe("hostile text from servers and policies", () => {
  const hostile = 'CN=evil"\r\n{"injected":true}\u2028\u0000,O=\\"x';

  test.each(["otlp", "splunk-hec", "ndjson"] as const)("%s: a subject with quotes, line breaks and NUL stays inside its JSON string", async (format) => {
    const { events: batch, config: cfg } = await events({ format });
    const evil = batch.map((e) => (e.certificate ? { ...e, title: hostile, certificate: { ...e.certificate, subject: hostile } } : e));
    const { body } = serializeBatch(evil, cfg);
    const lines = format === "otlp" ? [body] : body.trim().split("\n");
    expect(lines).toHaveLength(format === "otlp" ? 1 : batch.length);
    const text = JSON.stringify(lines.map((l) => JSON.parse(l)));
    expect(text).not.toContain('{"injected":true}');
    expect(text).toContain(JSON.stringify(hostile).slice(1, -1));
  });

  test("no header value carries a line break, whatever the token or extra headers hold", async () => {
    const { events: batch } = await events();
    for (const format of ["otlp", "splunk-hec", "ndjson"] as const) {
      const { headers } = serializeBatch(
        batch,
        config({
          format,
          token: "abc\r\nX-Injected: 1",
          headers: { "X-Tenant": "a\nb", "Bad Name": "x", "content-type": "text/plain", authorization: "Basic x" },
        }),
      );
      for (const [name, value] of Object.entries(headers)) {
        expect(`${name}: ${value}`).not.toMatch(/[\r\n\0]/);
      }
      expect(
        Object.keys(headers)
          .map((h) => h.toLowerCase())
          .sort(),
      ).toEqual(["authorization", "content-type", "x-tenant"]);
      expect(headers["Content-Type"]).not.toBe("text/plain");
      expect(headers.Authorization).toMatch(/^(Bearer|Splunk) abc X-Injected: 1$/);
    }
  });
});
