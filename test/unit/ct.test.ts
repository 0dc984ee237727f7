/**
 * Embedded SCTs (src/ct/): decoded from real certificates and checked against an independent decoder
 * (`openssl x509 -text`), named from the compiled log table and checked against Firefox's
 * CTKnownLogs.h itself (read here by a reader of its own), malformed lists reported without
 * throwing, and the compiled table reproducible byte for byte.
 */
import { issue } from "../../scripts/pki"; // first: loads the Reflect polyfill @peculiar/x509 needs
import { Extension, X509Certificate } from "@peculiar/x509";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeCertificate } from "../../src/certificateView";
import { describeEmbeddedScts } from "../../src/ct/embedded";
import { CT_LOG_LIST, logFinder, type CtLog } from "../../src/ct/logs";
import { decodeSctExtension, decodeSctList, MAX_SCTS, OID_SCT_LIST } from "../../src/ct/sct";
import { pemToDerList } from "../../src/encoding";

const ROOT = join(__dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "ct");
const LOG_LIST_PATH = join(ROOT, "data", "ct-logs.json");

const FIXTURE_FILES = ["cryptography-scts.pem", "badssl-sct.pem", "aws_amazon_com_valid_1.crt", "letsencrypt_org_valid_1.crt"];

function fixtureDer(file: string): Uint8Array {
  const bytes = readFileSync(join(FIXTURES, file));
  return file.endsWith(".pem") ? pemToDerList(bytes.toString("utf8"))[0] : new Uint8Array(bytes);
}

/** The SCT extension's extnValue, as @peculiar/x509 reads it (independently of src/ct). */
function sctExtensionValue(der: Uint8Array): Uint8Array {
  const ext = new X509Certificate(der as BufferSource).getExtension(OID_SCT_LIST);
  if (!ext) throw new Error("fixture has no SCT extension");
  return new Uint8Array(ext.value);
}

interface OpensslSct {
  version: string;
  logIdHex: string;
  timestamp: number;
  extensionsLength: number;
  signatureAlgorithm: string;
  signatureLength: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The "CT Precertificate SCTs" of `openssl x509 -text`, one entry per SCT. */
function opensslScts(file: string): OpensslSct[] {
  const inform = file.endsWith(".pem") ? "PEM" : "DER";
  const text = execFileSync("/usr/bin/openssl", ["x509", "-inform", inform, "-in", join(FIXTURES, file), "-noout", "-text"], { encoding: "utf8" });
  const section = text.slice(text.indexOf("CT Precertificate SCTs:"));
  return section
    .split("Signed Certificate Timestamp:")
    .slice(1)
    .map((block) => {
      const field = (name: string) => new RegExp(`${name}\\s*:\\s*([^\\n]*)`).exec(block)?.[1].trim() ?? "";
      const logId = /Log ID\s*:\s*([0-9A-F:\s]+?)\n\s*Timestamp/.exec(block)![1];
      // e.g. "Sep 26 20:56:33.769 2018 GMT"
      const [, mon, day, h, m, s, ms, year] = /(\w{3})\s+(\d+) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4}) GMT/.exec(field("Timestamp"))!;
      const timestamp = Date.UTC(+year, MONTHS.indexOf(mon), +day, +h, +m, +s, ms ? +ms.padEnd(3, "0") : 0);
      const signature = /Signature\s*:\s*(\S+)\n([0-9A-F:\s]+)/.exec(block)!;
      return {
        version: field("Version"),
        logIdHex: logId.replace(/[\s:]/g, "").toLowerCase(),
        timestamp,
        // "none", or the bytes in colon hex
        extensionsLength: field("Extensions") === "none" ? 0 : field("Extensions").split(":").length,
        signatureAlgorithm: signature[1],
        signatureLength: signature[2].replace(/\s/g, "").split(":").filter(Boolean).length,
      };
    });
}

/** OpenSSL's names for the digitally-signed algorithms SCTs use. */
const OPENSSL_ALGORITHMS: Record<string, string> = {
  "ecdsa-with-SHA256": "ECDSA with SHA-256",
  "ecdsa-with-SHA384": "ECDSA with SHA-384",
  sha256WithRSAEncryption: "RSA with SHA-256",
};

/**
 * Firefox's CTKnownLogs.h itself (not the compiled table), release logs only (the #ifdef DEBUG test
 * logs dropped): log id, the SHA-256 of the key's bytes → [operator, description, state, since].
 * Read with regular expressions, independently of the compiler's tokenizer.
 */
