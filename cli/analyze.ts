/**
 * The core from the command line: analyse a SecurityInfo (as Firefox's getSecurityInfo returns it,
 * or a captured event holding one under "si") or a PEM chain (leaf first), and print the verdict.
 *
 *   npm run analyze -- test/fixtures/captured-event-full.json
 *   npm run analyze -- chain.pem --built-in-root --allow <sha256|spki> --block <sha256|sha1|spki>
 *
 * Exit status: 0 ok, 1 notice, 2 warning, 3 blocked, 64 bad usage.
 */
import { readFileSync } from "node:fs";
import { ChainAnalyzer } from "../src/analyzer";
import type { CompiledIndex } from "../src/blocklist";
import { pemToDerList } from "../src/encoding";
import { parseFingerprint } from "../src/fingerprint";
import type { SecurityInfo } from "../src/securityInfo";
import { securityInfoFromDer } from "../src/securityInfoFromDer";
import type { AllowlistEntry, CustomBlocklistEntry } from "../src/settings";
import { LEVEL_RANK } from "../src/verdict";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run analyze -- <securityInfo.json | chain.pem> [--built-in-root] [--allow FINGERPRINT]... [--block FINGERPRINT]...`);
  process.exit(64);
}

/** The first kind the fingerprint parses as. */
function entry<K extends "sha256" | "sha1" | "spkiSha256">(value: string, kinds: K[]): Record<K, string> {
  const errors: string[] = [];
  for (const kind of kinds) {
    const parsed = parseFingerprint(value, kind);
    if (parsed.ok) return { [kind]: parsed.value } as Record<K, string>;
    errors.push(parsed.error);
  }
  usage(`not a fingerprint: ${value} (${errors[0]})`);
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith("--") && !["--allow", "--block"].includes(args[i - 1]));
if (!file) usage("no input file");
const allowlist: AllowlistEntry[] = [];
const blocklist: CustomBlocklistEntry[] = [];
args.forEach((arg, i) => {
  if (arg === "--allow") allowlist.push({ ...entry(args[i + 1] ?? "", ["sha256", "spkiSha256"]), source: "user" });
  if (arg === "--block") blocklist.push({ ...entry(args[i + 1] ?? "", ["sha256", "sha1", "spkiSha256"]), source: "user" });
});

const text = readFileSync(file, "utf8");
let info: SecurityInfo;
if (text.includes("-----BEGIN CERTIFICATE-----")) {
  info = await securityInfoFromDer(pemToDerList(text), { builtInRoot: args.includes("--built-in-root") });
} else {
  const json = JSON.parse(text);
  info = json.si ?? json;
}

const index = JSON.parse(readFileSync(new URL("../data/blocklist.json", import.meta.url), "utf8")) as CompiledIndex;
const verdict = new ChainAnalyzer(index, { allowlist, blocklist }).analyze(info);
console.log(JSON.stringify(verdict, null, 2));
process.exit(LEVEL_RANK[verdict.level]);
