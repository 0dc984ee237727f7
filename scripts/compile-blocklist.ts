/**
 * Compiles the bundled blocklist index (data/blocklist.json, a CompiledIndex from src/blocklist.ts)
 * from the source copies in data/sources/ (see data/sources/SOURCES.md). Nothing else is read.
 *
 *   npm run blocklist                    # writes data/blocklist.json
 *   tsx scripts/compile-blocklist.ts --out <file>
 *
 * The output is reproducible byte for byte: no build time, everything sorted, and `version` derived
 * from the content. One entry per line so that a data update reads as a small diff.
 */
import { createHash, createPublicKey } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { INDEX_FORMAT, type CompiledEntry, type CompiledIndex, type CompiledSource } from "../src/blocklist";
import { readCertificate, type DerCertificate } from "../src/der";
import { intermediateSha256, onecrlEntry, readDump } from "./mozilla-records";
import { b64, dnString, fail, isObject, rdns, str } from "./record-fields";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCES = join(ROOT, "data", "sources");
const DEFAULT_OUT = join(ROOT, "data", "blocklist.json");

const CHROMIUM_COMMIT = "67961621892eceb9bc46c4b7409124fd28888908";
const CHROMIUM_README_URL = `https://github.com/chromium/chromium/blob/${CHROMIUM_COMMIT}/net/data/ssl/blocklist/README.md`;
/** The commit date of CHROMIUM_COMMIT is not known here; see data/sources/SOURCES.md for this choice. */
const CHROMIUM_SNAPSHOT = "2025-01-01";
/** Chromium names this one certificate by its SPKI SHA-256 instead of its DER SHA-256 (SOURCES.md). */
const CHROMIUM_NAMED_BY_SPKI = new Set(["3472e4f16c570e0dd388aaaa4a64a34a4b939f1ca770996b5be0037c1aded9c1"]);
/** Advisory 2718704 and the MSRC post announcing it are dated 2012-06-03. */
const FLAME_SNAPSHOT = "2012-06-03";
const FLAME_REFERENCE = "https://learn.microsoft.com/en-us/security-updates/securityadvisories/2012/2718704";
const FLAME_INCIDENT =
  "Flame malware (2012): Microsoft Enforced Licensing intermediate misused to sign Flame; moved to Windows' Untrusted store by Microsoft Security Advisory 2718704";
const MOZILLA_ORIGIN = "Firefox ESR 153.7.0 (hg.mozilla.org/releases/mozilla-esr153 @a9effd9e521653405f0ffd311e8edf90bde92237)";

/** An entry before names are indexed: issuer and subject are still base64 DER names. */
type DraftEntry = Omit<CompiledEntry, "issuerSerial" | "subjectSpki"> & {
  issuerSerial?: { issuer: string; serial: string };
  subjectSpki?: { subject: string; spkiSha256: string };
};

interface Compiled {
  source: CompiledSource;
  entries: DraftEntry[];
}

// ---------------------------------------------------------------------------------------------
// Reading sources

function sourcePath(rel: string): string {
  const path = join(SOURCES, rel);
  if (!existsSync(path)) fail(`missing source file data/sources/${rel} (see data/sources/SOURCES.md for where it comes from)`);
  return path;
}

function readJson(rel: string): unknown {
  const text = readFileSync(sourcePath(rel), "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`data/sources/${rel} is not valid JSON: ${(e as Error).message}`);
  }
}

