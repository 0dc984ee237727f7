/**
 * npm run scan: local TLS servers on 127.0.0.1 sending full, partial, blocklisted, unknown-root and
 * misordered chains (TLS 1.3 and 1.2), a server that never answers, a refused port, an unresolvable
 * name and a bad one, scanned by the real command; and the pure parts in src/scan/.
 */
import "@abraham/reflection"; // @peculiar/x509 needs it at import time
import { Extension, X509Certificate } from "@peculiar/x509";
import { spawn } from "node:child_process";
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type SecureVersion, type Server as TlsServer } from "node:tls";
import { issue, type Issued } from "../../scripts/pki";
import { ChainAnalyzer } from "../../src/analyzer";
import { readEmbeddedScts } from "../../src/certificateView";
import type { CompiledIndex } from "../../src/blocklist";
import { logFinder } from "../../src/ct/logs";
import { decodeSctExtension, OID_SCT_LIST } from "../../src/ct/sct";
import { MAX_CERTIFICATE_BYTES } from "../../src/protocol";
import { scanExitStatus } from "../../src/scan/exitStatus";
import { CSV_COLUMNS, csvCell, csvHeader, csvRow, jsonLine, printable, summaryLine, tableBlock, tableHeader } from "../../src/scan/format";
import { mapInOrder } from "../../src/scan/inOrder";
import { failedHost, outcomeOf, scannedHost, type ScanReport, type ScannedHost } from "../../src/scan/report";
import { MAX_SENT_CERTIFICATES, sentCertificates, type OpenRecord } from "../../src/scan/serverCertificates";
import { MAX_TARGET_LENGTH, parseTarget, targetsInText } from "../../src/scan/targets";
import { firefoxCertificateFromDer, securityInfoFromDer } from "../../src/securityInfoFromDer";

const root = join(__dirname, "..", "..");
const sha256 = (c: Issued) => createHash("sha256").update(c.der).digest("hex");

