/**
 * Serializes report events into the request each collector format expects. Every format is made
 * from the same field list (eventFields), named after OpenTelemetry / Elastic Common Schema, so a
 * dashboard works whichever path the events took (OTLP through a collector, or straight to Splunk).
 */
import { colonHexToHex } from "../encoding";
import type { Severity } from "../verdict";
import type { ReportEvent, ReportFormat, ReportingConfig, SerializedBatch } from "./model";

export const REPORT_FORMATS: readonly ReportFormat[] = ["otlp", "splunk-hec", "ndjson"];

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const SERVICE_NAME = "chain-sentry";

/** OTLP severity per level: SeverityNumber INFO, WARN, ERROR (logs data model). */
export const OTLP_SEVERITY: Record<Severity, { number: number; text: string }> = {
  notice: { number: 9, text: "INFO" },
  warning: { number: 13, text: "WARN" },
  blocked: { number: 17, text: "ERROR" },
};

/** Whole numbers only: OTLP sends them as intValue. */
type FieldValue = string | number | boolean | string[];
type Field = [name: string, value: FieldValue];

export function serializeBatch(events: readonly ReportEvent[], config: ReportingConfig): SerializedBatch {
  const bearer = config.token === undefined ? undefined : `Bearer ${config.token}`;
  switch (config.format) {
    case "otlp":
      return {
        url: `${baseUrl(config.endpoint)}/v1/logs`,
        headers: requestHeaders(config, "application/json", bearer),
        body: JSON.stringify(otlpLogs(events)),
      };
    case "splunk-hec":
      return {
        url: `${baseUrl(config.endpoint)}/services/collector/event`,
        headers: requestHeaders(config, "application/json", config.token === undefined ? undefined : `Splunk ${config.token}`),
        // HEC's batch form: event objects one after another (no array).
        body: events.map((e) => JSON.stringify(splunkEvent(e))).join("\n"),
      };
    case "ndjson":
      return {
        url: config.endpoint,
        headers: requestHeaders(config, "application/x-ndjson", bearer),
        body: events.map((e) => `${JSON.stringify(flatRecord(e))}\n`).join(""),
      };
  }
}

// --- the shared field list ------------------------------------------------------------------------

/** Who sent the event: the same for every event of one browser, so OTLP puts them on the resource. */
function resourceFields(e: ReportEvent): Field[] {
  const fields: Field[] = [
    ["service.name", SERVICE_NAME],
    ["service.version", e.extensionVersion],
    // The extension runs only in Firefox (gecko manifest).
    ["user_agent.name", "Firefox"],
    ["user_agent.version", e.browserVersion],
  ];
  if (e.deviceLabel !== undefined) fields.push(["host.name", e.deviceLabel], ["chain_sentry.device.label", e.deviceLabel]);
  return fields;
}

/** What happened. */
function eventFields(e: ReportEvent): Field[] {
  const fields: Field[] = [
    // OpenTelemetry's name for a unique log id, so a collector can drop duplicates of a resend.
    ["log.record.uid", e.id],
    ["chain_sentry.event.id", e.id],
    ["chain_sentry.event.kind", e.kind],
    ["chain_sentry.rule.id", e.ruleId],
    ["chain_sentry.severity", e.level],
    ["chain_sentry.stopped", e.stopped],
    ["chain_sentry.blocklist.version", e.blocklistVersion],
  ];
  const add = (name: string, value: FieldValue | undefined) => {
    if (value !== undefined) fields.push([name, value]);
  };
  add("chain_sentry.dropped.count", e.dropped);
  fields.push(...urlFields(e.url));
  add("server.address", e.serverAddress);
  if (e.tls) {
    const version = /^TLSv(\d+(?:\.\d+)?)$/.exec(e.tls.version ?? "");
    // ECS splits Firefox's "TLSv1.3" into tls.version "1.3" and tls.version_protocol "tls".
    add("tls.version", version ? version[1] : e.tls.version);
    if (version) add("tls.version_protocol", "tls");
    add("tls.cipher", e.tls.cipher);
  }
  const cert = e.certificate;
  if (cert) {
    // ECS and OpenTelemetry write certificate hashes as uppercase hex without separators.
    add("tls.server.hash.sha256", colonHexToHex(cert.sha256).toUpperCase());
    add("tls.server.x509.subject.distinguished_name", cert.subject);
    add("tls.server.x509.issuer.distinguished_name", cert.issuer);
    add("tls.server.not_after", isoTime(cert.notAfter));
    add("chain_sentry.certificate.role", cert.role);
  }
  if (e.match) {
    add("chain_sentry.match.list", e.match.source);
    add("chain_sentry.match.key", e.match.key);
    add("chain_sentry.match.label", e.match.label);
  }
  add("chain_sentry.chain.pem", e.chainPem);
  return fields;
}

