/**
 * The committed data/blocklist.json: reproducible from data/sources/, loadable by Blocklist, and
 * matching real certificates from the sources. Hashes are recomputed here with node:crypto and
 * @peculiar/x509, independently of the compiler's own DER walk.
 */
import "@abraham/reflection"; // @peculiar/x509 needs a Reflect polyfill before it loads
import { X509Certificate as PeculiarCertificate } from "@peculiar/x509";
import { spawnSync } from "node:child_process";
import { X509Certificate, createHash, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Blocklist, type BlocklistMatch, type CompiledIndex, type MatchInput } from "../../src/blocklist";

const ROOT = join(__dirname, "..", "..");
const SOURCES = join(ROOT, "data", "sources");
const CHROMIUM = join(SOURCES, "chromium-blocklist");
const INDEX_PATH = join(ROOT, "data", "blocklist.json");

const indexText = readFileSync(INDEX_PATH, "utf8");
const index = JSON.parse(indexText) as CompiledIndex;
const blocklist = Blocklist.fromIndex(index);

interface OnecrlRecord {
  id: string;
  enabled: boolean;
  issuerName?: string;
  serialNumber?: string;
  subject?: string;
  pubKeyHash?: string;
}
const onecrl = JSON.parse(readFileSync(join(SOURCES, "mozilla", "onecrl.json"), "utf8")) as { data: OnecrlRecord[] };
const intermediates = JSON.parse(readFileSync(join(SOURCES, "mozilla", "intermediates.json"), "utf8")) as { data: { derHash: string }[] };
const flame = JSON.parse(readFileSync(join(SOURCES, "flame", "flame-microsoft-intermediates.json"), "utf8")) as {
  certificates: { sha1_thumbprint: string }[];
};
const readme = readFileSync(join(CHROMIUM, "README.md"), "utf8");

/** README "### " section → the hashes its list links to. */
function readmeSections(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of readme.split(/^### /m).slice(1)) {
    const name = block.slice(0, block.indexOf("\n")).trim();
    out.set(
      name,
      [...block.matchAll(/\(([0-9a-f]{64})\.(?:pem|key)\)/g)].map((m) => m[1]),
    );
  }
  return out;
}

const hex = (data: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(data)).digest("hex");
const b64ToHex = (b64: string) => Buffer.from(b64, "base64").toString("hex");
const b64 = (data: ArrayBuffer) => Buffer.from(data).toString("base64");

/** What Firefox would hand us for a certificate file: fingerprints, SPKI hash, serial, DER names. */
function certInput(hash: string): MatchInput {
  const pem = readFileSync(join(CHROMIUM, `${hash}.pem`), "utf8");
  const node = new X509Certificate(pem);
  const peculiar = new PeculiarCertificate(pem);
  return {
    sha256: hex(node.raw),
    sha1: createHash("sha1").update(node.raw).digest("hex"),
    spkiSha256: hex(node.publicKey.export({ type: "spki", format: "der" })),
    serial: peculiar.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ""),
    issuer: b64(peculiar.issuerName.toArrayBuffer()),
    subject: b64(peculiar.subjectName.toArrayBuffer()),
  };
}

/** An input that matches nothing, to override one key at a time. */
const NOTHING: MatchInput = { sha256: "f".repeat(64), sha1: "f".repeat(40), spkiSha256: "f".repeat(64), serial: "7f7f7f7f" };

const ids = (matches: BlocklistMatch[]) => matches.map((m) => `${m.key} ${m.entry.id}`);