// ---------------------------------------------------------------------------------------------
// The command against local servers

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run scan` asynchronously: the servers answer from this process meanwhile. */
function scan(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, "node_modules", ".bin", "tsx"), [join(root, "cli", "scan.ts"), ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const ndjson = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ScanReport);
const scanned = (report: ScanReport | undefined): ScannedHost => {
  if (report?.status !== "scanned") throw new Error(`expected a scanned host, got ${JSON.stringify(report)}`);
  return report;
};

/** RFC 4180, enough for the scanner's output. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  return rows;
}

let pki: Record<"rootA" | "interA" | "interB" | "rootC" | "interC" | "unrelated", Issued>;
const tlsServers: TlsServer[] = [];
const ports: Record<string, number> = {};
let silent: TcpServer;
const silentSockets: Socket[] = [];
let dir: string;

/** A real leaf's SCT list (Let's Encrypt), for a test leaf to carry. */
const realSctList = new X509Certificate(readFileSync(join(root, "test", "fixtures", "ct", "letsencrypt_org_valid_1.crt"))).getExtension(OID_SCT_LIST)!;

async function serve(
  name: string,
  chainOf: (leaf: Issued) => Issued[],
  issuer: Issued,
  { maxVersion, extensions }: { maxVersion?: SecureVersion; extensions?: Extension[] } = {},
): Promise<void> {
  const leaf = await issue({ subject: `CN=${name},O=Chain Sentry Scan Test`, issuer, hosts: ["127.0.0.1", "localhost"], extensions });
  const server = createTlsServer(
    {
      key: leaf.keyPem,
      cert: chainOf(leaf)
        .map((c) => c.pem)
        .join(""),
      ...(maxVersion && { maxVersion }),
    },
    (s) => s.end(),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tlsServers.push(server);
  ports[name] = (server.address() as { port: number }).port;
  leaves[name] = leaf;
}
const leaves: Record<string, Issued> = {};

beforeAll(async () => {
  const rootA = await issue({ subject: "CN=Scan Test Root A" });
  const interA = await issue({ subject: "CN=Scan Test Intermediate A", issuer: rootA, ca: true });
  const interB = await issue({ subject: "CN=Scan Test Rogue Intermediate B", issuer: rootA, ca: true });
  const rootC = await issue({ subject: "CN=Scan Test Root Nobody Trusts" });
  const interC = await issue({ subject: "CN=Scan Test Intermediate C", issuer: rootC, ca: true });
  const unrelated = await issue({ subject: "CN=Scan Test Unrelated" });
  pki = { rootA, interA, interB, rootC, interC, unrelated };

  await serve("full", (leaf) => [leaf, interA, rootA], interA, { extensions: [new Extension(OID_SCT_LIST, false, realSctList.value)] });
  await serve("leaf-only", (leaf) => [leaf], interA);
  await serve("blocked", (leaf) => [leaf, interB], interB);
  await serve("unknown-root", (leaf) => [leaf, interC, rootC], interC);
  await serve("misordered", (leaf) => [leaf, unrelated, rootA, interA], interA);
  await serve("tls12", (leaf) => [leaf, interA], interA, { maxVersion: "TLSv1.2" });

  // Accepts the connection, never says a word.
  silent = createTcpServer((socket) => silentSockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  ports.silent = (silent.address() as { port: number }).port;
  // A port that was just free: connection refused.
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  ports.refused = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));

  dir = mkdtempSync(join(tmpdir(), "chain-sentry-scan-"));
  // The intermediate is in the store too: a store completes a leaf-only server from what it holds.
  writeFileSync(join(dir, "ca.pem"), rootA.pem + interA.pem);
}, 30_000);

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await Promise.all([...tlsServers, silent].map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

test("a hosts file: sent vs completed certificates, a policy-blocked intermediate, failures as rows, input order, exit 3", async () => {
  writeFileSync(
    join(dir, "hosts.txt"),
    [
      "# Chain Sentry scan test",
      `127.0.0.1:${ports.full}`,
      `https://127.0.0.1:${ports["leaf-only"]}/some/path   # URL form`,
      "",
      `127.0.0.1:${ports.blocked}`,
      `127.0.0.1:${ports["unknown-root"]}`,
      `127.0.0.1:${ports.misordered}`,
      `127.0.0.1:${ports.tls12}`,
      `127.0.0.1:${ports.silent}`,
      "no-such-host.invalid",
      `127.0.0.1:${ports.refused}`,
      "bad host!",
    ].join("\n"),
  );
  const policy = {
    policies: {
      "3rdparty": { Extensions: { "chain-sentry@chainsentry.dev": { blocklist: [{ sha256: sha256(pki.interB), label: "Rogue B" }, { sha1: "nope" }] } } },
    },
  };
  writeFileSync(join(dir, "policies.json"), JSON.stringify(policy));

  const run = await scan("--file", join(dir, "hosts.txt"), "--ca", join(dir, "ca.pem"), "--policy", join(dir, "policies.json"), "--timeout", "2", "--json");
  // The policy's bad entry is a warning; its good one applies (host 2 is blocked).
  expect(run.stderr).toMatch(/^warning: --policy .*policies\.json: blocklist\[1\]\.sha1: expected a certificate SHA-1 fingerprint/m);
  expect(run.status).toBe(3);
  const reports = ndjson(run.stdout);
  // Input order, although the silent host finished last.
  expect(reports.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const full = scanned(reports[0]);
  expect(full.store).toMatch(/^Node \d+\.\d+\.\d+ bundled roots \(\d+\) \+ 2 from --ca$/);
  expect(full.address).toBe("127.0.0.1");
  expect(full.tls).toEqual({ version: "TLSv1.3", cipher: expect.stringMatching(/^TLS_/), alpn: null });
  expect(full.verification).toEqual({ ok: true, error: null });
  expect(full.sent.map((s) => s.sha256)).toEqual([sha256(leaves.full), sha256(pki.interA), sha256(pki.rootA)]);
  expect(full.chain.map((c) => [c.source, c.sentPosition])).toEqual([
    ["sent", 0],
    ["sent", 1],
    ["sent", 2],
  ]);
  expect(full.omitted).toEqual([]);
  expect(full.unknownIntermediates).toEqual([sha256(pki.interA)]);
  // A --ca root is not built in: only Node's bundled roots are.
  expect(full.chain[2].isBuiltInRoot).toBe(false);
  expect(full.level).toBe("warning");
  expect(full.findings.map((f) => [f.ruleId, f.certIndex]).sort()).toEqual([
    ["dynamic-intermediate", 1],
    ["non-built-in-root", 2],
  ]);
  // The leaf's SCTs, logs named from the bundled CT log list (null for a log not in it).
  const expectedScts = decodeSctExtension(new Uint8Array(realSctList.value)).scts;
  const findLog = logFinder();
  expect(expectedScts.some((sct) => findLog(sct.logId.base64))).toBe(true);
  expect(full.scts).toEqual({
    entries: expectedScts.map((sct) => ({
      log: findLog(sct.logId.base64)?.description ?? null,
      operator: findLog(sct.logId.base64)?.operator ?? null,
      logId: sct.logId.base64,
      timestamp: sct.timestamp,
      time: sct.time,
    })),
    errors: [],
  });

  const leafOnly = scanned(reports[1]);
  expect(leafOnly.input).toBe(`https://127.0.0.1:${ports["leaf-only"]}/some/path`);
  expect(leafOnly.sent.map((s) => s.sha256)).toEqual([sha256(leaves["leaf-only"])]);
  expect(leafOnly.chain.map((c) => [c.sha256, c.source])).toEqual([
    [sha256(leaves["leaf-only"]), "sent"],
    [sha256(pki.interA), "store"],
    [sha256(pki.rootA), "store"],
  ]);
  expect(leafOnly.omitted).toEqual([sha256(pki.interA), sha256(pki.rootA)]);
  expect(leafOnly.verification.ok).toBe(true);
  expect(leafOnly.scts).toBeNull();

  const blocked = scanned(reports[2]);
  expect(blocked.level).toBe("blocked");
  expect(blocked.findings[0]).toMatchObject({ ruleId: "blocked-certificate", severity: "blocked", certIndex: 1 });
  expect(blocked.chain.map((c) => c.source)).toEqual(["sent", "sent", "store"]);

  const unknownRoot = scanned(reports[3]);
  expect(unknownRoot.verification).toEqual({ ok: false, error: "SELF_SIGNED_CERT_IN_CHAIN" });
  expect(unknownRoot.chain.map((c) => c.sha256)).toEqual([sha256(leaves["unknown-root"]), sha256(pki.interC), sha256(pki.rootC)]);
  expect(unknownRoot.omitted).toEqual([]);
  expect(unknownRoot.findings.map((f) => f.ruleId)).toContain("non-built-in-root");

  // With an empty store, Node's getPeerCertificate(true) shows this server as leaf → intermediate; the wire shows all four.
  const misordered = scanned(reports[4]);
  expect(misordered.sent.map((s) => [s.sha256, s.inChain])).toEqual([
    [sha256(leaves.misordered), true],
    [sha256(pki.unrelated), false],
    [sha256(pki.rootA), true],
    [sha256(pki.interA), true],
  ]);
  expect(misordered.chain.map((c) => c.sentPosition)).toEqual([0, 3, 2]);

  const tls12 = scanned(reports[5]);
  expect(tls12.tls.version).toBe("TLSv1.2");
  expect(tls12.sent.map((s) => s.sha256)).toEqual([sha256(leaves.tls12), sha256(pki.interA)]);
  expect(tls12.omitted).toEqual([sha256(pki.rootA)]);

  expect(reports[6]).toMatchObject({ status: "failed", port: ports.silent, error: { code: "ETIMEDOUT" } });
  expect(reports[7]).toMatchObject({ status: "failed", host: "no-such-host.invalid", port: 443 });
  expect(["ENOTFOUND", "EAI_AGAIN"]).toContain((reports[7] as { error: { code: string } }).error.code);
  expect(reports[8]).toMatchObject({ status: "failed", error: { code: "ECONNREFUSED" } });
  expect(reports[9]).toMatchObject({ status: "failed", host: null, error: { code: "EINVALIDTARGET" } });
}, 60_000);

