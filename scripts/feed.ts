/**
 * Publishing a signed list feed (docs/feeds.md) from the command line: a thin adapter over
 * src/feeds/ (the same signing, parsing and verification the extension uses) and, for
 * from-mozilla, scripts/mozilla-records.ts (the same record readers as `npm run blocklist`).
 *
 *   npm run feed -- keygen [--alg ES256|ES384|EdDSA] [--out-dir DIR] [--name NAME]
 *   npm run feed -- sign <entries.json> --key <NAME.private.jwk.json> --sequence N --out <file>
 *   npm run feed -- verify <file> --key <NAME.public.jwk.json | NAME.public.pem> [--min-sequence N]
 *   npm run feed -- from-mozilla --onecrl <records.json> --intermediates <records.json> --key … --sequence N --out <file>
 *
 * Exit status: 0 done (verify: the document is valid), 1 refused (bad input, or a document the
 * extension would refuse), 64 bad usage. A private key is never printed, not even in an error.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CompiledIndex } from "../src/blocklist";
import { parseFeedKey } from "../src/feeds/keys";
import type { FeedAlgorithm, FeedDocument, FeedKey, FeedPayload } from "../src/feeds/model";
import { algorithmOfJwk, generateFeedKeys, signFeed } from "../src/feeds/sign";
import { parseFeedDocument, verifyFeed } from "../src/feeds/verify";
import { intermediateSha256, mozillaFeedLists, onecrlEntry, readDump } from "./mozilla-records";
import { isObject } from "./record-fields";

const ALGORITHMS: FeedAlgorithm[] = ["ES256", "ES384", "EdDSA"];
const ENTRY_FILE_KEYS = ["label", "blocklist", "allowlist", "knownIntermediates"];
const DEFAULT_EXPIRES_IN = "7d";
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

const USAGE = {
  keygen: `npm run feed -- keygen [--alg ES256|ES384|EdDSA] [--out-dir DIR] [--name NAME]
    Writes NAME.private.jwk.json (mode 0600: keep it offline), NAME.public.jwk.json and NAME.public.pem
    in DIR (default: the current directory; NAME default: feed; algorithm default: ES256), never over
    existing files, and prints the policy's feeds entry.`,
  sign: `npm run feed -- sign <entries.json> --key <NAME.private.jwk.json> --sequence N --out <file>
                       [--label L] [--expires-in 7d|48h|90m] [--issued-at ISO]
    entries.json: { "label"?, "blocklist"?, "allowlist"?, "knownIntermediates"? }. Sets sequence N
    (higher than the last published), issuedAt (default now) and expiresAt (default ${DEFAULT_EXPIRES_IN} later);
    refuses to sign if any entry would be ignored by browsers; writes the JWS to <file>.`,
  verify: `npm run feed -- verify <file> --key <public JWK or PEM file> [--min-sequence N]
    Verifies as the extension does and prints what the document holds. Exit 0 if it would be
    accepted, 1 (with the failure) if not; --min-sequence refuses a lower sequence (rollback).`,
  "from-mozilla": `npm run feed -- from-mozilla --onecrl <records.json> --intermediates <records.json>
                       --key <NAME.private.jwk.json> --sequence N --out <file>
                       [--label L] [--expires-in 7d|48h|90m] [--issued-at ISO] [--full]
    Newer Mozilla Remote-Settings dumps (security-state/onecrl and security-state/intermediates,
    the formats of data/sources/mozilla/) as a signed feed: enforced OneCRL records become blocklist
    entries, intermediates known intermediates; only what the bundled data/blocklist.json does not
    already have, unless --full. Either dump may be left out.`,
};
type Command = keyof typeof USAGE;

const HELP = `Signed list feeds for Chain Sentry (docs/feeds.md).

${Object.values(USAGE).join("\n\n")}

Exit status: 0 done (verify: valid), 1 refused (bad input, or a document browsers would refuse), 64 bad usage.`;

class UsageError extends Error {}

function usage(message: string): never {
  throw new UsageError(message);
}

function refuse(message: string): never {
  throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Arguments

type Options = NonNullable<ParseArgsConfig["options"]>;

const STRING = { type: "string" } as const;
const SIGNING_OPTIONS = { key: STRING, sequence: STRING, out: STRING, label: STRING, "expires-in": STRING, "issued-at": STRING } satisfies Options;
const OPTIONS = {
  keygen: { alg: STRING, "out-dir": STRING, name: STRING },
  sign: SIGNING_OPTIONS,
  verify: { key: STRING, "min-sequence": STRING },
  "from-mozilla": { ...SIGNING_OPTIONS, onecrl: STRING, intermediates: STRING, full: { type: "boolean" } },
} satisfies Record<Command, Options>;

function parse(command: Command, argv: string[], positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS[command] as Options, strict: true, allowPositionals: true });
  } catch (e) {
    usage((e as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    usage(
      positionals
        ? `${command} takes ${positionals} file, got ${parsed.positionals.length}`
        : `${command} takes no file argument (got ${parsed.positionals.join(" ")})`,
    );
  }
  return {
    values: parsed.values as Record<string, string | undefined>,
    flags: parsed.values as Record<string, boolean | undefined>,
    files: parsed.positionals,
  };
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value === "") usage(`--${option} is required`);
  return value;
}

function wholeNumber(text: string, option: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) usage(`--${option}: expected a whole number, 0 or more, got ${JSON.stringify(text)}`);
  return n;
}

/** "7d", "48h", "90m" → milliseconds. */
function duration(text: string): number {
  const match = /^(\d+)([dhm])$/.exec(text);
  if (!match || Number(match[1]) === 0) usage(`--expires-in: expected a duration such as 7d, 48h or 90m, got ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** ISO 8601 to the second, as the document carries it. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The sequence and dates `sign` and `from-mozilla` fill in. */
function documentFields(values: { sequence?: string; "expires-in"?: string; "issued-at"?: string }): Pick<FeedPayload, "sequence" | "issuedAt" | "expiresAt"> {
  const sequence = wholeNumber(required(values.sequence, "sequence"), "sequence");
  const issued = values["issued-at"] === undefined ? Date.now() : Date.parse(values["issued-at"]);
  if (!Number.isFinite(issued))
    usage(`--issued-at: expected an ISO 8601 date and time such as 2026-12-02T06:00:00Z, got ${JSON.stringify(values["issued-at"])}`);
  return { sequence, issuedAt: isoSeconds(issued), expiresAt: isoSeconds(issued + duration(values["expires-in"] ?? DEFAULT_EXPIRES_IN)) };
}

// ---------------------------------------------------------------------------------------------
// Files

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    refuse(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** `quote: false` for files that may hold a private key: the parser's message quotes the text. */
function parseJson(text: string, path: string, { quote = true } = {}): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    refuse(`${path}: not valid JSON${quote ? ` (${(e as Error).message})` : ""}`);
  }
}

function readJson(path: string): unknown {
  return parseJson(readText(path), path);
}

/** The private JWK keygen wrote; anything else is refused without showing what the file holds. */
function readPrivateKey(path: string): JsonWebKey {
  const text = readText(path);
  if (/PRIVATE KEY-----/.test(text)) refuse(`${path}: a PEM private key; sign with the private JWK that keygen writes (NAME.private.jwk.json)`);
  const jwk = parseJson(text, path, { quote: false });
  if (!isObject(jwk)) refuse(`${path}: expected a JWK object (NAME.private.jwk.json from keygen)`);
  if (typeof jwk.d !== "string") refuse(`${path}: a public key (no "d"): signing needs the private key, NAME.private.jwk.json from keygen`);
  try {
    algorithmOfJwk(jwk as JsonWebKey);
  } catch (e) {
    refuse(`${path}: ${(e as Error).message}`);
  }
  return jwk as JsonWebKey;
}

/** The public half of a private JWK, validated as a policy's publicKey would be. */
function publicKeyOf(privateJwk: JsonWebKey): FeedKey {
  const { kty, crv, x, y } = privateJwk;
  const key = parseFeedKey({ kty, crv, x, ...(y !== undefined && { y }) });
  if (!key.ok) refuse(`the private key's public half is not usable: ${key.error}`);
  return key.value;
}

/** A JWK (JSON) or SPKI PEM file, as the policy's publicKey takes them. */
function readPublicKey(path: string): FeedKey {
  const text = readText(path).trim();
  const key = parseFeedKey(text.startsWith("-----") ? text : parseJson(text, path, { quote: false }));
  if (!key.ok) refuse(`${path}: ${key.error}`);
  return key.value;
}

// ---------------------------------------------------------------------------------------------
// Commands

async function keygen(argv: string[]): Promise<void> {
  const { values } = parse("keygen", argv, 0);
  const alg = (values.alg ?? "ES256") as FeedAlgorithm;
  if (!ALGORITHMS.includes(alg)) usage(`--alg: expected ${ALGORITHMS.join(", ")}, got ${JSON.stringify(values.alg)}`);
  const name = values.name ?? "feed";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) usage(`--name: expected a file name of letters, digits, ".", "_" and "-", got ${JSON.stringify(name)}`);
  const dir = resolve(values["out-dir"] ?? ".");
  const files = { private: join(dir, `${name}.private.jwk.json`), publicJwk: join(dir, `${name}.public.jwk.json`), publicPem: join(dir, `${name}.public.pem`) };
  const existing = Object.values(files).filter((f) => existsSync(f));
  if (existing.length)
    refuse(`${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}: keygen never replaces a key (choose another --name or --out-dir)`);

  const keys = await generateFeedKeys(alg);
  mkdirSync(dir, { recursive: true });
  // "wx": a file that appeared meanwhile is not overwritten either.
  writeFileSync(files.private, `${JSON.stringify(keys.privateJwk, null, 2)}\n`, { flag: "wx", mode: 0o600 });
  writeFileSync(files.publicJwk, `${JSON.stringify(keys.publicJwk, null, 2)}\n`, { flag: "wx" });
  writeFileSync(files.publicPem, keys.publicPem.endsWith("\n") ? keys.publicPem : `${keys.publicPem}\n`, { flag: "wx" });

  const snippet = JSON.stringify({ feeds: [{ url: "https://lists.example.com/chain-sentry.jws", publicKey: keys.publicJwk }] }, null, 2);
  console.log(`New ${alg} feed key:
  ${files.private}  (private, mode 0600)
  ${files.publicJwk}
  ${files.publicPem}

The policy's entry (3rdparty → Extensions → chain-sentry@chainsentry.dev; set your feed's URL;
publicKey may also be the PEM as one string):
${snippet.slice(2, -2)}

Keep the private key offline: whoever holds ${files.private}
can sign lists for every browser that pins this key. Sign there, and publish only the signed files.`);
}

