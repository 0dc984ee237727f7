/**
 * The core from the command line: analyse a SecurityInfo (as Firefox's getSecurityInfo returns it,
 * or a captured event holding one under "si") or a PEM chain (leaf first), and print the verdict.
 *
 *   npm run analyze -- test/fixtures/captured-event-full.json
 *   npm run analyze -- chain.pem --built-in-root --allow <sha256|spki> --block <sha256|sha1|spki> --policy policies.json
 *   (64 hex digits count as a certificate SHA-256; a key's hash is written spki:<hex>, or in base64)
 *
 * Exit status: 0 ok, 1 notice, 2 warning, 3 blocked, 64 bad usage.
 */
import { readFileSync } from "node:fs";
import { ChainAnalyzer } from "../src/analyzer";
import { pemToDerList } from "../src/encoding";
import { exitStatus } from "../src/scan/exitStatus";
import type { SecurityInfo } from "../src/securityInfo";
import { securityInfoFromDer } from "../src/securityInfoFromDer";
import { LIST_OPTIONS, listsFromOptions, loadBundledIndex, parseCommandLine, runTool, UsageError } from "./common";

const USAGE = "npm run analyze -- <securityInfo.json | chain.pem> [--built-in-root] [--allow FINGERPRINT]... [--block FINGERPRINT]... [--policy policies.json]";

await runTool(USAGE, async () => {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), { ...LIST_OPTIONS, "built-in-root": { type: "boolean" } });
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError("no input file");
  if (extra.length) throw new UsageError(`one input file at a time, also got: ${extra.join(" ")}`);
  const { lists, warnings } = listsFromOptions(values);
  for (const warning of warnings) console.error(`warning: ${warning}`);

  const text = readFileSync(file, "utf8");
  let info: SecurityInfo;
  if (text.includes("-----BEGIN CERTIFICATE-----")) {
    info = await securityInfoFromDer(pemToDerList(text), { builtInRoot: values["built-in-root"] === true });
  } else {
    const json = JSON.parse(text);
    info = json.si ?? json;
  }
  const verdict = new ChainAnalyzer(loadBundledIndex(), lists).analyze(info);
  console.log(JSON.stringify(verdict, null, 2));
  return exitStatus([verdict.level]);
});