/**
 * The page URL's fields. The event holds either the full URL or only its origin (which, unlike an
 * href, never ends in "/"), so the fields follow what was kept, whatever the policy says now.
 */
function urlFields(url: string | undefined): Field[] {
  if (url === undefined) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const fields: Field[] = url === parsed.origin ? [["url.scheme", parsed.protocol.slice(0, -1)]] : [["url.full", url]];
  fields.push(["url.domain", parsed.hostname.replace(/^\[(.*)\]$/, "$1")]);
  if (url === parsed.origin && parsed.port) fields.push(["url.port", Number(parsed.port)]);
  // The origin as one string too (no semantic convention has it): what an analyst searches for.
  fields.push(["chain_sentry.page.origin", parsed.origin]);
  return fields;
}

/** Flat, for formats without OTLP's resource/record split (Splunk's event, NDJSON lines). */
function flatRecord(e: ReportEvent): Record<string, FieldValue> {
  const time = isoTime(e.time);
  return Object.fromEntries([...(time ? [["@timestamp", time] as Field] : []), ["message", e.title], ...resourceFields(e), ...eventFields(e)]);
}

function isoTime(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// --- OTLP/HTTP JSON ---------------------------------------------------------------------------------

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  arrayValue?: { values: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/** ExportLogsServiceRequest in the proto3 JSON mapping OTLP/HTTP uses (lowerCamelCase, int64 as strings). */
function otlpLogs(events: readonly ReportEvent[]) {
  // A queue that outlived an update holds events of two versions: each set of resource fields is its own resource.
  const byResource = new Map<string, { resource: Field[]; events: ReportEvent[] }>();
  for (const e of events) {
    const resource = resourceFields(e);
    const key = JSON.stringify(resource);
    const group = byResource.get(key) ?? { resource, events: [] };
    group.events.push(e);
    byResource.set(key, group);
  }
  return {
    resourceLogs: [...byResource.values()].map((group) => ({
      resource: { attributes: otlpAttributes(group.resource) },
      scopeLogs: [
        {
          scope: { name: SERVICE_NAME, version: group.events[0].extensionVersion },
          logRecords: group.events.map((e) => ({
            timeUnixNano: unixNano(e.time),
            // The extension observed the connection when it happened.
            observedTimeUnixNano: unixNano(e.time),
            severityNumber: OTLP_SEVERITY[e.level].number,
            severityText: OTLP_SEVERITY[e.level].text,
            body: { stringValue: e.title },
            attributes: otlpAttributes(eventFields(e)),
          })),
        },
      ],
    })),
  };
}

function otlpAttributes(fields: Field[]): OtlpKeyValue[] {
  return fields.map(([key, value]) => ({ key, value: otlpValue(value) }));
}

function otlpValue(value: FieldValue): OtlpAnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: value.map(otlpValue) } };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return { intValue: String(Math.trunc(value)) };
  return { stringValue: value };
}

/** Epoch milliseconds → nanoseconds as a decimal string (beyond 2^53, so never a JSON number). */
function unixNano(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  return whole === 0 ? "0" : `${whole}000000`;
}

// --- Splunk HEC -----------------------------------------------------------------------------------

function splunkEvent(e: ReportEvent) {
  return {
    // HEC takes epoch seconds, with the milliseconds as a fraction.
    time: e.time / 1000,
    host: e.deviceLabel ?? SERVICE_NAME,
    source: SERVICE_NAME,
    sourcetype: "chain_sentry:finding",
    event: flatRecord(e),
  };
}

// --- HTTP ---------------------------------------------------------------------------------------------

/** The endpoint without trailing slashes, for a format to append its path to. */
function baseUrl(endpoint: string): string {
  return endpoint.replace(/\/+$/, "");
}

/**
 * The policy's extra headers, then the format's own (which win, whatever the case of the name).
 * Line breaks are taken out of every value: a header must never be split into two.
 */
function requestHeaders(config: ReportingConfig, contentType: string, authorization: string | undefined): Record<string, string> {
  const own: Record<string, string> = { "Content-Type": contentType };
  if (authorization !== undefined) own.Authorization = authorization;
  const ownNames = new Set(Object.keys(own).map((n) => n.toLowerCase()));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...filterHeaders(config.headers, ownNames), ...own })) headers[name] = oneLine(value);
  return headers;
}

function filterHeaders(extra: Record<string, string>, taken: Set<string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(extra ?? {}).filter(([name, value]) => HEADER_NAME.test(name) && !taken.has(name.toLowerCase()) && typeof value === "string"),
  );
}

export function oneLine(value: string): string {
  return value.replace(/[\r\n\0]+/g, " ").trim();
}