/**
 * Validates the payload with the extension's parser, signs it, verifies the result as a browser
 * would, and writes it: a publisher never ships a document that is refused, or whose entries are
 * silently dropped.
 */
async function signAndWrite(payload: FeedPayload, privateJwk: JsonWebKey, out: string): Promise<FeedDocument> {
  const parsed = parseFeedDocument(payload);
  if (!parsed.ok) refuse(parsed.message);
  if (parsed.entryErrors.length) {
    for (const error of parsed.entryErrors) console.error(`  ${error}`);
    refuse(`${parsed.entryErrors.length === 1 ? "this entry" : "these entries"} would be ignored by browsers: nothing signed`);
  }
  const jws = await signFeed(payload, privateJwk);
  const check = await verifyFeed(jws, publicKeyOf(privateJwk));
  if (!check.ok) refuse(`browsers would refuse the signed document (${check.kind}): ${check.message}; nothing written`);
  writeFileSync(out, jws);
  const { document } = check;
  console.log(`Signed "${document.label}" sequence ${document.sequence} (${algorithmOfJwk(privateJwk)}): ${counts(document)}
  issued ${document.issuedAt}, expires ${document.expiresAt}
Wrote ${out} (${jws.length.toLocaleString("en")} bytes). Publish it at the feed's URL as application/jose.`);
  return document;
}