function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function sha1(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Certificates and names

/** The single PEM block of `type` in a file, as DER. */
function readPem(rel: string, type: "CERTIFICATE" | "PUBLIC KEY"): Uint8Array {
  const text = readFileSync(sourcePath(rel), "utf8");
  const re = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`, "g");
  const blocks = [...text.matchAll(re)];
  if (blocks.length !== 1) fail(`data/sources/${rel}: expected exactly one ${type} PEM block, found ${blocks.length}`);
  return b64(blocks[0][1].replace(/\s+/g, ""), `data/sources/${rel}`);
}

/** Chromium hashes the SPKI bytes as they appear in the certificate, so they are not re-encoded. */
function certificateParts(der: Uint8Array, what: string): DerCertificate {
  try {
    return readCertificate(der);
  } catch (e) {
    fail(`${what}: not a DER certificate: ${(e as Error).message}`);
  }
}

/** The subject's most specific CN, else O, else the whole name. */
function subjectLabel(der: Uint8Array, what: string): string {
  const parts = rdns(der, what);
  for (const type of ["CN", "O"]) {
    const rdn = parts.find((r) => r[type]?.length);
    if (rdn) return rdn[type][0];
  }
  return dnString(der, what);
}

// ---------------------------------------------------------------------------------------------
// Flame

function compileFlame(): Compiled {
  const rel = "flame/flame-microsoft-intermediates.json";
  const json = readJson(rel);
  if (!isObject(json) || !Array.isArray(json.certificates)) fail(`data/sources/${rel}: expected {"certificates": [...]}`);
  // Match by SHA-1 only: the sources do not tie the two serial candidates to a thumbprint.
  const entries = json.certificates.map((c, i): DraftEntry => {
    const where = `data/sources/${rel} certificates[${i}]`;
    if (!isObject(c)) fail(`${where}: expected an object`);
    const thumbprint = str(c, "sha1_thumbprint", where);
    if (!/^[0-9a-f]{40}$/.test(thumbprint)) fail(`${where}: sha1_thumbprint must be 40 lowercase hex digits`);
    return {
      id: `flame:${thumbprint}`,
      source: "flame",
      label: str(c, "subject_cn", where),
      incident: FLAME_INCIDENT,
      reference: FLAME_REFERENCE,
      sha1: thumbprint,
    };
  });
  if (entries.length === 0) fail(`data/sources/${rel}: no certificates`);
  return {
    source: {
      id: "flame",
      name: "Flame: Microsoft intermediates distrusted by Security Advisory 2718704",
      snapshot: FLAME_SNAPSHOT,
      origin:
        "Microsoft Security Advisory 2718704; SHA-1 thumbprints from Greenbone NVT 1.3.6.1.4.1.25623.1.0.802634 (Clivebi/nvtscript 2012/gb_unauth_digital_cert_spoofing_vuln.sc @069735f859ac3db450fa1483227e17aa1b1331a0)",
      licence: "GPL-2.0",
      entries: entries.length,
    },
    entries,
  };
}

// ---------------------------------------------------------------------------------------------
// Chromium

interface ReadmeItem {
  /** The README's name for the file: the certificate's SHA-256 (or the SPKI's, for .key files). */
  hash: string;
  file: string;
  section: string;
  incident: string;
  reference: string;
}

/** The first sentence of a paragraph ("X.509v1 CA cert issued by E-GUVEN." from E-GUVEN's). */
function firstSentence(paragraph: string): string {
  return paragraph.match(/^.*?[.!?](?=\s|$)/)?.[0] ?? paragraph;
}

/**
 * Every listed file in the README, with its "### " section: incident = section name plus its first
 * explanatory sentence, reference = its "For details, see <url>" (or a paragraph that is only a URL).
 */
function parseChromiumReadme(text: string, rel: string): ReadmeItem[] {
  const items: ReadmeItem[] = [];
  const sections = text.split(/^(?=#{2,3} )/m).filter((s) => s.startsWith("### "));
  for (const block of sections) {
    const [heading, ...rest] = block.split("\n");
    const section = heading.slice(4).trim();
    const body = rest.join("\n");
    const paragraphs = body
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, " ").trim())
      .filter((p) => p !== "");
    const details = paragraphs.find((p) => p.startsWith("For details, see"))?.match(/<(https?:\/\/[^>\s]+)>/)?.[1];
    const bareUrl = paragraphs.find((p) => /^https?:\/\/\S+$/.test(p));
    const prose = paragraphs.find((p) => !p.startsWith("*") && !p.startsWith("For details") && !/^https?:\/\/\S+$/.test(p));
    const incident = prose ? `${section}: ${firstSentence(prose)}` : section;
    const reference = details ?? bareUrl ?? CHROMIUM_README_URL;

    // "* [<hash>(.pem|.key)?](<hash>.pem|.key)"; the link may wrap onto the next line (Sri Lanka).
    const bullets = body.match(/^\s*\*\s/gm)?.length ?? 0;
    const links = [...body.matchAll(/^\s*\*\s+\[([0-9a-f]{64})(?:\.(?:pem|key))?\]\s*\(([0-9a-f]{64})\.(pem|key)\)/gm)];
    if (links.length !== bullets)
      fail(`data/sources/${rel}: section "${section}" has ${bullets} list items but only ${links.length} parse as "* [<sha256>](<sha256>.pem|.key)"`);
    for (const [, text, hash, ext] of links) {
      if (text !== hash) fail(`data/sources/${rel}: section "${section}" links text ${text} to a different file ${hash}.${ext}`);
      items.push({ hash, file: `${hash}.${ext}`, section, incident, reference });
    }
  }
  const total = text.match(/^\s*\*\s+\[[0-9a-f]{64}/gm)?.length ?? 0;
  if (items.length !== total) fail(`data/sources/${rel}: ${total - items.length} listed files are outside a "### " section`);
  if (items.length === 0) fail(`data/sources/${rel}: no listed certificates or keys found`);
  return items;
}

function chromiumEntry(item: ReadmeItem, dir: string, files: Set<string>): DraftEntry {
  const base = { id: `chromium:${item.hash}`, source: "chromium" as const, incident: item.incident, reference: item.reference };
  const rel = `${dir}/${item.file}`;
  if (!files.has(item.file)) {
    // Not copied (SOURCES.md says why): the README name is the certificate's SHA-256, which still blocks.
    return { ...base, label: `certificate ${item.hash.slice(0, 16)}… (${item.section})`, sha256: item.hash };
  }
  if (item.file.endsWith(".key")) {
    const spki = readPem(rel, "PUBLIC KEY");
    try {
      createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    } catch (e) {
      fail(`data/sources/${rel}: not a valid SubjectPublicKeyInfo: ${(e as Error).message}`);
    }
    const spkiSha256 = sha256(spki);
    if (spkiSha256 !== item.hash) fail(`data/sources/${rel}: SPKI SHA-256 is ${spkiSha256}, not the file name`);
    return { ...base, label: `public key ${item.hash.slice(0, 16)}… (${item.section})`, spkiSha256 };
  }
  const der = readPem(rel, "CERTIFICATE");
  const parts = certificateParts(der, `data/sources/${rel}`);
  const entry = { ...base, label: subjectLabel(parts.subject, rel), sha256: sha256(der), sha1: sha1(der), spkiSha256: sha256(parts.spki) };
  const named = CHROMIUM_NAMED_BY_SPKI.has(item.hash) ? entry.spkiSha256 : entry.sha256;
  if (named !== item.hash) {
    fail(
      `data/sources/${rel}: file name is not its ${CHROMIUM_NAMED_BY_SPKI.has(item.hash) ? "SPKI" : "DER"} SHA-256 (DER ${entry.sha256}, SPKI ${entry.spkiSha256})`,
    );
  }
  return entry;
}

function compileChromium(): Compiled {
  const dir = "chromium-blocklist";
  const readme = `${dir}/README.md`;
  const items = parseChromiumReadme(readFileSync(sourcePath(readme), "utf8"), readme);
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.hash)) fail(`data/sources/${readme}: ${item.hash} is listed twice`);
    seen.add(item.hash);
  }
  const files = new Set(readdirSync(sourcePath(dir)).filter((f) => /\.(pem|key)$/.test(f)));
  const listed = new Set(items.map((i) => i.file));
  const unlisted = [...files].filter((f) => !listed.has(f));
  if (unlisted.length) fail(`data/sources/${dir}: files not listed in README.md: ${unlisted.sort().join(", ")}`);
  const entries = items.map((item) => chromiumEntry(item, dir, files));
  return {
    source: {
      id: "chromium",
      name: "Chromium certificate blocklist",
      snapshot: CHROMIUM_SNAPSHOT,
      origin: `chromium/chromium net/data/ssl/blocklist/ @${CHROMIUM_COMMIT}`,
      licence: "BSD-3-Clause",
      entries: entries.length,
    },
    entries,
  };
}

// ---------------------------------------------------------------------------------------------
// OneCRL

function compileOnecrl(): Compiled {
  const rel = "mozilla/onecrl.json";
  const { records, snapshot } = readDump(readJson(rel), `data/sources/${rel}`);
  const entries = records.map((r, i) => onecrlEntry(r, `data/sources/${rel} data[${i}]`));
  return {
    source: {
      id: "onecrl",
      name: "Mozilla OneCRL",
      snapshot,
      origin: `${MOZILLA_ORIGIN} services/settings/dumps/security-state/onecrl.json`,
      licence: "MPL-2.0",
      entries: entries.length,
    },
    entries,
  };
}

// ---------------------------------------------------------------------------------------------
// Known intermediates

function compileIntermediates(): { source: CompiledSource; known: CompiledIndex["knownIntermediates"] } {
  const rel = "mozilla/intermediates.json";
  const { records, snapshot } = readDump(readJson(rel), `data/sources/${rel}`);
  const sha256s = [...new Set(records.map((r, i) => intermediateSha256(r, `data/sources/${rel} data[${i}]`)))].sort();
  return {
    source: {
      id: "intermediates",
      name: "Mozilla preloaded intermediates (CCADB)",
      snapshot,
      origin: `${MOZILLA_ORIGIN} services/settings/dumps/security-state/intermediates.json`,
      licence: "MPL-2.0",
      entries: sha256s.length,
    },
    known: { snapshot, sha256: sha256s },
  };
}

// ---------------------------------------------------------------------------------------------
// Index

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts entries by id, numbers names by first use in that order, and fixes each entry's key order. */
function finishEntries(drafts: DraftEntry[]): { names: string[]; entries: CompiledEntry[] } {
  const sorted = [...drafts].sort((a, b) => byCodeUnits(a.id, b.id));
  for (let i = 1; i < sorted.length; i++) if (sorted[i].id === sorted[i - 1].id) fail(`duplicate entry id ${sorted[i].id}`);
  const names: string[] = [];
  const indexOf = new Map<string, number>();
  const nameIndex = (b64name: string): number => {
    if (!indexOf.has(b64name)) indexOf.set(b64name, names.push(b64name) - 1);
    return indexOf.get(b64name)!;
  };
  const entries = sorted.map((d): CompiledEntry => ({
    id: d.id,
    source: d.source,
    label: d.label,
    incident: d.incident,
    reference: d.reference,
    ...(d.enforced === false && { enforced: false as const }),
    ...(d.sha256 && { sha256: d.sha256 }),
    ...(d.sha1 && { sha1: d.sha1 }),
    ...(d.spkiSha256 && { spkiSha256: d.spkiSha256 }),
    ...(d.issuerSerial && { issuerSerial: { issuer: nameIndex(d.issuerSerial.issuer), serial: d.issuerSerial.serial } }),
    ...(d.subjectSpki && { subjectSpki: { subject: nameIndex(d.subjectSpki.subject), spkiSha256: d.subjectSpki.spkiSha256 } }),
  }));
  return { names, entries };
}

function compile(): CompiledIndex {
  const parts = [compileFlame(), compileChromium(), compileOnecrl()];
  const intermediates = compileIntermediates();
  const { names, entries } = finishEntries(parts.flatMap((p) => p.entries));
  const sources = [...parts.map((p) => p.source), intermediates.source];
  const content = { sources, names, entries, knownIntermediates: intermediates.known };
  const newest = sources
    .map((s) => s.snapshot)
    .sort(byCodeUnits)
    .at(-1)!;
  const version = `${INDEX_FORMAT}.${newest.replaceAll("-", "")}.${sha256(JSON.stringify(content)).slice(0, 12)}`;
  return { format: INDEX_FORMAT, version, ...content };
}

/** Valid JSON with one source, name, entry or hash per line, so that updates diff line by line. */
function serialize(index: CompiledIndex): string {
  const j = JSON.stringify;
  const list = (items: readonly unknown[]) => `[\n${items.map((x) => j(x)).join(",\n")}\n]`;
  const text =
    `{"format":${j(index.format)},"version":${j(index.version)},\n` +
    `"sources":${list(index.sources)},\n` +
    `"names":${list(index.names)},\n` +
    `"entries":${list(index.entries)},\n` +
    `"knownIntermediates":{"snapshot":${j(index.knownIntermediates.snapshot)},"sha256":${list(index.knownIntermediates.sha256)}}}\n`;
  if (j(JSON.parse(text)) !== j(index)) fail("internal error: the serialized index does not round-trip");
  return text;
}

function parseArgs(argv: string[]): { out: string } {
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) out = resolve(argv[++i]);
    else throw new Error(`usage: tsx scripts/compile-blocklist.ts [--out <file>] (unexpected ${JSON.stringify(argv[i])})`);
  }
  return { out };
}

function main(): void {
  try {
    const { out } = parseArgs(process.argv.slice(2));
    const index = compile();
    const text = serialize(index);
    writeFileSync(out, text);
    const counts = index.sources.map((s) => `${s.id} ${s.entries}`).join(", ");
    console.log(`${relative(process.cwd(), out) || out}: ${index.version}, ${Buffer.byteLength(text)} bytes (${counts})`);
  } catch (e) {
    console.error(`compile-blocklist: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

main();
