// Fleet reporting in a real Firefox ESR, against the local HTTPS collector (scripts/test-collector.ts)
// whose certificate the demo PKI issues, so Firefox trusts it through the demo policy:
// 1. `otlp`, collector up: a visit to the blocked site (a URL with a path and a query) delivers an
//    OTLP/HTTP JSON log record naming the blocked intermediate's SHA-256, the rule and the page's
//    origin, and nothing of the path or query; the options page says reporting is on, where to, and
//    the URL detail.
// 2. The collector down for a while: the record arrives once it is back, once by id. And in
//    each format, the collector down across a browser restart (same profile): the record waits in the
//    persisted queue and arrives from the relaunched browser, once by id, with the same facts.
// 3. No `reporting` in the policy: a collector running, the blocked site visited, not one request.
// Run inside scripts/run-in-sandbox.sh after building (CHAIN_SENTRY_EXTENSION_DIR for a private build).
import { after, before, beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDemoSites, type DemoCase, type DemoSites } from "../../scripts/demo-sites";
import { startCollector, type CollectedEvent, type CollectorFormat, type TestCollector } from "../../scripts/test-collector";
import type { ReportingStatus } from "../../src/protocol";
import { sleep, waitFor, withDemoBrowser, type DemoBrowser, type DemoLaunchOptions } from "./support";

const BLOCKED_RULE = "blocked-certificate";
const TOKEN = "chain-sentry-e2e-token";
/** The lowest delivery interval the policy validator accepts: the tests wait on it. */
const INTERVAL_SECONDS = 5;
/** Delivery after a restart waits on backoff and alarms: generous, the machine is shared. */
const DELIVERY_TIMEOUT_MS = 120_000;
/** Parts of the visited URL that must not leave the browser under the default URL detail. */
const SECRET_PATH = "quarterly-report-7f3a";
const SECRET_QUERY = "s3cr3t-q";

let workDir: string;
let sites: DemoSites;
let collector: TestCollector;

before(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-reporting-"));
  sites = await startDemoSites({ dir: path.join(workDir, "sites") });
  // Issued under the demo intermediate, which the demo policy allowlists: the collector's own chain
  // draws no finding, so its connections add nothing to the queue they drain.
  collector = await startCollector({ issuer: sites.pki.intermediate, chain: [sites.pki.intermediate], token: TOKEN });
});

after(async () => {
  await collector?.close();
  await sites?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  if (!collector.running()) await collector.start();
  collector.failWith(null);
  collector.reset();
});

const demoCase = (id: DemoCase["id"]) => sites.cases.find((c) => c.id === id)!;
/** The blocked site at a URL with a path and a query, which only `url: "full"` may send. */
const blockedUrl = () => `${demoCase("blocked").url.replace(/\/$/, "")}/long/${SECRET_PATH}?token=${SECRET_QUERY}`;
const blockedOrigin = () => new URL(demoCase("blocked").url).origin;
/** SHA-256 of the blocked intermediate, the certificate the finding names. */
const blockedSha256 = () => createHash("sha256").update(sites.pki.rogue.der).digest("hex");

const reportingPolicy = (format: CollectorFormat, extra: Record<string, unknown> = {}) => ({
  reporting: { endpoint: collector.url, format, token: TOKEN, intervalSeconds: INTERVAL_SECONDS, deviceLabel: "e2e-laptop", ...extra },
});

/** A Firefox on this file's demo sites, closed after `use`. */
const withFirefox = <T>(options: Omit<DemoLaunchOptions, "sites">, use: (demo: DemoBrowser) => Promise<T>) => withDemoBrowser(sites, options, use);

const reportingStatus = async (demo: DemoBrowser): Promise<ReportingStatus | null> => (await demo.ask("ui-bg-get-status", {})).reporting;

/** Visits the blocked site's long URL; the page loads (warn mode) and its verdict is blocked. */
async function visitBlocked(demo: DemoBrowser): Promise<void> {
  const url = blockedUrl();
  const visit = await demo.visit(url, { timeoutMs: 60_000 });
  const state = await demo.settledTabState(await demo.tabIdOf(url), { timeoutMs: 30_000 });
  assert.equal(state.level, "blocked", `the blocked site's verdict is ${state.level}: the visit has nothing to report`);
  await visit.page.close();
}

/** The blocked-certificate events the collector accepted for the blocked site, each id once. */
const isBlockedEvent = (e: CollectedEvent) => e.facts.ruleId === BLOCKED_RULE && e.facts.sha256 === blockedSha256();
/** The blocked site's events at the collector, one per id. */
const blockedEvents = () => collector.events().filter(isBlockedEvent);

async function waitForBlockedEvent(): Promise<CollectedEvent[]> {
  return waitFor(
    `a ${BLOCKED_RULE} event for ${blockedSha256()} at the collector (requests so far: ${JSON.stringify(collector.counts())})`,
    async () => blockedEvents(),
    (list) => list.length > 0,
    { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 500 },
  );
}

