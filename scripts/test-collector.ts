/**
 * A local HTTPS collector for fleet reporting, for the end-to-end tests and the fleet simulation
 * (bench/fleet.ts): it accepts what Chain Sentry sends in each of its three formats, on the path a
 * real receiver listens on, and records every request.
 *
 *   otlp        POST /v1/logs                   OTLP/HTTP JSON logs (resourceLogs → scopeLogs → logRecords)
 *   splunk-hec  POST /services/collector/event  newline-separated {time, host, source, sourcetype, event}
 *   ndjson      POST /                          one JSON object per line (any other path too)
 *
 *   const collector = await startCollector({ issuer: sites.pki.intermediate, chain: [sites.pki.intermediate] });
 *   collector.url                                  // https://127.0.0.1:<port>, the policy's endpoint
 *   await collector.stop(); await collector.start(); // an outage, then back on the same port
 *   collector.failWith({ status: 429, retryAfter: 2 }); collector.failWith(null);
 *   collector.events(); collector.counts();          // each event once by id; raw totals
 *
 * Its certificate is issued at start by `issuer` (the demo PKI, whose root Firefox trusts by policy),
 * or by a root of its own (`collector.rootPem`, for NODE_EXTRA_CA_CERTS). Every answer carries CORS
 * headers and OPTIONS preflights are answered, since a browser extension may send them.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { startHttpsTestServer, type HttpsTestServerOptions } from "./https-test-server";

export type CollectorFormat = "otlp" | "splunk-hec" | "ndjson";

/** The facts a test compares across formats, read from one event whatever its format. */
export interface EventFacts {
  id: string | null;
  ruleId: string | null;
  level: string | null;
  /** SHA-256 of the certificate the finding names, lowercase hex without separators. */
  sha256: string | null;
  /** What the event says of the page URL: url.full, or the origin url.scheme, url.domain and url.port make, or null. */
  url: string | null;
  serverAddress: string | null;
  /** When the event happened, by its own timestamp (epoch ms): OTLP timeUnixNano, HEC time, @timestamp. */
  time: number | null;
}

/** One event as received, in the request that carried it. */
export interface CollectedEvent {
  format: CollectorFormat;
  facts: EventFacts;
  /** The event as sent: an OTLP logRecord (with its attributes flattened in `attributes`), a HEC envelope, an ndjson object. */
  raw: unknown;
  /** Arrival time (epoch ms) of the request that carried it. */
  time: number;
}

export interface CollectorRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  format: CollectorFormat | null;
  /** The status the collector answered. */
  status: number;
  /** Epoch ms. */
  time: number;
  bytes: number;
  /** The body as received (decompressed), unless the collector was started with keepBodies: false. */
  body?: string;
  /** The events the body held, accepted or not. Empty for OPTIONS, and for a body that did not parse. */
  events: CollectedEvent[];
  /** Why the body did not parse, if it did not. */
  parseError?: string;
}

/** A fault to answer POSTs with, instead of accepting them. */
export interface Fault {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Answer this many POSTs so, then accept again; default: until failWith(null). */
  times?: number;
}

export interface CollectorCounts {
  /** Every request received, OPTIONS included. */
  requests: number;
  posts: number;
  /** POSTs answered 2xx. */
  accepted: number;
  /** POSTs answered with a fault, or refused for a bad token or body. */
  rejected: number;
  /** Events in accepted POSTs, duplicates included. */
  eventsReceived: number;
  /** Distinct event ids among them. */
  uniqueEvents: number;
  /** eventsReceived - uniqueEvents (an event without an id counts as unique). */
  duplicates: number;
}

/** `issuer` issues the collector's leaf (default: a root made for it, see `rootPem`), `chain` follows it. */
export interface StartCollectorOptions extends Omit<HttpsTestServerOptions, "name"> {
  /** Tokens checked when set: HEC requests need `Authorization: Splunk <token>`, others `Bearer <token>`. */
  token?: string;
  /** false: keep no bodies and no raw events, only facts (the fleet simulation's memory). Default true. */
  keepBodies?: boolean;
}