function counts(document: FeedDocument): string {
  return `${document.blocklist.length} blocklist, ${document.allowlist.length} allowlist, ${document.knownIntermediates.length} known intermediates`;
}

async function sign(argv: string[]): Promise<void> {
  const { values, files } = parse("sign", argv, 1);
  const out = required(values.out, "out");
  const privateJwk = readPrivateKey(required(values.key, "key"));
  const fields = documentFields(values);
  const entries = readJson(files[0]);
  if (!isObject(entries)) refuse(`${files[0]}: expected an object { "label"?, "blocklist"?, "allowlist"?, "knownIntermediates"? }`);
  const unknown = Object.keys(entries).filter((k) => !ENTRY_FILE_KEYS.includes(k));
  if (unknown.length)
    refuse(
      `${files[0]}: unknown key ${unknown.map((k) => JSON.stringify(k)).join(", ")} (expected ${ENTRY_FILE_KEYS.join(", ")}; sequence and dates are options of sign)`,
    );
  const { label: fileLabel, ...lists } = entries;
  const label = values.label ?? fileLabel;
  if (label === undefined) usage(`no label: give --label or a "label" in ${files[0]}`);
  await signAndWrite({ label: label as string, ...fields, ...lists }, privateJwk, out);
}

async function verify(argv: string[]): Promise<boolean> {
  const { values, files } = parse("verify", argv, 1);
  const key = readPublicKey(required(values.key, "key"));
  const minSequence = values["min-sequence"] === undefined ? 0 : wholeNumber(values["min-sequence"], "min-sequence");
  const result = await verifyFeed(readText(files[0]), key);
  const refused = (kind: string, message: string) => (console.error(`Refused (${kind}): ${message}`), false);
  if (!result.ok) return refused(result.kind, result.message);
  const { document, entryErrors } = result;
  // The extension compares with the last document it accepted; a publisher names the lowest sequence it may accept.
  if (document.sequence < minSequence) return refused("rollback", `sequence ${document.sequence} is lower than --min-sequence ${minSequence}: an old document`);
  console.log(`Valid: "${document.label}" sequence ${document.sequence} (${key.alg})
  issued ${document.issuedAt}, expires ${document.expiresAt}
  ${counts(document)}`);
  if (entryErrors.length) console.log(`  ignored by browsers:\n${entryErrors.map((e) => `    ${e}`).join("\n")}`);
  return true;
}