test("the table: --block by flag blocks the intermediate (exit 3), the sources and the store are shown", async () => {
  const run = await scan(`127.0.0.1:${ports.blocked}`, "--ca", join(dir, "ca.pem"), "--block", sha256(pki.interB));
  expect(run.status).toBe(3);
  const lines = run.stdout.split("\n");
  expect(lines[0]).toMatch(/^store: Node .* bundled roots \(\d+\) \+ 2 from --ca$/);
  expect(lines[1]).toMatch(new RegExp(`^\\[0\\] 127\\.0\\.0\\.1:${ports.blocked} \\(127\\.0\\.0\\.1\\)  TLSv1\\.3 .* SCTs 0  BLOCKED$`));
  expect(run.stdout).toMatch(new RegExp(`1 +intermediate +sent 1 +unknown +CN=Scan Test Rogue Intermediate B.* ${sha256(pki.interB)}`));
  expect(run.stdout).toMatch(new RegExp(`2 +root +store +not built-in +CN=Scan Test Root A.* ${sha256(pki.rootA)}`));
  expect(run.stdout).toMatch(/blocked +blocked-certificate +cert 1 /);
  expect(lines.at(-2)).toBe("1 host: 1 blocked; exit status 3");
}, 30_000);

test("CSV: one row per host; allowlisting the test CAs makes a host ok, and a host that failed still makes exit 2", async () => {
  const run = await scan(
    `127.0.0.1:${ports.full}`,
    `127.0.0.1:${ports.refused}`,
    "--csv",
    "--ca",
    join(dir, "ca.pem"),
    "--allow",
    sha256(pki.rootA),
    "--allow",
    sha256(pki.interA),
  );
  expect(run.status).toBe(2);
  const [header, ...rows] = parseCsv(run.stdout);
  expect(header).toEqual([...CSV_COLUMNS]);
  const cell = (row: string[], column: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(column)];
  expect(rows).toHaveLength(2);
  expect(cell(rows[0], "level")).toBe("ok");
  expect(cell(rows[0], "sent_sha256")).toBe([leaves.full, pki.interA, pki.rootA].map(sha256).join(" "));
  expect(cell(rows[0], "findings")).toBe("");
  expect(cell(rows[0], "sct_count")).toBe(String(decodeSctExtension(new Uint8Array(realSctList.value)).scts.length));
  expect([cell(rows[1], "status"), cell(rows[1], "error_code")]).toEqual(["failed", "ECONNREFUSED"]);
}, 30_000);

test("bad usage exits 64: no hosts, --json with --csv, a bad fingerprint, a CA file without certificates", async () => {
  const runs = await Promise.all([
    scan(),
    scan("example.com", "--json", "--csv"),
    scan("example.com", "--block", "xyz"),
    scan("example.com", "--ca", join(root, "package.json")),
    scan("example.com", "--concurrency", "0"),
  ]);
  expect(runs.map((r) => r.status)).toEqual([64, 64, 64, 64, 64]);
  expect(runs.map((r) => r.stderr.split("\n")[0])).toEqual([
    "no hosts to scan",
    "--json and --csv: choose one",
    expect.stringMatching(/^not a fingerprint: xyz/),
    expect.stringMatching(/^--ca .*package\.json: no PEM certificate in it$/),
    "--concurrency 0: expected a whole number from 1 to 256",
  ]);
}, 30_000);

// ---------------------------------------------------------------------------------------------
// The pure parts