/** Waits until the queue is empty, then two more intervals, so a duplicate would have had its chance to arrive. */
async function waitForQuiet(demo: DemoBrowser): Promise<void> {
  await waitFor(
    "the reporting queue to empty",
    () => reportingStatus(demo),
    (s) => s?.queued === 0,
    { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 1000 },
  );
  await sleep(2 * INTERVAL_SECONDS * 1000);
}

/** The same facts in every format: the certificate, the rule, the origin and nothing of the path or query. */
function assertFacts(events: CollectedEvent[], format: CollectorFormat): void {
  const { hostname } = new URL(blockedOrigin());
  for (const event of events) {
    const shown = JSON.stringify(event.raw);
    assert.equal(event.format, format);
    assert.equal(event.facts.sha256, blockedSha256(), shown);
    assert.equal(event.facts.ruleId, BLOCKED_RULE, shown);
    assert.equal(event.facts.url, blockedOrigin(), `the event's URL is not the page's origin: ${shown}`);
    assert.equal(event.facts.serverAddress, hostname, shown);
  }
  // Not in the event, nor anywhere else in any request the collector received.
  for (const request of collector.requests()) {
    const seen = `${request.path} ${JSON.stringify(request.headers)} ${request.body ?? ""}`;
    assert.ok(!seen.includes(SECRET_PATH), `the page's path left the browser: ${seen.slice(0, 2000)}`);
    assert.ok(!seen.includes(SECRET_QUERY), `the page's query left the browser: ${seen.slice(0, 2000)}`);
  }
}

/**
 * Each blocked-site event arrived, in accepted requests, and every request was authorised. Delivery
 * is at least once (a lost acknowledgement or a suspended background resends a batch), so a copy may
 * arrive twice: then it must be the same event, so that a collector dropping duplicates by id keeps
 * exactly one. Copies are reported as a diagnostic.
 */
function assertOnceById(t: TestContext, context = ""): void {
  const ids = blockedEvents().map((e) => e.facts.id);
  assert.ok(ids.length > 0 && ids.every((id) => typeof id === "string" && id.length > 0), `events without an id: ${JSON.stringify(ids)}`);
  for (const id of ids) {
    const copies = collector.allEvents().filter((e) => isBlockedEvent(e) && e.facts.id === id);
    const first = JSON.stringify(copies[0].raw);
    for (const copy of copies) assert.equal(JSON.stringify(copy.raw), first, `event ${id}: copies differ`);
    if (copies.length > 1) {
      // When: the arrivals, and every request around them, for a reader to see why it was resent.
      const arrivals = collector
        .requests()
        .filter((r) => r.events.some((e) => e.facts.id === id))
        .map((r) => `${new Date(r.time).toISOString()} ${r.status}`);
      t.diagnostic(`event ${id} arrived ${copies.length} times (at least once delivery): ${arrivals.join(", ")}${context}`);
    }
  }
  const refused = collector.requests().filter((r) => r.method === "POST" && r.status >= 400);
  assert.deepEqual(
    refused.map((r) => `${r.status} ${r.path} ${r.parseError ?? ""}`),
    [],
    "the collector refused requests (token, body)",
  );
}

/**
 * The official OTLP definitions (the protobufjs module @opentelemetry/otlp-transformer generates from
 * opentelemetry-proto, as the unit tests use): the body decodes as an ExportLogsServiceRequest in
 * the proto3 JSON mapping, and decoding loses nothing (a field OTLP does not define, or of the wrong
 * type, would be missing or changed).
 */
const ExportLogsServiceRequest = createRequire(import.meta.url)("@opentelemetry/otlp-transformer/build/src/generated/root").opentelemetry.proto.collector.logs
  .v1.ExportLogsServiceRequest as { fromObject(o: object): unknown; verify(m: unknown): string | null; toObject(m: unknown, o: object): object };

function assertOtlpLogs(body: string): void {
  const json = JSON.parse(body);
  const message = ExportLogsServiceRequest.fromObject(json);
  assert.equal(ExportLogsServiceRequest.verify(message), null);
  assert.deepEqual(
    ExportLogsServiceRequest.toObject(message, { longs: String, enums: Number, bytes: String }),
    json,
    "the body is not an OTLP ExportLogsServiceRequest as sent",
  );
  for (const record of json.resourceLogs.flatMap((rl: { scopeLogs: { logRecords: object[] }[] }) => rl.scopeLogs.flatMap((sl) => sl.logRecords))) {
    assert.match(record.timeUnixNano, /^\d{19}$/, "timeUnixNano: nanoseconds since the epoch, as a string");
  }
}