/** A Remote-Settings dump's records through one reader; none when the option was not given. */
function readRecords<T>(path: string | undefined, read: (record: unknown, where: string) => T): { records: T[]; snapshot: string | null } {
  if (path === undefined) return { records: [], snapshot: null };
  const { records, snapshot } = readDump(readJson(path), path);
  return { records: records.map((r, i) => read(r, `${path} data[${i}]`)), snapshot };
}

async function fromMozilla(argv: string[]): Promise<void> {
  const { values, flags } = parse("from-mozilla", argv, 0);
  if (values.onecrl === undefined && values.intermediates === undefined) usage("give --onecrl, --intermediates, or both");
  const out = required(values.out, "out");
  const privateJwk = readPrivateKey(required(values.key, "key"));
  const fields = documentFields(values);
  const onecrl = readRecords(values.onecrl, onecrlEntry);
  const intermediates = readRecords(values.intermediates, intermediateSha256);
  const bundled = flags.full ? null : (JSON.parse(readFileSync(new URL("../data/blocklist.json", import.meta.url), "utf8")) as CompiledIndex);
  const lists = mozillaFeedLists(onecrl.records, intermediates.records, bundled);

  const dates = [onecrl.snapshot && `OneCRL ${onecrl.snapshot}`, intermediates.snapshot && `intermediates ${intermediates.snapshot}`]
    .filter(Boolean)
    .join(", ");
  const label = values.label ?? `Mozilla ${bundled ? `data newer than the bundled list ${bundled.version}` : "data"} (${dates})`;
  await signAndWrite({ label, ...fields, blocklist: lists.blocklist, knownIntermediates: lists.knownIntermediates }, privateJwk, out);
  const { skipped } = lists;
  console.log(`OneCRL: ${lists.blocklist.length} blocklist entries written; left out ${skipped.bundledEntries} already in the bundled list, ${skipped.disabled} disabled, ${skipped.duplicateEntries} repeated
Intermediates: ${lists.knownIntermediates.length} known intermediates written; left out ${skipped.bundledIntermediates} already in the bundled list`);
}

// ---------------------------------------------------------------------------------------------

const RUN: Record<Command, (argv: string[]) => Promise<boolean | void>> = { keygen, sign, verify, "from-mozilla": fromMozilla };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return command === undefined ? 64 : 0;
  }
  if (!(command in RUN)) {
    console.error(`feed: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
    return 64;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(USAGE[command as Command]);
    return 0;
  }
  try {
    return (await RUN[command as Command](rest)) === false ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`feed ${command}: ${e.message}\nusage: ${USAGE[command as Command]}`);
      return 64;
    }
    console.error(`feed ${command}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
