/**
 * scripts/feed.ts (npm run feed) as a publisher runs it: keys, signing, verifying, and a feed made
 * from newer Mozilla dumps whose entries block a certificate as the extension's analyzer would.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainAnalyzer } from "../../src/analyzer";
import { readCertificate } from "../../src/der";
import { hexToBytes } from "../../src/encoding";
import { parseFeedKey } from "../../src/feeds/keys";
import type { FeedKey } from "../../src/feeds/model";
import { verifyFeed } from "../../src/feeds/verify";
import { bundledIndex, makePki, securityInfo } from "./support/chains";

const root = join(__dirname, "..", "..");
const feed = (...args: string[]) =>
  spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "scripts", "feed.ts"), ...args], { cwd: root, encoding: "utf8" });

const SHA256_A = "9f2c6d1e0b7a4c3d8e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5";

let dir: string;
let otherDir: string;
const path = (name: string) => join(dir, name);
const publicKey = (file: string): FeedKey => {
  const parsed = parseFeedKey(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "feed-cli-"));
  otherDir = mkdtempSync(join(tmpdir(), "feed-cli-other-"));
  // The publisher's key for the signing tests, and another one for a wrong-key check.
  expect(feed("keygen", "--out-dir", dir, "--name", "corp").status).toBe(0);
  expect(feed("keygen", "--out-dir", otherDir, "--name", "other").status).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
});

test("keygen writes the private key (mode 0600), the public JWK and PEM, prints the policy entry without the private key, and never overwrites", () => {
  const first = feed("keygen", "--out-dir", dir, "--name", "fresh");
  expect(first.status).toBe(0);
  const privateJwk = JSON.parse(readFileSync(path("fresh.private.jwk.json"), "utf8"));
  expect(privateJwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", d: expect.any(String) });
  expect(statSync(path("fresh.private.jwk.json")).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(path("fresh.public.jwk.json"), "utf8"))).not.toHaveProperty("d");
  expect(readFileSync(path("fresh.public.pem"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
  expect(first.stdout).toMatch(/"feeds": \[/);
  expect(first.stdout).toContain(privateJwk.x);
  expect(first.stdout + first.stderr).not.toContain(privateJwk.d);
  expect(first.stdout).toMatch(/offline/);

  const again = feed("keygen", "--out-dir", dir, "--name", "fresh");
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/already exist/);
  expect(JSON.parse(readFileSync(path("fresh.private.jwk.json"), "utf8")).d).toBe(privateJwk.d);

  expect(feed("keygen", "--out-dir", dir, "--name", "ed", "--alg", "EdDSA").status).toBe(0);
  expect(JSON.parse(readFileSync(path("ed.public.jwk.json"), "utf8"))).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
  expect(feed("keygen", "--out-dir", dir, "--name", "rsa", "--alg", "RS256").status).toBe(64);
});

describe("with a signed document", () => {
  beforeAll(() => {
    writeFileSync(
      path("entries.json"),
      JSON.stringify({ label: "Example Corp", blocklist: [{ sha256: SHA256_A, label: "Old proxy CA" }], allowlist: [{ spkiSha256: SHA256_A }] }),
    );
    const signed = feed(
      "sign",
      path("entries.json"),
      "--key",
      path("corp.private.jwk.json"),
      "--sequence",
      "7",
      "--out",
      path("feed.jws"),
      "--issued-at",
      "2026-12-01T06:00:00Z",
      "--expires-in",
      "3650d",
    );
    expect(signed.stderr).toBe("");
    expect(signed.status).toBe(0);
  });

  test("sign → verify: the document verifies, in the CLI and with the extension's verifyFeed, with sequence and dates filled in", async () => {
    const verified = feed("verify", path("feed.jws"), "--key", path("corp.public.pem"));
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/Valid: "Example Corp" sequence 7 \(ES256\)/);
    expect(verified.stdout).toMatch(/1 blocklist, 1 allowlist, 0 known intermediates/);
    const result = await verifyFeed(readFileSync(path("feed.jws"), "utf8"), publicKey(path("corp.public.jwk.json")));
    expect(result).toMatchObject({
      ok: true,
      document: { label: "Example Corp", sequence: 7, issuedAt: "2026-12-01T06:00:00Z", expiresAt: "2036-11-28T06:00:00Z" },
    });
  });

  test("verify with another key: bad-signature, exit 1", () => {
    const other = feed("verify", path("feed.jws"), "--key", join(otherDir, "other.public.jwk.json"));
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/Refused \(bad-signature\)/);
  });

  test("--min-sequence above the document's: rollback, exit 1; at it: valid", () => {
    const old = feed("verify", path("feed.jws"), "--key", path("corp.public.pem"), "--min-sequence", "8");
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/Refused \(rollback\): sequence 7/);
    expect(feed("verify", path("feed.jws"), "--key", path("corp.public.pem"), "--min-sequence", "7").status).toBe(0);
  });
});

test("sign refuses a document with a bad entry, naming each; nothing is written", () => {
  writeFileSync(path("bad.json"), JSON.stringify({ blocklist: [{ sha256: SHA256_A }, { sha1: "nope" }], knownIntermediates: ["zz"] }));
  const result = feed("sign", path("bad.json"), "--key", path("corp.private.jwk.json"), "--sequence", "1", "--out", path("bad.jws"), "--label", "Corp");
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/blocklist\[1\]\.sha1: /);
  expect(result.stderr).toMatch(/knownIntermediates\[0\]: /);
  expect(result.stderr).toMatch(/nothing signed/);
  expect(existsSync(path("bad.jws"))).toBe(false);
});

test("sign refuses a public key, and bad usage exits 64", () => {
  writeFileSync(path("ok.json"), JSON.stringify({ label: "Corp", blocklist: [{ sha256: SHA256_A }] }));
  const withPublic = feed("sign", path("ok.json"), "--key", path("corp.public.jwk.json"), "--sequence", "1", "--out", path("x.jws"));
  expect(withPublic.status).toBe(1);
  expect(withPublic.stderr).toMatch(/public key \(no "d"\)/);
  const noSequence = feed("sign", path("ok.json"), "--key", path("corp.private.jwk.json"), "--out", path("x.jws"));
  expect(noSequence.status).toBe(64);
  expect(noSequence.stderr).toMatch(/--sequence is required/);
  expect(existsSync(path("x.jws"))).toBe(false);
});

describe("from-mozilla", () => {
  /** `feed from-mozilla` over the test's onecrl.json and intermediates.json, signed with the corporate key. */
  const fromMozilla = (sequence: string, out: string, ...more: string[]) =>
    feed(
      "from-mozilla",
      "--onecrl",
      path("onecrl.json"),
      "--intermediates",
      path("intermediates.json"),
      "--key",
      path("corp.private.jwk.json"),
      "--sequence",
      sequence,
      "--out",
      path(out),
      ...more,
    );

  const onecrl = JSON.parse(readFileSync(join(root, "data", "sources", "mozilla", "onecrl.json"), "utf8")) as {
    data: { enabled: boolean; issuerName?: string }[];
  };
  const intermediates = JSON.parse(readFileSync(join(root, "data", "sources", "mozilla", "intermediates.json"), "utf8")) as { data: { derHash: string }[] };
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  const details = (name: string) => ({ bug: "https://bugzilla.mozilla.org/show_bug.cgi?id=2099999", who: "", why: "Key compromise", name, created: "" });

  test("writes only what the bundled list lacks; the feed verifies and its entries block and know the new certificates", async () => {
    const pki = await makePki();
    const leaf = readCertificate(pki.leaf.der);
    const intermediate = readCertificate(pki.intermediate.der);
    const bundledRecord = onecrl.data.find((r) => r.enabled && r.issuerName)!;
    const record = { schema: 1, last_modified: 1800000000000 };
    writeFileSync(
      path("onecrl.json"),
      JSON.stringify({
        data: [
          bundledRecord,
          {
            ...record,
            id: "0a0b0c0d-0000-4000-8000-000000000001",
            details: details("Test leaf"),
            enabled: true,
            issuerName: b64(leaf.issuer),
            serialNumber: b64(hexToBytes(leaf.serial)),
          },
          {
            ...record,
            id: "0a0b0c0d-0000-4000-8000-000000000002",
            details: details("Test intermediate"),
            enabled: true,
            subject: b64(intermediate.subject),
            pubKeyHash: createHash("sha256").update(intermediate.spki).digest("base64"),
          },
          {
            ...record,
            id: "0a0b0c0d-0000-4000-8000-000000000003",
            details: details("Disabled"),
            enabled: false,
            issuerName: b64(leaf.issuer),
            serialNumber: "AQ==",
          },
        ],
        timestamp: 1800000000000,
      }),
    );
    writeFileSync(
      path("intermediates.json"),
      JSON.stringify({
        data: [intermediates.data[0], { ...record, id: "x", derHash: createHash("sha256").update(pki.intermediate.der).digest("base64") }],
        timestamp: 1800000000000,
      }),
    );

    const result = fromMozilla("1", "mozilla.jws");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/OneCRL: 2 blocklist entries written; left out 1 already in the bundled list, 1 disabled/);
    expect(result.stdout).toMatch(/Intermediates: 1 known intermediates written; left out 1 already in the bundled list/);

    const verified = await verifyFeed(readFileSync(path("mozilla.jws"), "utf8"), publicKey(path("corp.public.jwk.json")));
    if (!verified.ok) throw new Error(`${verified.kind}: ${verified.message}`);
    const { document } = verified;
    expect(verified.entryErrors).toEqual([]);
    expect(document.blocklist).toEqual([
      expect.objectContaining({
        issuerSerial: { issuer: b64(leaf.issuer), serial: leaf.serial },
        label: expect.stringMatching(/^serial [0-9a-f:]+ issued by .*CN=Test Intermediate/),
        reason: "Revoked by Mozilla (OneCRL): Test leaf; Key compromise",
        reference: details("").bug,
      }),
      expect.objectContaining({
        subjectSpki: { subject: b64(intermediate.subject), spkiSha256: createHash("sha256").update(intermediate.spki).digest("hex") },
      }),
    ]);
    expect(document.knownIntermediates).toEqual([createHash("sha256").update(pki.intermediate.der).digest("hex")]);

    // As the background hands a feed's lists to the analyzer: both certificates blocked; the intermediate known.
    const info = await securityInfo(pki, { builtInRoot: true });
    expect(new ChainAnalyzer(bundledIndex).analyze(info).level).not.toBe("blocked");
    const withFeed = new ChainAnalyzer(bundledIndex, { blocklist: document.blocklist }).analyze(info);
    expect(withFeed.level).toBe("blocked");
    expect(
      withFeed.findings
        .filter((f) => f.ruleId === "blocked-certificate")
        .map((f) => f.certIndex)
        .sort(),
    ).toEqual([0, 1]);
    const dynamic = (settings: { knownIntermediates?: string[] }) =>
      new ChainAnalyzer(bundledIndex, settings).analyze(info).findings.filter((f) => f.ruleId === "dynamic-intermediate");
    expect(dynamic({})).toHaveLength(1);
    expect(dynamic({ knownIntermediates: document.knownIntermediates })).toEqual([]);

    // --full: the bundled record and intermediate as well.
    const full = fromMozilla("2", "full.jws", "--full");
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/OneCRL: 3 blocklist entries written; left out 0 already in the bundled list, 1 disabled/);
    expect(full.stdout).toMatch(/Intermediates: 2 known intermediates written/);
  });

  test("a malformed record stops it with the file and record named", () => {
    writeFileSync(
      path("broken.json"),
      JSON.stringify({ data: [{ id: "0a0b", enabled: true, details: details("x"), issuerName: "not base64!", serialNumber: "AQ==" }], timestamp: 1 }),
    );
    const result = feed(
      "from-mozilla",
      "--onecrl",
      path("broken.json"),
      "--key",
      path("corp.private.jwk.json"),
      "--sequence",
      "1",
      "--out",
      path("broken.jws"),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${path("broken.json")} data[0] (id 0a0b)`);
    expect(existsSync(path("broken.jws"))).toBe(false);
  });
});