export interface TestCollector {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** PEM of the root that issued the collector's chain (the issuer's root is the caller's). */
  rootPem: string;
  /** Every request received so far, oldest first (a copy). */
  requests(): CollectorRequest[];
  /** Every event of every accepted POST, duplicates included, in arrival order. */
  allEvents(): CollectedEvent[];
  /** Accepted events, each id once (its first arrival). */
  events(): CollectedEvent[];
  /** How many times each id arrived in accepted POSTs. */
  idCounts(): Map<string, number>;
  counts(): CollectorCounts;
  /** Answer every POST with `fault` from now on (null: accept again). */
  failWith(fault: Fault | null): void;
  /** Forgets every recorded request. */
  reset(): void;
  running(): boolean;
  /** Closes the port and every open connection: senders get connection refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const OTLP_PATH = "/v1/logs";
const HEC_PATH = "/services/collector/event";
const MAX_BODY = 32 * 1024 * 1024;

export function formatOfPath(path: string): CollectorFormat {
  const p = path.split("?")[0].replace(/\/+$/, "");
  if (p.endsWith(OTLP_PATH)) return "otlp";
  if (p.endsWith(HEC_PATH) || p.endsWith("/services/collector")) return "splunk-hec";
  return "ndjson";
}

/** What the collector has received and the fault it answers with: shared by its handler and its methods. */
interface CollectorState {
  log: CollectorRequest[];
  fault: Fault | null;
}

export async function startCollector(options: StartCollectorOptions = {}): Promise<TestCollector> {
  const state: CollectorState = { log: [], fault: null };
  const server = await startHttpsTestServer({ ...options, name: "Chain Sentry Test Collector" }, (req, res) => collect(req, res, state, options));

  const accepted = () => state.log.filter((r) => r.method === "POST" && r.status >= 200 && r.status < 300);
  const allEvents = () => accepted().flatMap((r) => r.events);
  const idCounts = () => {
    const counts = new Map<string, number>();
    for (const e of allEvents()) if (e.facts.id) counts.set(e.facts.id, (counts.get(e.facts.id) ?? 0) + 1);
    return counts;
  };

  return {
    url: server.url,
    port: server.port,
    rootPem: server.rootPem,
    requests: () => [...state.log],
    allEvents,
    events: () => firstOfEachId(allEvents()),
    idCounts,
    counts() {
      const posts = state.log.filter((r) => r.method === "POST");
      const ok = accepted();
      const received = ok.reduce((n, r) => n + r.events.length, 0);
      const unique = idCounts().size + allEvents().filter((e) => !e.facts.id).length;
      return {
        requests: state.log.length,
        posts: posts.length,
        accepted: ok.length,
        rejected: posts.length - ok.length,
        eventsReceived: received,
        uniqueEvents: unique,
        duplicates: received - unique,
      };
    },
    failWith(f) {
      state.fault = f && { ...f };
    },
    reset() {
      state.log = [];
    },
    running: server.running,
    stop: server.stop,
    start: server.start,
    close: server.stop,
  };
}

/** Reads a request (up to MAX_BODY bytes of its body), records it in `state.log`, and answers it. */
function collect(req: IncomingMessage, res: ServerResponse, state: CollectorState, options: StartCollectorOptions): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on("end", () => {
    const time = Date.now();
    const entry: CollectorRequest = {
      method: req.method ?? "",
      path: req.url ?? "/",
      headers: req.headers,
      format: null,
      status: 0,
      time,
      bytes: size,
      events: [],
    };
    state.log.push(entry);
    const [status, body, extra] = answerTo(req, entry, Buffer.concat(chunks), state, options);
    entry.status = status;
    res
      .writeHead(status, { ...corsHeaders(req.headers), "content-type": "application/json", ...extra })
      .end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Every answer's CORS headers: a browser extension may send preflights. */
function corsHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return {
    "access-control-allow-origin": headers.origin ?? "*",
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-allow-headers": headers["access-control-request-headers"] ?? "authorization, content-type",
    "access-control-expose-headers": "retry-after",
    "access-control-max-age": "600",
  };
}

/**
 * Reads the body of a POST into `entry` (format, body, events or why they did not parse) and
 * decides the answer: status, JSON body (undefined: none) and extra headers.
 */
function answerTo(
  req: IncomingMessage,
  entry: CollectorRequest,
  raw: Buffer,
  state: CollectorState,
  options: StartCollectorOptions,
): [status: number, body: unknown, extra?: Record<string, string>] {
  if (req.method === "OPTIONS") return [204, undefined];
  if (req.method !== "POST") return [405, { error: "POST only" }];

  const keepBodies = options.keepBodies ?? true;
  const format = formatOfPath(entry.path);
  entry.format = format;
  try {
    const text = (/gzip/i.test(String(req.headers["content-encoding"] ?? "")) ? gunzipSync(raw) : raw).toString("utf8");
    if (keepBodies) entry.body = text;
    entry.events = parseBody(format, text, entry.time, keepBodies);
  } catch (error) {
    entry.parseError = String((error as Error).message ?? error);
  }

  if (state.fault) {
    const f = state.fault;
    if (f.times !== undefined && --f.times <= 0) state.fault = null;
    return [f.status, { error: `fault injected: ${f.status}` }, f.retryAfter === undefined ? {} : { "retry-after": String(f.retryAfter) }];
  }
  if (options.token && !authorized(format, req.headers.authorization, options.token)) {
    // What Splunk answers for a wrong token (403, code 4); OTLP receivers answer 401.
    return format === "splunk-hec" ? [403, { text: "Invalid token", code: 4 }] : [401, { error: "unauthorized" }];
  }
  if (entry.parseError) return [400, format === "splunk-hec" ? { text: "Invalid data format", code: 6 } : { error: entry.parseError }];
  if (format === "otlp") return [200, { partialSuccess: {} }];
  if (format === "splunk-hec") return [200, { text: "Success", code: 0 }];
  return [200, { ok: true }];
}

/** Each event with an id at its first arrival only; every event without one. */
function firstOfEachId(events: CollectedEvent[]): CollectedEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (!e.facts.id) return true;
    if (seen.has(e.facts.id)) return false;
    seen.add(e.facts.id);
    return true;
  });
}