describe("data/blocklist.json", () => {
  test("the compiler reproduces the committed file byte for byte", () => {
    const dir = mkdtempSync(join(tmpdir(), "blocklist-"));
    try {
      const out = join(dir, "blocklist.json");
      const run = spawnSync("npx", ["tsx", "scripts/compile-blocklist.ts", "--out", out], { cwd: ROOT, encoding: "utf8" });
      expect(run.stderr.replace(/^npm warn.*\n/gm, "")).toBe("");
      expect(run.status).toBe(0);
      const rebuilt = readFileSync(out, "utf8");
      expect(rebuilt.length).toBe(indexText.length);
      expect(rebuilt === indexText).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("is one JSON document with one entry per line, ending with a newline", () => {
    expect(indexText.endsWith("}\n")).toBe(true);
    const entryLines = indexText.split("\n").filter((l) => l.startsWith('{"id":"') && l.includes('"source":"'));
    expect(entryLines).toHaveLength(index.entries.length);
    expect(index.entries.map((e) => e.id)).toEqual([...index.entries.map((e) => e.id)].sort());
    expect(index.version).toMatch(/^1\.\d{8}\.[0-9a-f]{12}$/);
  });

  test("loads into a Blocklist with every entry", () => {
    expect(blocklist.entries).toHaveLength(index.entries.length);
    expect(new Set(index.entries.map((e) => e.id)).size).toBe(index.entries.length);
  });

  test("counts per source equal the counts in `sources`", () => {
    const count = (id: string) => index.sources.find((s) => s.id === id)?.entries;
    for (const source of ["flame", "chromium", "onecrl"] as const) {
      expect(count(source)).toBe(index.entries.filter((e) => e.source === source).length);
    }
    expect(count("flame")).toBe(flame.certificates.length);
    expect(count("onecrl")).toBe(onecrl.data.length);
    expect(count("intermediates")).toBe(index.knownIntermediates.sha256.length);
  });

  describe("Chromium", () => {
    const sections = readmeSections();

    test("every hash the README names is an entry, matchable by that hash", () => {
      const named = [...sections.values()].flat();
      expect(named.length).toBeGreaterThan(90);
      for (const hash of named) {
        const entry = blocklist.entries.find((e) => e.id === `chromium:${hash}`);
        expect(entry).toBeDefined();
        expect([entry!.sha256, entry!.spkiSha256]).toContain(hash);
      }
      expect(index.entries.filter((e) => e.source === "chromium")).toHaveLength(new Set(named).size);
    });

    test("each present PEM carries its real SHA-256, SHA-1 and SPKI SHA-256", () => {
      const pems = readdirSync(CHROMIUM).filter((f) => f.endsWith(".pem"));
      expect(pems.length).toBeGreaterThan(80);
      for (const file of pems) {
        const hash = file.slice(0, 64);
        const c = certInput(hash);
        const entry = blocklist.entries.find((e) => e.id === `chromium:${hash}`)!;
        expect({ file, sha256: entry.sha256, sha1: entry.sha1, spkiSha256: entry.spkiSha256 }).toEqual({
          file,
          sha256: c.sha256,
          sha1: c.sha1,
          spkiSha256: c.spkiSha256,
        });
      }
    });

    test("the DigiNotar root matches by SHA-256, and by key (also as a re-issued certificate)", () => {
      const digiNotar = sections.get("DigiNotar")!;
      const roots = digiNotar.filter((h) => {
        const cert = new X509Certificate(readFileSync(join(CHROMIUM, `${h}.pem`)));
        return cert.subject.includes("CN=DigiNotar Root CA\n") && cert.subject === cert.issuer;
      });
      expect(roots).toHaveLength(1);
      const [root] = roots;
      const c = certInput(root);

      const bySha256 = blocklist.match({ ...NOTHING, sha256: c.sha256 });
      expect(ids(bySha256)).toEqual([`sha256 chromium:${root}`]);
      expect(bySha256[0].entry.incident).toMatch(/^DigiNotar/);
      expect(bySha256[0].entry.enforced).toBe(true);

      // A certificate never listed, but with the root's key: Chromium blocks it by SPKI, and so do we.
      const byKey = blocklist.match({ ...NOTHING, spkiSha256: c.spkiSha256 });
      expect(ids(byKey)).toContain(`spkiSha256 chromium:${root}`);
      expect(byKey.every((m) => m.entry.incident.startsWith("DigiNotar"))).toBe(true);
    });

    test("Superfish matches by SHA-256 and by key", () => {
      const [hash] = sections.get("Superfish")!;
      const c = certInput(hash);
      for (const input of [
        { ...NOTHING, sha256: c.sha256 },
        { ...NOTHING, spkiSha256: c.spkiSha256 },
      ]) {
        const matches = blocklist.match(input);
        expect(matches.map((m) => m.entry.id)).toEqual([`chromium:${hash}`]);
        expect(matches[0].entry.incident).toMatch(/^Superfish: /);
      }
    });

    test(".key entries block by SPKI only", () => {
      const [hash] = sections.get("Trustwave")!;
      const entry = blocklist.entries.find((e) => e.id === `chromium:${hash}`)!;
      const key = createPublicKey(readFileSync(join(CHROMIUM, `${hash}.key`), "utf8"));
      expect(hex(key.export({ type: "spki", format: "der" }))).toBe(hash);
      expect([entry.spkiSha256, entry.sha256, entry.sha1]).toEqual([hash, undefined, undefined]);
      expect(ids(blocklist.match({ ...NOTHING, spkiSha256: hash }))).toEqual([`spkiSha256 chromium:${hash}`]);
    });
  });

  test("a Flame thumbprint matches by SHA-1", () => {
    const sha1 = flame.certificates[0].sha1_thumbprint;
    const matches = blocklist.match({ ...NOTHING, sha1 });
    expect(ids(matches)).toEqual([`sha1 flame:${sha1}`]);
    expect(matches[0].entry.incident).toMatch(/Flame/);
    expect(matches[0].entry.enforced).toBe(true);
  });

  describe("OneCRL", () => {
    const serialHex = (b64serial: string) => b64ToHex(b64serial).replace(/^(00)+(?=.)/, "");

    test("an issuer+serial record matches its issuer and serial, and not another issuer", () => {
      // One whose DER serial has a leading 00 byte, so the stripping is exercised too.
      const r = onecrl.data.find((x) => x.enabled && x.issuerName && b64ToHex(x.serialNumber!).startsWith("00"))!;
      const other = onecrl.data.find((x) => x.issuerName && x.issuerName !== r.issuerName)!.issuerName;
      const serial = serialHex(r.serialNumber!);

      const hit = blocklist.match({ ...NOTHING, serial, issuer: r.issuerName });
      expect(ids(hit)).toContain(`issuerSerial onecrl:${r.id}`);
      expect(hit.find((m) => m.entry.id === `onecrl:${r.id}`)!.entry.enforced).toBe(true);
      expect(ids(blocklist.match({ ...NOTHING, serial, issuer: other }))).not.toContain(`issuerSerial onecrl:${r.id}`);
    });

    test("a real certificate matches its issuer+serial record (T-Systems / Fraunhofer)", () => {
      const c = certInput("f4a5984324de98bd979ef181a100cf940f2166173319a86a0d9d7c8fac3b0a8f");
      expect(ids(blocklist.match({ ...NOTHING, serial: c.serial, issuer: c.issuer }))).toEqual(["issuerSerial onecrl:ae8bec3c-3b92-822e-53f1-68394cbb1758"]);
    });

    test("a subject+pubKeyHash record matches its subject and key, and not another subject", () => {
      const r = onecrl.data.find((x) => x.subject && x.pubKeyHash)!;
      const spkiSha256 = b64ToHex(r.pubKeyHash!);
      expect(ids(blocklist.match({ ...NOTHING, spkiSha256, subject: r.subject }))).toContain(`subjectSpki onecrl:${r.id}`);
      const other = onecrl.data.find((x) => x.subject && x.subject !== r.subject)!.subject;
      expect(ids(blocklist.match({ ...NOTHING, spkiSha256, subject: other }))).not.toContain(`subjectSpki onecrl:${r.id}`);
    });

    test("every DigiNotar Root CA certificate matches Mozilla's subject+key record for it", () => {
      const variants = readmeSections()
        .get("DigiNotar")!
        .filter((h) => new X509Certificate(readFileSync(join(CHROMIUM, `${h}.pem`))).subject.includes("CN=DigiNotar Root CA\n"));
      expect(variants).toHaveLength(3); // the self-signed root and two Entrust cross-certificates
      for (const hash of variants) {
        expect(ids(blocklist.match(certInput(hash)))).toEqual(
          expect.arrayContaining([`sha256 chromium:${hash}`, "subjectSpki onecrl:ebb80027-85c8-4050-9811-0652c73e3b77"]),
        );
      }
    });

    test("disabled records load as not enforced, enabled ones as enforced", () => {
      const byId = new Map(blocklist.entries.map((e) => [e.id, e]));
      for (const r of onecrl.data) expect({ id: r.id, enforced: byId.get(`onecrl:${r.id}`)?.enforced }).toEqual({ id: r.id, enforced: r.enabled });
      expect(onecrl.data.filter((r) => !r.enabled)).toHaveLength(656);
      expect(index.entries.filter((e) => e.enforced === false)).toHaveLength(656);
    });
  });

  test("knownIntermediates holds every distinct derHash as sorted hex", () => {
    const expected = [...new Set(intermediates.data.map((r) => b64ToHex(r.derHash)))].sort();
    expect(expected.length).toBeGreaterThan(1000);
    expect(index.knownIntermediates.sha256).toEqual(expected);
    expect(index.knownIntermediates.sha256).toContain(b64ToHex(intermediates.data[0].derHash));
  });
});