const SOURCE_HEADER = readFileSync(join(ROOT, "data", "sources", "mozilla", "CTKnownLogs.h"), "utf8").replace(
  /#ifdef DEBUG\n[\s\S]*?#endif {2}\/\/ DEBUG\n/g,
  "",
);
const sourceLogs = new Map<string, [string, string, string, string]>();
{
  const operators = [...SOURCE_HEADER.slice(SOURCE_HEADER.indexOf("kCTLogOperatorList[]")).matchAll(/\{"([^"]+)", (\d+)\}/g)].map((m) => m[1]);
  const entry = /\{"([^"]+)", CTLogState::(\w+), CTLogFormat::\w+,\s+(\d+),\s+\/\/ \S+\s+(\d+),\s+\/\/ operated by ([^\n]+)((?:\s+"[^"]*")+),\s+(\d+)\}/g;
  for (const [, description, state, time, index, operatedBy, key, keyLength] of SOURCE_HEADER.matchAll(entry)) {
    const bytes = Buffer.from(key.replace(/[\s"]|\\x/g, ""), "hex");
    if (bytes.length !== Number(keyLength) || operators[Number(index)] !== operatedBy)
      throw new Error(`CTKnownLogs.h: ${description} does not read as this file expects`);
    const id = createHash("sha256").update(bytes).digest("base64");
    sourceLogs.set(id, [operatedBy, description, state.toLowerCase(), new Date(Number(time)).toISOString()]);
  }
}

describe.each(FIXTURE_FILES)("real certificate %s", (file) => {
  const der = fixtureDer(file);
  const expected = opensslScts(file);

  test("every SCT decodes as openssl reads it: version, log id, timestamp, extensions length, algorithm, signature length", async () => {
    const details = await describeCertificate(der);
    const embedded = details.embeddedScts!;
    expect(embedded.errors).toEqual([]);
    expect(expected.length).toBeGreaterThan(0);
    expect(
      embedded.scts.map((s) => ({
        version: s.version === 0 ? "v1 (0x0)" : String(s.version),
        logIdHex: s.logId.hex,
        timestamp: s.timestamp,
        extensionsLength: s.extensionsLength,
        algorithm: s.algorithm,
        signatureLength: s.signatureLength,
      })),
    ).toEqual(
      expected.map((o) => ({
        version: o.version,
        logIdHex: o.logIdHex,
        timestamp: o.timestamp,
        extensionsLength: o.extensionsLength,
        algorithm: OPENSSL_ALGORITHMS[o.signatureAlgorithm] ?? o.signatureAlgorithm,
        signatureLength: o.signatureLength,
      })),
    );
    for (const sct of embedded.scts) {
      expect(Buffer.from(sct.logId.base64, "base64").toString("hex")).toBe(sct.logId.hex);
      expect(sct.time).toBe(new Date(sct.timestamp).toISOString());
    }
  });

  test("each SCT's log is named as Firefox's table names it, or marked unknown when the table lacks it", async () => {
    const { embeddedScts } = await describeCertificate(der);
    for (const sct of embeddedScts!.scts) {
      const listed = sourceLogs.get(sct.logId.base64);
      expect(sct.log && [sct.log.operator, sct.log.description, sct.log.state, sct.log.since]).toEqual(listed ?? null);
    }
    const operators = embeddedScts!.scts.map((s) => s.log?.operator ?? null);
    expect(embeddedScts!.byOperator.reduce((n, o) => n + o.count, 0)).toBe(operators.length);
    for (const { operator, count } of embeddedScts!.byOperator) expect(count).toBe(operators.filter((o) => o === operator).length);
  });
});

test("the fixtures name real logs and operators; logs Firefox's table lacks (long retired, or not yet in it) are unknown", async () => {
  const named = async (file: string) =>
    (await describeCertificate(fixtureDer(file))).embeddedScts!.scts.map((s) => (s.log ? `${s.log.operator}: ${s.log.description}` : "unknown log"));
  // 2016 and 2018 certificates: Icarus, Mammoth and Symantec Deneb left Firefox's table long ago.
  expect(await named("cryptography-scts.pem")).toEqual(["unknown log", "unknown log"]);
  expect(await named("badssl-sct.pem")).toEqual(["unknown log"]);
  expect(await named("letsencrypt_org_valid_1.crt")).toEqual(["Cloudflare: Cloudflare 'Nimbus2026'", "unknown log"]);
  expect(await named("aws_amazon_com_valid_1.crt")).toEqual([
    "Google: Google 'Xenon2026h2' log",
    "DigiCert: DigiCert 'Wyvern2026h2'",
    "DigiCert: DigiCert 'Sphinx2026h2'",
  ]);
  const aws = (await describeCertificate(fixtureDer("aws_amazon_com_valid_1.crt"))).embeddedScts!;
  expect(aws.byOperator).toEqual([
    { operator: "DigiCert", count: 2 },
    { operator: "Google", count: 1 },
  ]);
});

describe("data/ct-logs.json", () => {
  test("the compiler reproduces the committed file byte for byte", () => {
    const dir = mkdtempSync(join(tmpdir(), "ct-logs-"));
    try {
      const out = join(dir, "ct-logs.json");
      const run = spawnSync("npx", ["tsx", "scripts/compile-ct-logs.ts", "--out", out], { cwd: ROOT, encoding: "utf8" });
      expect(run.stderr.replace(/^npm warn.*\n/gm, "")).toBe("");
      expect(run.status).toBe(0);
      expect(readFileSync(out, "utf8") === readFileSync(LOG_LIST_PATH, "utf8")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("holds every release log of Firefox's table once, with its operator, name, state and time, one per line", () => {
    // Every entry the reader above matched, so that a pattern it missed cannot shrink both sides alike.
    expect(sourceLogs.size).toBe(SOURCE_HEADER.match(/CTLogState::\w+, CTLogFormat::/g)!.length);
    expect(CT_LOG_LIST.logs).toHaveLength(sourceLogs.size);
    for (const log of CT_LOG_LIST.logs) expect([log.operator, log.description, log.state, log.since]).toEqual(sourceLogs.get(log.id));
    expect(CT_LOG_LIST.logs.filter((l) => l.operator.startsWith("Mozilla Test"))).toEqual([]);
    const lines = readFileSync(LOG_LIST_PATH, "utf8")
      .split("\n")
      .filter((l) => l.startsWith('{"id":'));
    expect(lines).toHaveLength(CT_LOG_LIST.logs.length);
  });

  test("keeps retired logs, with the time they were retired", () => {
    const find = logFinder();
    expect(find("rKswcGzr7IQx9BPS9JFfER5CJEOx8qaMTzwrO6ceAsM=")).toMatchObject({
      description: "Let's Encrypt 'Oak2026h2'",
      state: "retired",
      since: "2026-02-28T00:00:00.000Z",
    });
    expect(CT_LOG_LIST.logs.some((l) => l.state === "admissible")).toBe(true);
    expect(find("A".repeat(43) + "=")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed lists: built from a real SCT, then broken one way at a time.

const u16 = (n: number) => [n >> 8, n & 0xff];
/** A TLS SignedCertificateTimestampList of the given serialized SCTs. */
function tlsList(...scts: Uint8Array[]): Uint8Array {
  const body = scts.flatMap((s) => [...u16(s.length), ...s]);
  return Uint8Array.from([...u16(body.length), ...body]);
}
/** DER OCTET STRING around `content` (definite length, short or long form). */
function octetString(content: Uint8Array): Uint8Array<ArrayBuffer> {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([0x04, ...length, ...content]);
}

/** The first SCT of the aws.amazon.com certificate, serialized (without its length prefix). */
const realSct = (() => {
  const value = sctExtensionValue(fixtureDer("aws_amazon_com_valid_1.crt"));
  const list = value.subarray(value[1] === 0x81 ? 3 : value[1] === 0x82 ? 4 : 2);
  const length = list[2] * 256 + list[3];
  return list.slice(4, 4 + length);
})();

describe("malformed SCT lists give errors, never exceptions", () => {
  test("the building blocks make a list that decodes cleanly", () => {
    const { scts, errors } = decodeSctExtension(octetString(tlsList(realSct, realSct)));
    expect(errors).toEqual([]);
    expect(scts).toHaveLength(2);
    expect(scts[0].algorithm).toBe("ECDSA with SHA-256");
  });

  test("an empty list", () => {
    expect(decodeSctList(Uint8Array.from([0, 0]))).toEqual({ scts: [], errors: ["the SCT list is empty (RFC 6962 requires at least one SCT)"] });
    expect(decodeSctList(new Uint8Array(0)).errors).toEqual(["the SCT list is 0 bytes, too short for its 2-byte length"]);
  });

  test("a truncated list keeps the SCTs read before the cut and says where it stopped", () => {
    const whole = tlsList(realSct, realSct);
    const { scts, errors } = decodeSctList(whole.subarray(0, whole.length - 10));
    expect(scts).toHaveLength(1);
    expect(errors).toEqual([
      `the SCT list claims ${whole.length - 2} bytes but only ${whole.length - 12} follow (truncated)`,
      `SCT 2 claims ${realSct.length} bytes but only ${realSct.length - 10} remain (truncated)`,
    ]);
  });

  test("an SCT length past the end of the list", () => {
    const list = tlsList(realSct);
    list.set(u16(realSct.length + 1), 2);
    expect(decodeSctList(list)).toEqual({ scts: [], errors: [`SCT 1 claims ${realSct.length + 1} bytes but only ${realSct.length} remain (truncated)`] });
  });

  test("a signature length past the end of its SCT", () => {
    const sct = realSct.slice();
    const sigLengthAt = sct.length - 2 - decodeSctList(tlsList(realSct)).scts[0].signatureLength;
    sct.set(u16(0xffff), sigLengthAt);
    expect(decodeSctList(tlsList(sct)).errors).toEqual([`SCT 1: the signature needs 65535 bytes but only ${sct.length - sigLengthAt - 2} remain (truncated)`]);
  });

  test("bytes left over inside an SCT, after the list and after the OCTET STRING", () => {
    expect(decodeSctList(tlsList(Uint8Array.from([...realSct, 0xaa]))).errors).toEqual(["SCT 1: 1 bytes after the signature"]);
    expect(decodeSctList(Uint8Array.from([...tlsList(realSct), 0xaa, 0xbb])).errors).toEqual(["2 bytes after the SCT list"]);
    const extra = decodeSctExtension(Uint8Array.from([...octetString(tlsList(realSct)), 0]));
    expect(extra.errors).toEqual(["1 bytes after the OCTET STRING"]);
    expect(extra.scts).toHaveLength(1);
  });

  test("an SCT of an unknown version is reported and the others still decode", () => {
    const v2 = Uint8Array.from([1, ...realSct.subarray(1)]);
    const { scts, errors } = decodeSctList(tlsList(realSct, v2, realSct));
    expect(scts).toHaveLength(2);
    expect(errors).toEqual(["SCT 2: version 1 is not v1 (0), the only one RFC 6962 defines, so it cannot be read"]);
  });

  test("hash and signature algorithms outside RFC 5246's tables are named by their code", () => {
    const sct = realSct.slice();
    const algorithmsAt = sct.length - 4 - decodeSctList(tlsList(realSct)).scts[0].signatureLength;
    sct.set([9, 7], algorithmsAt);
    const [decoded] = decodeSctList(tlsList(sct)).scts;
    expect(decoded).toMatchObject({ hashAlgorithm: "unknown (9)", signatureAlgorithm: "unknown (7)", algorithm: "unknown (7) with unknown (9)" });
  });

  test("a single byte where the next SCT's 2-byte length belongs", () => {
    // The list's length counts the stray byte, so it is read as the start of a second SCT.
    const { scts, errors } = decodeSctList(Uint8Array.from([...u16(realSct.length + 3), ...u16(realSct.length), ...realSct, 0xaa]));
    expect(scts).toHaveLength(1);
    expect(errors).toEqual(["SCT 2: truncated before its 2-byte length"]);
  });

  test("a timestamp past any date", () => {
    const sct = realSct.slice();
    sct.fill(0xff, 33, 41);
    expect(decodeSctList(tlsList(sct)).errors).toEqual([`SCT 1: the timestamp ${0xffffffff * 2 ** 32 + 0xffffffff} ms is past any date`]);
  });

  test(`at most ${MAX_SCTS} SCTs are read`, () => {
    const tiny = Uint8Array.from([0, ...new Uint8Array(32), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 4, 3, 0, 0]);
    const { scts, errors } = decodeSctList(tlsList(...Array.from({ length: MAX_SCTS + 10 }, () => tiny)));
    expect(scts).toHaveLength(MAX_SCTS);
    expect(errors).toEqual([`more than ${MAX_SCTS} SCTs: the rest of the list is not read`]);
  });

  test("an SCT cut short names the field it stopped in", () => {
    const { extensionsLength } = decodeSctList(tlsList(realSct)).scts[0];
    const afterExtensions = 43 + extensionsLength;
    const cutAt = (length: number) => decodeSctList(tlsList(realSct.subarray(0, length))).errors;
    const truncated = (what: string, needs: number, remain: number) => [`SCT 1: ${what} needs ${needs} bytes but only ${remain} remain (truncated)`];
    expect(cutAt(0)).toEqual(truncated("the version", 1, 0));
    expect(cutAt(10)).toEqual(truncated("the log id", 32, 9));
    expect(cutAt(35)).toEqual(truncated("the timestamp", 4, 2));
    expect(cutAt(39)).toEqual(truncated("the timestamp", 4, 2));
    expect(cutAt(42)).toEqual(truncated("the length of the extensions", 2, 1));
    expect(cutAt(afterExtensions)).toEqual(truncated("the hash algorithm", 1, 0));
    expect(cutAt(afterExtensions + 1)).toEqual(truncated("the signature algorithm", 1, 0));
    expect(cutAt(afterExtensions + 3)).toEqual(truncated("the length of the signature", 2, 1));
    const longExtensions = realSct.slice();
    longExtensions.set(u16(0xffff), 41);
    expect(decodeSctList(tlsList(longExtensions)).errors).toEqual(truncated("the extensions", 0xffff, realSct.length - 43));
  });

  test("an SCT longer than 255 bytes, and one stamped at the last date JavaScript can show, decode", () => {
    const extensions = new Uint8Array(300).fill(0xee);
    const long = Uint8Array.from([
      ...realSct.subarray(0, 41),
      ...u16(300),
      ...extensions,
      ...realSct.subarray(43 + decodeSctList(tlsList(realSct)).scts[0].extensionsLength),
    ]);
    const decoded = decodeSctList(tlsList(long));
    expect(decoded.errors).toEqual([]);
    expect(decoded.scts[0].extensionsLength).toBe(300);
    const lastDate = realSct.slice();
    const maxMs = 8.64e15;
    new DataView(lastDate.buffer).setUint32(33, Math.floor(maxMs / 2 ** 32));
    new DataView(lastDate.buffer).setUint32(37, maxMs % 2 ** 32);
    expect(decodeSctList(tlsList(lastDate)).scts[0]).toMatchObject({ timestamp: maxMs, time: "+275760-09-13T00:00:00.000Z" });
  });

  test("every hash and signature algorithm of RFC 5246's tables is named", () => {
    const algorithmsAt = realSct.length - 4 - decodeSctList(tlsList(realSct)).scts[0].signatureLength;
    const named = (hash: number, signature: number) => {
      const sct = realSct.slice();
      sct.set([hash, signature], algorithmsAt);
      return decodeSctList(tlsList(sct)).scts[0].algorithm;
    };
    expect(Array.from({ length: 7 }, (_, code) => named(code, 0))).toEqual([
      "anonymous with none",
      "anonymous with MD5",
      "anonymous with SHA-1",
      "anonymous with SHA-224",
      "anonymous with SHA-256",
      "anonymous with SHA-384",
      "anonymous with SHA-512",
    ]);
    expect([1, 2, 3].map((code) => named(4, code))).toEqual(["RSA with SHA-256", "DSA with SHA-256", "ECDSA with SHA-256"]);
  });

  test("not an OCTET STRING, or a broken DER length", () => {
    expect(decodeSctExtension(Uint8Array.from([0x04])).errors).toEqual(["truncated before the SCT list's OCTET STRING (offset 0)"]);
    expect(decodeSctExtension(Uint8Array.from([0x30, 0x00])).errors).toEqual(["the extension holds tag 0x30 where an OCTET STRING belongs"]);
    expect(decodeSctExtension(Uint8Array.from([0x04, 0x05, 0x00])).errors[0]).toMatch(/claims 5 bytes but only 1 remain/);
  });

  test("every truncation and every single-byte change of a real extension decodes without throwing", () => {
    const value = sctExtensionValue(fixtureDer("aws_amazon_com_valid_1.crt"));
    for (let cut = 0; cut < value.length; cut++) {
      const result = describeEmbeddedScts(value.subarray(0, cut));
      expect(result.errors.length).toBeGreaterThan(0);
    }
    for (let i = 0; i < value.length; i++) {
      const changed = value.slice();
      changed[i] ^= 0xff;
      expect(() => describeEmbeddedScts(changed)).not.toThrow();
    }
  });

  test("a certificate carrying a malformed list is still described, with the list's errors", async () => {
    const root = await issue({ subject: "CN=CT Test Root" });
    const broken = tlsList(realSct).subarray(0, 40);
    const leaf = await issue({ subject: "CN=broken-sct.example", issuer: root, extensions: [new Extension(OID_SCT_LIST, false, octetString(broken))] });
    const details = await describeCertificate(leaf.der);
    expect(details.subject).toBe("CN=broken-sct.example");
    expect(details.embeddedScts).toEqual({
      scts: [],
      errors: [
        `the SCT list claims ${realSct.length + 2} bytes but only 38 follow (truncated)`,
        `SCT 1 claims ${realSct.length} bytes but only 36 remain (truncated)`,
      ],
      byOperator: [],
    });
  });
});

describe("SCTs per operator", () => {
  /** realSct issued by the log whose id is 32 bytes of `n`. */
  const sctFromLog = (n: number) => Uint8Array.from([realSct[0], ...new Uint8Array(32).fill(n), ...realSct.subarray(33)]);
  const logIdOf = (n: number) => Buffer.from(new Uint8Array(32).fill(n)).toString("base64");
  const testLog = (n: number, operator: string): CtLog => ({
    id: logIdOf(n),
    description: `${operator} log ${n}`,
    operator,
    state: "admissible",
    since: "2025-01-01T00:00:00.000Z",
  });

  test("most SCTs first, ties by operator name, unknown logs last however many, whatever order the SCTs come in", () => {
    const operators: Record<number, string> = { 1: "Google", 2: "Google", 3: "Sectigo", 4: "DigiCert" };
    const findLog = logFinder({
      format: 2,
      source: { name: "test", sha256: "", expires: "2030-01-01T00:00:00.000Z" },
      logs: Object.entries(operators).map(([n, operator]) => testLog(Number(n), operator)),
    });
    // Unknown logs (9) outnumber every operator; first an unknown log leads and Sectigo precedes DigiCert, then the reverse.
    for (const logs of [
      [9, 3, 1, 9, 4, 2, 9, 3, 1, 4, 9],
      [4, 9, 1, 3, 9, 2, 4, 9, 3, 1, 9],
    ]) {
      const { scts, errors, byOperator } = describeEmbeddedScts(octetString(tlsList(...logs.map(sctFromLog))), findLog);
      expect(errors).toEqual([]);
      expect(scts.map((s) => s.log?.description ?? null)).toEqual(logs.map((n) => (operators[n] ? `${operators[n]} log ${n}` : null)));
      expect(byOperator).toEqual([
        { operator: "Google", count: 3 },
        { operator: "DigiCert", count: 2 },
        { operator: "Sectigo", count: 2 },
        { operator: null, count: 4 },
      ]);
    }
  });
});

describe("must-staple (TLS Feature, RFC 7633)", () => {
  const OID_TLS_FEATURE = "1.3.6.1.5.5.7.1.24";
  const features = (...ids: number[]) => Uint8Array.from([0x30, ids.length * 3, ...ids.flatMap((id) => [0x02, 0x01, id])]);

  test.each([
    ["status_request (5)", [new Extension(OID_TLS_FEATURE, false, features(5))], true],
    ["status_request_v2 (17) only", [new Extension(OID_TLS_FEATURE, false, features(17))], false],
    ["status_request among others", [new Extension(OID_TLS_FEATURE, false, features(17, 5))], true],
    ["no TLS Feature extension", [], false],
    ["a TLS Feature that is not a SEQUENCE", [new Extension(OID_TLS_FEATURE, false, Uint8Array.from([0x02, 0x01, 0x05]))], false],
  ])("%s", async (_, extensions, mustStaple) => {
    const root = await issue({ subject: "CN=Staple Test Root" });
    const leaf = await issue({ subject: "CN=staple.example", issuer: root, extensions });
    expect((await describeCertificate(leaf.der)).mustStaple).toBe(mustStaple);
  });

  test("openssl reads the generated must-staple certificate as status_request too", async () => {
    const root = await issue({ subject: "CN=Staple Test Root" });
    const leaf = await issue({ subject: "CN=staple.example", issuer: root, extensions: [new Extension(OID_TLS_FEATURE, false, features(5))] });
    const text = execFileSync("/usr/bin/openssl", ["x509", "-noout", "-ext", "tlsfeature"], { input: leaf.pem, encoding: "utf8" });
    expect(text).toMatch(/status_request/);
  });
});