function authorized(format: CollectorFormat, header: string | undefined, token: string): boolean {
  return header === (format === "splunk-hec" ? `Splunk ${token}` : `Bearer ${token}`);
}

/** Splits a body into its events; throws if it is not the format's shape. */
export function parseBody(format: CollectorFormat, text: string, time: number, keepRaw = true): CollectedEvent[] {
  const keep = (raw: unknown, facts: EventFacts): CollectedEvent => ({ format, facts, raw: keepRaw ? raw : undefined, time });
  if (format === "otlp") {
    const body = JSON.parse(text) as OtlpBody;
    if (!Array.isArray(body?.resourceLogs)) throw new Error("no resourceLogs array");
    return body.resourceLogs.flatMap((rl) =>
      (rl.scopeLogs ?? []).flatMap((sl) =>
        (sl.logRecords ?? []).map((record) => {
          const attributes = { ...otlpAttributes(rl.resource?.attributes), ...otlpAttributes(record.attributes) };
          const nanos = (record as { timeUnixNano?: string }).timeUnixNano;
          return keep({ ...record, attributes }, { ...factsOf(attributes), time: nanos ? Number(BigInt(nanos) / 1_000_000n) : null });
        }),
      ),
    );
  }
  // HEC takes objects separated by newlines or by nothing at all; ndjson one per line.
  const objects =
    format === "splunk-hec"
      ? concatenatedJson(text)
      : text
          .split("\n")
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l));
  return objects.map((o) => {
    if (format === "splunk-hec" && (typeof o !== "object" || o === null || !("event" in o))) throw new Error("a HEC object without `event`");
    const facts = factsOf(format === "splunk-hec" ? (o as { event: unknown }).event : o);
    // HEC's own time (epoch seconds) wins over the event's.
    const hecTime = format === "splunk-hec" ? (o as { time?: unknown }).time : undefined;
    return keep(o, typeof hecTime === "number" ? { ...facts, time: Math.round(hecTime * 1000) } : facts);
  });
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpBody {
  resourceLogs: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeLogs?: { scope?: unknown; logRecords?: { attributes?: OtlpKeyValue[] }[] }[];
  }[];
}

/** OTLP attributes as a plain object: key → the value its AnyValue holds. */
export function otlpAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

function anyValue(v: OtlpAnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return otlpAttributes(v.kvlistValue.values);
  return v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? v.bytesValue;
}

/** JSON values written one after another, with or without whitespace between them. */
function concatenatedJson(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && --depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    else if (depth === 0 && c.trim()) throw new Error(`unexpected ${JSON.stringify(c)} between HEC objects`);
  }
  if (depth !== 0) throw new Error("truncated HEC body");
  return values;
}

/**
 * Reads the facts from an event object, whichever naming it uses: OpenTelemetry / ECS dotted keys
 * (OTLP attributes, or flattened), or the event model's own fields (src/reporting/model.ts).
 */
export function factsOf(event: unknown): EventFacts {
  const flat = flatten(event);
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = flat[k];
      if (typeof v === "string" && v) return v;
    }
    return null;
  };
  const sha256 = pick("tls.server.hash.sha256", "certificate.sha256", "tls.server.x509.hash.sha256", "sha256");
  return {
    id: pick("log.record.uid", "id", "event.id"),
    ruleId: pick("chain_sentry.rule.id", "rule.id", "ruleId", "rule"),
    level: pick("chain_sentry.severity", "chain_sentry.level", "event.severity_name", "level", "severity"),
    sha256: sha256 && sha256.replace(/[^0-9a-f]/gi, "").toLowerCase(),
    url: pick("url.full", "url.original") ?? originOf(flat) ?? pick("url"),
    serverAddress: pick("server.address", "serverAddress"),
    time: timeOf(flat["@timestamp"] ?? flat["time"]),
  };
}

function timeOf(value: unknown): number | null {
  if (typeof value === "number") return value;
  const parsed = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(parsed) ? null : parsed;
}

/** scheme://domain[:port] from ECS's url.scheme, url.domain and url.port (the domain alone without a scheme). */
function originOf(flat: Record<string, unknown>): string | null {
  const domain = flat["url.domain"];
  if (typeof domain !== "string" || !domain) return null;
  const scheme = flat["url.scheme"];
  if (typeof scheme !== "string") return domain;
  const port = flat["url.port"];
  const host = domain.includes(":") ? `[${domain}]` : domain;
  return `${scheme}://${host}${port === undefined || port === null || port === "" ? "" : `:${port}`}`;
}

/** { a: { b: 1 } } → { "a.b": 1, a: {...} }: dotted keys as OTLP and ECS flatten them. */
function flatten(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (!(key in out)) out[key] = v;
      flatten(v, key, out);
    }
  }
  return out;
}
