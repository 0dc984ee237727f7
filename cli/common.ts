/**
 * What the command-line tools (`npm run analyze`, `npm run scan`) share: argument parsing with
 * usage errors, the bundled blocklist, and the lists an analyst adds — `--allow`/`--block`
 * fingerprints and `--policy policies.json`, read exactly as the extension reads its managed
 * configuration (src/policy.ts's validatePolicy).
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import type { CompiledIndex } from "../src/blocklist";
import { parseFingerprint, type FingerprintKind } from "../src/fingerprint";
import { validatePolicy } from "../src/policy";
import { EXIT_USAGE } from "../src/scan/exitStatus";
import type { AllowlistEntry, AnalyzerLists, CustomBlocklistEntry } from "../src/settings";

/** Bad usage: printed with the tool's usage, exit status 64. */
export class UsageError extends Error {}

/** Runs a tool's main; a UsageError prints the usage and exits 64, anything else is a crash. */
export async function runTool(usage: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nusage: ${usage}`);
    process.exitCode = EXIT_USAGE;
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** The options both tools take for the lists. */
export const LIST_OPTIONS = {
  allow: { type: "string", multiple: true },
  block: { type: "string", multiple: true },
  policy: { type: "string" },
} as const satisfies Options;

/** node:util's parseArgs, strict, with its complaints as usage errors. */
export function parseCommandLine<const O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The prefixes the options page's list text uses: 64 hex digits alone could be a certificate or a key. */
const PREFIXED = /^(sha256|sha1|spki):(.*)$/i;
const PREFIX_KIND: Record<string, FingerprintKind> = { sha256: "sha256", sha1: "sha1", spki: "spkiSha256" };

/** A fingerprint as its prefix says (`spki:…`), else as the first of `kinds` it parses as. */
function fingerprintEntry<K extends FingerprintKind>(value: string, kinds: K[]): Record<K, string> {
  const prefixed = PREFIXED.exec(value.trim());
  if (prefixed) {
    const kind = PREFIX_KIND[prefixed[1].toLowerCase()] as K;
    if (!kinds.includes(kind)) throw new UsageError(`not usable here: ${value} (expected ${kinds.join(" or ")})`);
    kinds = [kind];
    value = prefixed[2];
  }
  const errors: string[] = [];
  for (const kind of kinds) {
    const parsed = parseFingerprint(value, kind);
    if (parsed.ok) return { [kind]: parsed.value } as Record<K, string>;
    errors.push(parsed.error);
  }
  throw new UsageError(`not a fingerprint: ${value} (${errors[0]})`);
}

const EXTENSION_ID: string = JSON.parse(readFileSync(new URL("../manifest.json", import.meta.url), "utf8")).browser_specific_settings.gecko.id;
/** policies.json files are small; a bigger file is a wrong path, not a policy. */
const MAX_POLICY_BYTES = 4 * 1024 * 1024;

/** The extension's managed configuration in a Firefox policies.json, or undefined with a warning. */
function managedConfiguration(path: string, warnings: string[]): unknown {
  let json: unknown;
  try {
    if (statSync(path).size > MAX_POLICY_BYTES) throw new Error(`larger than ${MAX_POLICY_BYTES} bytes`);
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`--policy ${path}: ${(error as Error).message}`);
  }
  const walk = (value: unknown, key: string) => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const entry = ["policies", "3rdparty", "Extensions", EXTENSION_ID].reduce(walk, json);
  if (entry === undefined) warnings.push(`--policy ${path}: no policies → 3rdparty → Extensions → ${EXTENSION_ID} entry, nothing applied`);
  return entry;
}

/**
 * The allowlist and blocklist from `--allow`, `--block` and `--policy`. The policy is validated key
 * by key as the extension does: its errors come back as warnings and its valid parts apply.
 */
export function listsFromOptions(values: { allow?: string[]; block?: string[]; policy?: string }): { lists: AnalyzerLists; warnings: string[] } {
  const warnings: string[] = [];
  const allowlist: AllowlistEntry[] = (values.allow ?? []).map((v) => ({ ...fingerprintEntry(v, ["sha256", "spkiSha256"]), source: "user" }));
  const blocklist: CustomBlocklistEntry[] = (values.block ?? []).map((v) => ({ ...fingerprintEntry(v, ["sha256", "sha1", "spkiSha256"]), source: "user" }));
  if (values.policy !== undefined) {
    const policy = validatePolicy(managedConfiguration(values.policy, warnings));
    warnings.push(...policy.errors.map((e) => `--policy ${values.policy}: ${e}`));
    allowlist.push(...(policy.values.allowlist ?? []));
    blocklist.push(...(policy.values.blocklist ?? []));
  }
  return { lists: { allowlist, blocklist }, warnings };
}

export function loadBundledIndex(): CompiledIndex {
  return JSON.parse(readFileSync(new URL("../data/blocklist.json", import.meta.url), "utf8")) as CompiledIndex;
}