describe("parseTarget and targetsInText", () => {
  test.each([
    ["example.com", "example.com", 443],
    ["Example.COM:8443", "example.com", 8443],
    ["https://example.com/path?q=1", "example.com", 443],
    ["https://[::1]:9443/", "::1", 9443],
    ["[2001:db8::1]", "2001:db8::1", 443],
    ["192.0.2.7:444", "192.0.2.7", 444],
    ["bücher.example", "xn--bcher-kva.example", 443],
  ])("%s → %s port %d", (input, host, port) => {
    expect(parseTarget(input)).toEqual({ ok: true, target: { host, port } });
  });

  test.each([
    ["bad host!", "bad host!", /not a host name/],
    ["http://example.com", "http://example.com", /only https:\/\//],
    ["example.com/path", "example.com/path", /a URL needs https:\/\//],
    ["example.com:70000", "example.com:70000", /not a host name/],
    ["example.com:0", "example.com:0", /port 0/],
    ["-bad-.example", "-bad-.example", /not a valid host name/],
    ["https://user:pw@example.com", "https://user:pw@example.com", /credentials/],
    ["a 3,000-character line", "a".repeat(3000), /longer than 2048/],
  ])("%s is a row with an error", (_label, input, message) => {
    const parsed = parseTarget(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toEqual({ code: "EINVALIDTARGET", message: expect.stringMatching(message) });
  });

  const refused = (message: string) => ({ ok: false, error: { code: "EINVALIDTARGET", message } });

  test("blanks around a target are trimmed; blanks alone are an empty target", () => {
    expect(parseTarget(" \texample.com:8443  ")).toEqual({ ok: true, target: { host: "example.com", port: 8443 } });
    expect(parseTarget("")).toEqual(refused("empty target"));
    expect(parseTarget(" \t ")).toEqual(refused("empty target"));
  });

  test(`a target of ${MAX_TARGET_LENGTH} characters is read, one character more is not`, () => {
    const url = (length: number) => `https://example.com/${"a".repeat(length - "https://example.com/".length)}`;
    expect(parseTarget(url(MAX_TARGET_LENGTH))).toEqual({ ok: true, target: { host: "example.com", port: 443 } });
    expect(parseTarget(url(MAX_TARGET_LENGTH + 1))).toEqual(refused(`target longer than ${MAX_TARGET_LENGTH} characters`));
  });

  test.each([
    // Only a scheme at the start makes a URL, and only https:// there is accepted.
    ["example.com/https://example.org", "not a host name or host:port: example.com/https://example.org (a URL needs https://)"],
    ["http://example.com/?next=https://example.org", "only https:// URLs can be scanned: http://example.com/?next=https://example.org"],
    // Without a scheme, anything beyond host[:port] is refused, each on its own.
    ["example.com/", "not a host name or host:port: example.com/ (a URL needs https://)"],
    ["example.com\\status", "not a host name or host:port: example.com\\status (a URL needs https://)"],
    ["example.com?q=1", "not a host name or host:port: example.com?q=1 (a URL needs https://)"],
    ["example.com#top", "not a host name or host:port: example.com#top (a URL needs https://)"],
    ["user@example.com", "not a host name or host:port: user@example.com (a URL needs https://)"],
    ["https://user@example.com", "a URL with credentials is not scanned: example.com"],
    ["https://:secret@example.com", "a URL with credentials is not scanned: example.com"],
    // Host names that begin or end like an IPv4 address are still host names, and checked as such.
    ["192.0.2.7-.example", "not a valid host name: 192.0.2.7-.example"],
    ["192.0.2.x-", "not a valid host name: 192.0.2.x-"],
  ])("%s is refused: %s", (input, message) => {
    expect(parseTarget(input)).toEqual(refused(message));
  });

  test("a tab or line break inside a target is refused as a space is, not dropped as URL would drop it", () => {
    // "example.com\t8443" would otherwise scan example.com8443; a hosts file with lone CRs, one host made of all its lines.
    for (const input of ["exa\tmple.com", "example.com\t8443", "https://exa\nmple.com/", ...targetsInText("a.example\rb.example\r")])
      expect(parseTarget(input)).toEqual(refused(`not a host name, host:port or https:// URL: ${input.trim()}`));
  });

  test("a host name of 253 characters is read, with or without the root's dot; one of 254 is not", () => {
    const label = "a".repeat(63);
    const name253 = [label, label, label, "b".repeat(61)].join(".");
    const name254 = [label, label, label, "b".repeat(62)].join(".");
    expect(name253).toHaveLength(253);
    for (const host of [name253, `${name253}.`]) expect(parseTarget(host)).toEqual({ ok: true, target: { host, port: 443 } });
    for (const host of [name254, `${name254}.`]) expect(parseTarget(host)).toEqual(refused(`not a valid host name: ${host}`));
  });

  test("comments and blank lines are skipped; a # inside a URL is not a comment", () => {
    expect(targetsInText("# list\n\nexample.com  # main\r\n  other.example:8443\nhttps://x.example/#frag\n   \n")).toEqual([
      "example.com",
      "other.example:8443",
      "https://x.example/#frag",
    ]);
  });
});

describe("sentCertificates: the server's Certificate message", () => {
  const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
  const bytes = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
  const handshake = (type: number, body: Uint8Array) => bytes([type, ...u24(body.length)], body);
  const record = (type: number, body: Uint8Array) => bytes([type, 3, 3, body.length >> 8, body.length & 0xff], body);
  const fakeCert = (n: number, length = 40) => new Uint8Array(length).fill(n);
  const tls12Message = (certs: Uint8Array[]) => {
    const list = bytes(...certs.map((c) => bytes(u24(c.length), c)));
    return handshake(11, bytes(u24(list.length), list));
  };
  const serverHello = handshake(2, new Uint8Array(38));
  /** Handshake bytes in records of at most 16 KiB, the most a record holds. */
  const inRecords = (messages: Uint8Array) =>
    bytes(...Array.from({ length: Math.ceil(messages.length / 16384) }, (_, i) => record(22, messages.subarray(i * 16384, (i + 1) * 16384))));

  test("TLS 1.2: in clear, split across records, in wire order", () => {
    const messages = bytes(serverHello, tls12Message([fakeCert(1), fakeCert(2), fakeCert(3)]));
    const flight = bytes(record(22, messages.subarray(0, 60)), record(22, messages.subarray(60)), record(20, new Uint8Array([1])));
    const result = sentCertificates(flight, "TLSv1.2");
    expect(result.ok && result.certificates.map((c) => c[0])).toEqual([1, 2, 3]);
  });

  test("TLS 1.3: read from the records the opener opens, extensions skipped, a dummy ChangeCipherSpec ignored", () => {
    const entries = [fakeCert(7), fakeCert(8)].map((c, i) => bytes(u24(c.length), c, [0, i], new Uint8Array(i)));
    const list = bytes(...entries);
    const certificate = handshake(11, bytes([0], u24(list.length), list));
    const encryptedExtensions = handshake(8, new Uint8Array([0, 0]));
    const inner = [bytes(encryptedExtensions, [22]), bytes(certificate, [22], [0, 0, 0])]; // content type, then padding
    const opened: number[] = [];
    const flight = bytes(record(22, serverHello), record(20, new Uint8Array([1])), record(23, new Uint8Array([0])), record(23, new Uint8Array([1])));
    const result = sentCertificates(flight, "TLSv1.3", (_header, body, sequence) => {
      opened.push(sequence);
      return inner[body[0]];
    });
    expect(result.ok && result.certificates.map((c) => c[0])).toEqual([7, 8]);
    expect(opened).toEqual([0, 1]);
  });

  test("bounded: too many certificates, one too large, a message cut short or lying about its length", () => {
    const flightOf = (message: Uint8Array) => record(22, message);
    const many = sentCertificates(flightOf(tls12Message(Array.from({ length: MAX_SENT_CERTIFICATES + 1 }, (_, i) => fakeCert(i, 4)))), "TLSv1.2");
    expect(many).toEqual({ ok: false, error: { code: "ETOOMANYCERTS", message: `the server sent more than ${MAX_SENT_CERTIFICATES} certificates` } });
    expect(sentCertificates(inRecords(tls12Message([fakeCert(1, MAX_CERTIFICATE_BYTES + 1)])), "TLSv1.2")).toMatchObject({
      ok: false,
      error: { code: "ECERTTOOLARGE" },
    });
    const whole = tls12Message([fakeCert(1)]);
    expect(sentCertificates(flightOf(whole.subarray(0, whole.length - 5)), "TLSv1.2")).toMatchObject({ ok: false, error: { code: "ENOCERTMESSAGE" } });
    const lying = bytes(whole);
    lying[9] = 0xff; // the entry's length now runs past the list
    expect(sentCertificates(flightOf(lying), "TLSv1.2")).toMatchObject({ ok: false, error: { code: "EBADCERTMESSAGE" } });
    expect(sentCertificates(flightOf(tls12Message([])), "TLSv1.2")).toMatchObject({ ok: false, error: { code: "ENOCERTS" } });
  });

  // TLS 1.3 records protected as RFC 8446 5.2 protects them (AEAD, the record's header as additional data,
  // the sequence number in the nonce), opened as cli/tlsProbe.ts opens them: a record opens only under
  // its own header, key and place.
  const tls13Message = (certs: Uint8Array[], context: number[] = []) => {
    const list = bytes(...certs.map((c) => bytes(u24(c.length), c, [0, 0])));
    return handshake(11, bytes([context.length, ...context], u24(list.length), list));
  };
  const handshakeKey = Buffer.alloc(16, 0x11);
  const laterKey = Buffer.alloc(16, 0x22);
  const nonce = (sequence: number) => Buffer.from(Buffer.alloc(12, 0x33).map((b, i) => (i === 11 ? b ^ sequence : b)));
  const sealed = (sequence: number, inner: Uint8Array, { outerType = 23, key = handshakeKey } = {}) => {
    const header = Uint8Array.from([outerType, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
    const cipher = createCipheriv("aes-128-gcm", key, nonce(sequence)).setAAD(header);
    return bytes(header, cipher.update(inner), cipher.final(), cipher.getAuthTag());
  };
  const open: OpenRecord = (header, body, sequence) => {
    try {
      const decipher = createDecipheriv("aes-128-gcm", handshakeKey, nonce(sequence))
        .setAAD(header)
        .setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    } catch {
      return null;
    }
  };
  const clearStart = bytes(record(22, serverHello), record(20, new Uint8Array([1])));
  const encryptedExtensions = bytes(handshake(8, new Uint8Array([0, 0])), [22]);
  const notFound = (flight: Uint8Array) => ({
    ok: false,
    error: { code: "ENOCERTMESSAGE", message: `the server's Certificate message was not found in the ${flight.length} bytes it sent` },
  });

  test("TLS 1.3: each record opens under its own header and sequence number; reading stops at the first protected with a later key", () => {
    const flight = bytes(
      clearStart,
      sealed(0, encryptedExtensions),
      sealed(1, bytes(tls13Message([fakeCert(7), fakeCert(8)]), [22], [0, 0])),
      sealed(2, bytes(handshake(20, new Uint8Array(32)), [22]), { key: laterKey }),
    );
    const result = sentCertificates(flight, "TLSv1.3", open);
    expect(result.ok && result.certificates.map((c) => c[0])).toEqual([7, 8]);
  });

  test("TLS 1.3: a Certificate message inside application data or an alert, or in a record of another type, is not the server's", () => {
    const certificate = tls13Message([fakeCert(7)]);
    for (const flight of [
      bytes(clearStart, sealed(0, bytes(certificate, [23]))),
      bytes(clearStart, sealed(0, bytes(certificate, [21]))),
      // Every protected TLS 1.3 record says it is application data (RFC 8446 5.2); this one says heartbeat.
      bytes(clearStart, sealed(0, bytes(certificate, [22]), { outerType: 24 })),
    ])
      expect(sentCertificates(flight, "TLSv1.3", open)).toEqual(notFound(flight));
  });

  test("TLS 1.3: a certificate_request_context is skipped by its length", () => {
    const flight = bytes(clearStart, sealed(0, bytes(tls13Message([fakeCert(7)], [1, 2, 3]), [22])));
    const result = sentCertificates(flight, "TLSv1.3", open);
    expect(result.ok && result.certificates).toEqual([fakeCert(7)]);
  });

  test("compressed certificates (RFC 8879) are an error of their own", () => {
    const flight = bytes(clearStart, sealed(0, bytes(handshake(25, new Uint8Array(10)), [22])));
    expect(sentCertificates(flight, "TLSv1.3", open)).toEqual({
      ok: false,
      error: { code: "ECERTCOMPRESSED", message: "the server compressed its certificates (RFC 8879), which the scanner does not offer" },
    });
  });

  test("TLS 1.2: nothing is read after the ChangeCipherSpec (encrypted), an unexpected record, or a record cut short", () => {
    const certificate = tls12Message([fakeCert(1)]);
    const serverHelloDone = handshake(14, new Uint8Array(0));
    const whole = record(22, bytes(serverHello, certificate, serverHelloDone));
    for (const flight of [
      bytes(clearStart, record(22, certificate)),
      bytes(record(22, serverHello), record(23, new Uint8Array(8)), record(22, certificate)),
      // The Certificate message is whole, its record is not: a client reads a record only once all of it has arrived.
      whole.subarray(0, whole.length - 2),
      // Cut inside the Certificate message's header.
      record(22, bytes(serverHello, certificate.subarray(0, 2))),
    ])
      expect(sentCertificates(flight, "TLSv1.2")).toEqual(notFound(flight));
  });

  const cert = fakeCert(1);
  test.each([
    ["TLSv1.2", "an empty message", [], "too short"],
    ["TLSv1.2", "a list longer than the message", [...u24(50), ...u24(cert.length), ...cert], "the list is longer than the message"],
    ["TLSv1.2", "an entry cut inside its length", [...u24(cert.length + 5), ...u24(cert.length), ...cert, 0, 0], "entry 1 is cut short"],
    ["TLSv1.2", "an empty entry", [...u24(cert.length + 6), ...u24(cert.length), ...cert, 0, 0, 0], "entry 1 has a bad length"],
    ["TLSv1.2", "an entry longer than the list", [...u24(cert.length * 2 + 6), ...u24(cert.length), ...cert, ...u24(100), ...cert], "entry 1 has a bad length"],
    [
      "TLSv1.3",
      "an entry without its extensions",
      [0, ...u24(cert.length * 2 + 8), ...u24(cert.length), ...cert, 0, 0, ...u24(cert.length), ...cert],
      "entry 1 has no extensions field",
    ],
    ["TLSv1.3", "extensions running past the list", [0, ...u24(cert.length + 5), ...u24(cert.length), ...cert, 0, 5], "an entry runs past the list"],
  ] as const)("%s, %s: the Certificate message is malformed", (version, _what, body, why) => {
    // In clear for both versions: the message is parsed the same once its records are read.
    const flight = record(22, handshake(11, Uint8Array.from(body)));
    expect(sentCertificates(flight, version)).toEqual({ ok: false, error: { code: "EBADCERTMESSAGE", message: `malformed Certificate message: ${why}` } });
  });

  test("a certificate of the largest size read is read; one byte more is refused, saying by how much", () => {
    const largest = sentCertificates(inRecords(tls12Message([cert, fakeCert(2, MAX_CERTIFICATE_BYTES)])), "TLSv1.2");
    expect(largest.ok && largest.certificates.map((c) => c.length)).toEqual([cert.length, MAX_CERTIFICATE_BYTES]);
    expect(sentCertificates(inRecords(tls12Message([cert, fakeCert(2, MAX_CERTIFICATE_BYTES + 1)])), "TLSv1.2")).toEqual({
      ok: false,
      error: { code: "ECERTTOOLARGE", message: "certificate 1 is 65,537 bytes, more than the 65,536 the scanner reads" },
    });
  });

  test("TLS 1.3: the last entry may have empty extensions; an empty list is no certificate", () => {
    const single = sentCertificates(record(22, tls13Message([cert])), "TLSv1.3");
    expect(single.ok && single.certificates).toEqual([cert]);
    expect(sentCertificates(record(22, tls13Message([])), "TLSv1.3")).toEqual({
      ok: false,
      error: { code: "ENOCERTS", message: "the server sent no certificate" },
    });
  });
});

describe("a scanned host's report and its outcome", () => {
  let pkiOf: Record<"rootCa" | "inter" | "leaf", Issued>;
  let report: ScannedHost;
  beforeAll(async () => {
    const index = JSON.parse(readFileSync(join(root, "data", "blocklist.json"), "utf8")) as CompiledIndex;
    const rootCa = await issue({ subject: "CN=Report Root" });
    const inter = await issue({ subject: "CN=Report Intermediate", issuer: rootCa, ca: true });
    // The leaf carries a real SCT list: one log in Firefox's table (Cloudflare's Nimbus2026), one no longer in it.
    const sctExtension = new Extension(OID_SCT_LIST, false, realSctList.value);
    const leaf = await issue({ subject: "CN=leaf.example", issuer: inter, hosts: ["leaf.example"], extensions: [sctExtension] });
    pkiOf = { rootCa, inter, leaf };
    // The server sends each of its certificates twice, the intermediate first the second time.
    const sent = await Promise.all([leaf, inter, inter, leaf].map((c) => firefoxCertificateFromDer(c.der)));
    report = scannedHost(2, "leaf.example", {
      target: { host: "leaf.example", port: 443 },
      address: "192.0.2.1",
      tls: { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", alpn: null },
      store: "test store",
      verification: { ok: true, error: null },
      sent,
      verdict: new ChainAnalyzer(index).analyze(await securityInfoFromDer([leaf.der, inter.der, rootCa.der])),
      leafScts: readEmbeddedScts(leaf.der),
    });
  });

  test("a certificate sent twice is placed where the server first sent it", () => {
    const { rootCa, inter, leaf } = pkiOf;
    expect(report.chain.map((c) => [c.role, c.sha256, c.source, c.sentPosition])).toEqual([
      ["leaf", sha256(leaf), "sent", 0],
      ["intermediate", sha256(inter), "sent", 1],
      ["root", sha256(rootCa), "store", null],
    ]);
    expect(report.sent.map((c) => [c.position, c.sha256, c.inChain])).toEqual([
      [0, sha256(leaf), true],
      [1, sha256(inter), true],
      [2, sha256(inter), true],
      [3, sha256(leaf), true],
    ]);
    expect(report.omitted).toEqual([sha256(rootCa)]);
  });

  test("the leaf's SCTs are reported with their log and operator, or none for a log not in the bundled list", () => {
    const [nimbus, unlisted] = decodeSctExtension(new Uint8Array(realSctList.value)).scts;
    expect(report.scts).toEqual({
      entries: [
        { log: "Cloudflare 'Nimbus2026'", operator: "Cloudflare", logId: nimbus.logId.base64, timestamp: nimbus.timestamp, time: nimbus.time },
        { log: null, operator: null, logId: unlisted.logId.base64, timestamp: unlisted.timestamp, time: unlisted.time },
      ],
      errors: [],
    });
  });

  test("a scanned host counts as its verdict's level, a host that failed as failed", () => {
    // A root not built into Firefox and an intermediate not in its preloaded set: warnings.
    expect(report.findings.map((f) => [f.ruleId, f.severity]).sort()).toEqual([
      ["dynamic-intermediate", "warning"],
      ["non-built-in-root", "warning"],
    ]);
    expect(outcomeOf(report)).toBe("warning");
    expect(outcomeOf(failedHost(3, "leaf.example", { host: "leaf.example", port: 443 }, { code: "ECONNREFUSED", message: "connection refused" }))).toBe(
      "failed",
    );
  });
});

describe("reports, formats, exit status", () => {
  const index = JSON.parse(readFileSync(join(root, "data", "blocklist.json"), "utf8")) as CompiledIndex;
  const target = { host: "leaf.example", port: 443 };

  async function leafOnlyReport(): Promise<ScannedHost> {
    const rootCa = await issue({ subject: "CN=Report Root" });
    const inter = await issue({ subject: "CN=Report Intermediate", issuer: rootCa, ca: true });
    const leaf = await issue({ subject: "CN=leaf.example", issuer: inter, hosts: ["leaf.example"] });
    const verdict = new ChainAnalyzer(index).analyze(await securityInfoFromDer([leaf.der, inter.der, rootCa.der]));
    const sent = [await firefoxCertificateFromDer(leaf.der), await firefoxCertificateFromDer(rootCa.der)];
    const tls = { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", alpn: "h2" };
    return scannedHost(4, "leaf.example", {
      target,
      address: "192.0.2.1",
      tls,
      store: "test store",
      verification: { ok: true, error: null },
      sent,
      verdict,
      leafScts: null,
    });
  }

  test("sent, omitted and unknown certificates are told apart by SHA-256", async () => {
    const report = await leafOnlyReport();
    expect(report.chain.map((c) => [c.role, c.source, c.sentPosition])).toEqual([
      ["leaf", "sent", 0],
      ["intermediate", "store", null],
      ["root", "sent", 1],
    ]);
    expect(report.omitted).toEqual([report.chain[1].sha256]);
    expect(report.unknownIntermediates).toEqual([report.chain[1].sha256]);
    expect(report.sent.every((s) => s.inChain)).toBe(true);
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(["dynamic-intermediate", "non-built-in-root"]);
  });

  test("CSV: quoted per RFC 4180, formulas defused, one cell per column", async () => {
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell(-1)).toBe("-1");
    expect(csvCell(null)).toBe("");
    const row = csvRow(await leafOnlyReport());
    expect(parseCsv(row)).toEqual([expect.any(Array)]);
    expect(parseCsv(row)[0]).toHaveLength(CSV_COLUMNS.length);
    expect(row).toMatch(/"warning dynamic-intermediate \(cert 1\): [^"]*; warning non-built-in-root \(cert 2\): [^"]*"/);
    expect(csvRow(failedHost(1, "a,b", null, { code: "EINVALIDTARGET", message: "bad" }))).toBe(`1,"a,b",,,failed${",".repeat(14)}EINVALIDTARGET,bad\r\n`);
  });

  test("the terminal table: each host's connection, chain (where each certificate came from, its trust) and findings", async () => {
    const report = await leafOnlyReport();
    const lines = tableBlock(report).split("\n");
    expect(lines[0]).toBe("[4] leaf.example:443 (192.0.2.1)  TLSv1.3 TLS_AES_128_GCM_SHA256 ALPN h2  SCTs 0  WARNING");
    expect(lines[1]).toBe("    verification: ok");
    expect(lines[2]).toMatch(/^ {4}# {2}role {9}from {4}trust {8}subject {42}sha256$/);
    const [leaf, intermediate, rootCa] = report.chain.map((c) => c.sha256);
    expect(lines.slice(3, 6)).toEqual([
      expect.stringMatching(new RegExp(`^ {4}0 {2}leaf {9}sent 0 {2}\\s{12} CN=leaf\\.example\\s+${leaf}$`)),
      expect.stringMatching(new RegExp(`^ {4}1 {2}intermediate store {3}unknown {6}CN=Report Intermediate\\s+${intermediate}$`)),
      expect.stringMatching(new RegExp(`^ {4}2 {2}root {9}sent 1 {2}not built-in CN=Report Root\\s+${rootCa}$`)),
    ]);
    expect(lines.slice(6, 8)).toEqual([
      expect.stringMatching(/^ {4}warning {2}dynamic-intermediate {9}cert 1 {2}\S/),
      expect.stringMatching(/^ {4}warning {2}non-built-in-root {12}cert 2 {2}\S/),
    ]);
    expect(lines.at(-1)).toBe("");
    expect(tableHeader("Mozilla's roots")).toBe("store: Mozilla's roots\n");
  });

  test("the terminal table: what a server sent beyond the chain, long or hostile subjects, no findings, failures", async () => {
    const report = await leafOnlyReport();
    const hostile = `CN=${"A".repeat(60)}\u001b[2J`;
    const odd: ScannedHost = {
      ...report,
      host: "2001:db8::1",
      tls: { ...report.tls, alpn: null },
      verification: { ok: false, error: "unable to get local issuer certificate" },
      level: "ok",
      chain: report.chain.map((c, i) => (i === 0 ? { ...c, subject: hostile } : i === 1 ? { ...c, known: true } : { ...c, isBuiltInRoot: true })),
      sent: [...report.sent, { position: 2, subject: "CN=Stray\u202eexe", sha256: "ab".repeat(32), inChain: false }],
      findings: [],
    };
    const lines = tableBlock(odd).split("\n");
    expect(lines[0]).toBe("[4] [2001:db8::1]:443 (192.0.2.1)  TLSv1.3 TLS_AES_128_GCM_SHA256 ALPN none  SCTs 0  OK");
    expect(lines[1]).toBe("    verification: unable to get local issuer certificate");
    // Cut to the column's 48 characters, its escape sequence shown, not run.
    expect(lines[3]).toContain(` ${`CN=${"A".repeat(44)}…`} ${report.chain[0].sha256}`);
    expect(lines[3]).not.toContain("\u001b");
    expect(lines[4]).toMatch(/ known {8}CN=Report Intermediate/);
    expect(lines[5]).toMatch(/ built-in {5}CN=Report Root/);
    expect(lines[6]).toBe(`    sent at 2, not in the chain: CN=Stray\\u{202e}exe ${"ab".repeat(32)}`);
    expect(lines[7]).toBe("    no findings");
    expect(tableBlock(failedHost(2, "bad\u001bhost", null, { code: "EINVALIDTARGET", message: "no \u202e" }))).toBe(
      "[2] bad\\u{1b}host  FAILED EINVALIDTARGET: no \\u{202e}\n",
    );
    expect(tableBlock(failedHost(3, "x.example:8443", { host: "x.example", port: 8443 }, { code: "ECONNREFUSED", message: "refused" }))).toBe(
      "[3] x.example:8443  FAILED ECONNREFUSED: refused\n",
    );
  });

  test("a finding about the whole chain says so in the table and the CSV; the CSV header names each cell; JSON is one line per host", async () => {
    const report = await leafOnlyReport();
    const chainWide: ScannedHost = {
      ...report,
      findings: [{ ...report.findings[0], severity: "notice", ruleId: "some-rule", certIndex: null, title: "About the chain" }],
    };
    expect(tableBlock(chainWide).split("\n")).toContain(`    notice   some-rule                    chain   About the chain`);
    const [header, row] = parseCsv(csvHeader() + csvRow(chainWide));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(row[CSV_COLUMNS.indexOf("findings")]).toBe("notice some-rule (chain): About the chain");
    const json = jsonLine(chainWide);
    expect(json.indexOf("\n")).toBe(json.length - 1);
    expect(JSON.parse(json)).toEqual(chainWide);
  });

  test("control and bidi characters from a certificate are escaped for the terminal", () => {
    expect(printable("CN=evil\u001b[2J\u202etxt.exe")).toBe("CN=evil\\u{1b}[2J\\u{202e}txt.exe");
  });

  test("exit status and summary: the worst verdict, a failed host counting as a warning", () => {
    expect(scanExitStatus([])).toBe(0);
    expect(scanExitStatus(["ok", "notice"])).toBe(1);
    expect(scanExitStatus(["ok", "failed"])).toBe(2);
    expect(scanExitStatus(["failed", "blocked"])).toBe(3);
    expect(summaryLine(["ok", "failed", "ok", "blocked"])).toBe("4 hosts: 2 ok, 1 blocked, 1 failed; exit status 3");
    expect(summaryLine(["notice"])).toBe("1 host: 1 notice; exit status 1");
  });

  test("mapInOrder: at most N in flight, results in input order", async () => {
    let inFlight = 0;
    let most = 0;
    const emitted: number[] = [];
    const delays = [30, 5, 20, 1, 15, 2, 25, 3];
    await mapInOrder(
      delays,
      3,
      async (delay, i) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, delay));
        inFlight--;
        return i;
      },
      (result, i) => emitted.push(result === i ? i : -1),
    );
    expect(most).toBe(3);
    expect(emitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
