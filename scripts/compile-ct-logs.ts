/**
 * Compiles the CT log table the views name SCTs with (data/ct-logs.json, a CtLogList from
 * src/ct/logs.ts) from Google's list of all logs in data/sources/ct/ (see data/sources/SOURCES.md).
 * Nothing else is read.
 *
 *   npm run ct-logs                        # writes data/ct-logs.json
 *   tsx scripts/compile-ct-logs.ts --out <file>
 *
 * Reproducible byte for byte: sorted by log id, one log per line, no build time. Each log id is
 * checked against the SHA-256 of the log's key, so a corrupted copy cannot name SCTs wrongly.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CtLog, CtLogList, CtLogState } from "../src/ct/logs";
import { b64, fail, isObject, str } from "./record-fields";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(ROOT, "data", "sources", "ct", "all_logs_list.json");
const DEFAULT_OUT = join(ROOT, "data", "ct-logs.json");
const STATES: readonly CtLogState[] = ["pending", "qualified", "usable", "readonly", "retired", "rejected"];

function readState(log: Record<string, unknown>, where: string): Pick<CtLog, "state" | "since"> {
  if (log.state === undefined) return { state: null, since: null };
  if (!isObject(log.state)) fail(`${where}: "state" must be an object`);
  const keys = Object.keys(log.state);
  if (keys.length !== 1 || !STATES.includes(keys[0] as CtLogState)) fail(`${where}: "state" must hold one of ${STATES.join(", ")}; found ${keys.join(", ") || "none"}`);
  const state = keys[0] as CtLogState;
  const detail = log.state[state];
  if (!isObject(detail)) fail(`${where}: state "${state}" must be an object`);
  return { state, since: str(detail, "timestamp", `${where} state ${state}`) };
}

function readLog(log: unknown, operator: string, where: string): CtLog {
  if (!isObject(log)) fail(`${where}: not an object`);
  const id = str(log, "log_id", where);
  const key = b64(str(log, "key", where), `${where} key`);
  const keyHash = createHash("sha256").update(key).digest("base64");
  if (keyHash !== Buffer.from(b64(id, `${where} log_id`, 32)).toString("base64")) fail(`${where}: log_id ${id} is not the SHA-256 of its key (${keyHash})`);
  // RFC 6962 logs have "url"; static-ct-api (tiled) logs have "submission_url" instead.
  const url = typeof log.url === "string" ? log.url : str(log, "submission_url", where);
  return { id, description: str(log, "description", where), operator, url, ...readState(log, where) };
}

function compile(): CtLogList {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(SOURCE, "utf8"));
  } catch (e) {
    fail(`cannot read ${relative(ROOT, SOURCE)} (see data/sources/SOURCES.md): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(list) || !Array.isArray(list.operators)) fail(`${relative(ROOT, SOURCE)}: no "operators" array`);
  const logs: CtLog[] = [];
  list.operators.forEach((op: unknown, i: number) => {
    if (!isObject(op)) fail(`operators[${i}]: not an object`);
    const operator = str(op, "name", `operators[${i}]`);
    for (const kind of ["logs", "tiled_logs"] as const) {
      const entries = op[kind] ?? [];
      if (!Array.isArray(entries)) fail(`operator ${operator}: "${kind}" must be an array`);
      entries.forEach((log: unknown, j: number) => logs.push(readLog(log, operator, `operator ${operator} ${kind}[${j}]`)));
    }
  });
  logs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  logs.forEach((log, i) => i > 0 && logs[i - 1].id === log.id && fail(`log id ${log.id} appears twice`));
  const source = { name: "Google CT log list v3, all logs", version: str(list, "version", "the list"), timestamp: str(list, "log_list_timestamp", "the list") };
  return { format: 1, source, logs };
}

/** Valid JSON with one log per line, so that a list update reads as a small diff. */
function serialize(list: CtLogList): string {
  const j = JSON.stringify;
  const text = `{"format":${j(list.format)},"source":${j(list.source)},\n"logs":[\n${list.logs.map((l) => j(l)).join(",\n")}\n]}\n`;
  if (j(JSON.parse(text)) !== j(list)) fail("internal error: the serialized list does not round-trip");
  return text;
}

function parseArgs(argv: string[]): { out: string } {
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) out = resolve(argv[++i]);
    else throw new Error(`usage: tsx scripts/compile-ct-logs.ts [--out <file>] (unexpected ${JSON.stringify(argv[i])})`);
  }
  return { out };
}

function main(): void {
  try {
    const { out } = parseArgs(process.argv.slice(2));
    const list = compile();
    const text = serialize(list);
    writeFileSync(out, text);
    console.log(`${relative(process.cwd(), out) || out}: ${list.logs.length} logs from ${list.source.name} ${list.source.version}, ${Buffer.byteLength(text)} bytes`);
  } catch (e) {
    console.error(`compile-ct-logs: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

main();