describe("reporting to a collector", () => {
  test("otlp: the blocked site's finding arrives as an OTLP log record with the certificate, the rule and the origin only; the options page says so", async (t) => {
    await withFirefox({ config: reportingPolicy("otlp") }, async (demo) => {
      await visitBlocked(demo);
      const [event] = await waitForBlockedEvent();
      assertFacts(blockedEvents(), "otlp");

      const request = collector.requests().find((r) => r.events.some((e) => e.facts.id === event.facts.id))!;
      assert.equal(request.path, "/v1/logs");
      assert.match(String(request.headers["content-type"]), /^application\/json/);
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
      assertOtlpLogs(request.body!);
      const record = event.raw as { severityText: string; severityNumber: number; attributes: Record<string, unknown> };
      assert.equal(record.severityText, "ERROR");
      assert.ok(record.severityNumber >= 17 && record.severityNumber <= 20, `severityNumber ${record.severityNumber} is not in ERROR's range`);
      assert.equal(record.attributes["url.full"], undefined, `url.full sent under the default URL detail: ${JSON.stringify(record.attributes)}`);
      assert.ok(Object.values(record.attributes).includes("e2e-laptop"), `the device label is not among the attributes: ${JSON.stringify(record.attributes)}`);

      await waitForQuiet(demo);
      assertOnceById(t);

      // What a user sees: reporting is on, where to, and how much of the URL leaves.
      const options = await demo.ff.openExtensionPage("popup/options.html");
      const text = await waitFor(
        "the options page to show reporting",
        () => options.evaluate(() => document.body.innerText),
        (t) => /reporting/i.test(t) && t.includes(`127.0.0.1:${collector.port}`),
        { timeoutMs: 15_000 },
      );
      assert.match(text, /reporting is on/i, `the options page does not say reporting is on:\n${text}`);
      assert.doesNotMatch(text, /reporting is off/i, text);
      const section = text.slice(text.search(/reporting is on/i));
      assert.match(section, /origin/i, `the options page does not give the URL detail:\n${section}`);
      await options.close();
    });
  });

  test("otlp: the collector down for a while: the finding arrives once it is back, once by id", async (t) => {
    await collector.stop();
    let context = "";
    await withFirefox({ config: reportingPolicy("otlp") }, async (demo) => {
      const startedAt = (await demo.ask("ui-bg-get-status", {})).backgroundStartedAt;
      await visitBlocked(demo);
      await waitFor(
        "a failed delivery",
        () => reportingStatus(demo),
        (s) => (s?.queued ?? 0) > 0 && s?.lastError != null,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      // Down across several backoff rounds, not just the first attempt.
      await sleep(3 * INTERVAL_SECONDS * 1000);
      await collector.start();
      await waitForBlockedEvent();
      await waitForQuiet(demo);
      const status = await demo.ask("ui-bg-get-status", {});
      assert.ok(status.reporting?.lastSuccess, `no success recorded after the collector came back: ${JSON.stringify(status.reporting)}`);
      // A suspended and restarted event page is the one way a resend is expected: say so if it happened.
      context = `; background started ${new Date(startedAt).toISOString()}, ${status.backgroundStartedAt === startedAt ? "not restarted" : `restarted ${new Date(status.backgroundStartedAt).toISOString()}`}`;
    });
    assertFacts(blockedEvents(), "otlp");
    assertOnceById(t, context);
  });

  for (const format of ["otlp", "splunk-hec", "ndjson"] as const) {
    test(`${format}: with the collector down, the finding waits in the queue across a browser restart and arrives, once by id`, async (t) => {
      const profileDir = path.join(workDir, `restart-${format}`);
      const config = reportingPolicy(format);
      await collector.stop();
      await withFirefox({ config, profileDir }, async (demo) => {
        await visitBlocked(demo);
        // Persisted before the browser goes, after a delivery failed: the queue holds the finding.
        await waitFor(
          "the finding in the reporting queue, after a failed delivery",
          () => reportingStatus(demo),
          (s) => (s?.queued ?? 0) > 0 && s?.lastError != null,
          { timeoutMs: 60_000, intervalMs: 500 },
        );
      });
      assert.equal(collector.requests().length, 0, "the stopped collector received requests");

      await collector.start();
      // No visit this time: whatever arrives was queued by the first launch.
      await withFirefox({ config, profileDir }, async (demo) => {
        await waitForBlockedEvent();
        await waitForQuiet(demo);
      });
      assertFacts(blockedEvents(), format);
      assertOnceById(t);
      const paths = new Set(
        collector
          .requests()
          .filter((r) => r.method === "POST")
          .map((r) => r.path),
      );
      const expected = { otlp: "/v1/logs", "splunk-hec": "/services/collector/event", ndjson: "/" }[format];
      assert.deepEqual([...paths], [expected]);
      if (format === "splunk-hec") {
        for (const event of blockedEvents()) {
          const envelope = event.raw as Record<string, unknown>;
          assert.deepEqual(
            Object.keys(envelope).filter((k) => !["time", "host", "source", "sourcetype", "index", "fields", "event"].includes(k)),
            [],
            JSON.stringify(envelope),
          );
          assert.equal(typeof envelope.time, "number", "HEC time: epoch seconds as a number");
          assert.equal(typeof envelope.event, "object");
        }
      }
    });
  }

  test("no reporting policy: a blocked site visited, a collector running, and not one request", async () => {
    await withFirefox({}, async (demo) => {
      await visitBlocked(demo);
      assert.equal(await reportingStatus(demo), null, "reporting is on without a policy");
      // Several delivery intervals: time for anything queued to be sent, had reporting been on.
      await sleep(4 * INTERVAL_SECONDS * 1000);
    });
    assert.deepEqual(
      collector.requests().map((r) => `${r.method} ${r.path}`),
      [],
    );
  });
});
