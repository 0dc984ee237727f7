/**
 * Scans hosts over TLS and judges each chain with the core, showing what Firefox cannot: which
 * certificates the server itself sent and which a client completed from its store.
 *
 *   npm run scan -- example.com github.com:443 https://[::1]:8443/ --json
 *   npm run scan -- --file hosts.txt --csv --policy /etc/firefox/policies/policies.json
 *
 * The probing is cli/tlsProbe.ts (why the sent certificates are read from the wire is explained
 * there); reports, formats and the exit status are src/scan/ (pure, unit-tested).
 */
import { readFileSync, statSync } from "node:fs";
import { ChainAnalyzer } from "../src/analyzer";
import { readEmbeddedScts } from "../src/certificateView";
import { derToPem, pemToDerList } from "../src/encoding";
import { scanExitStatus } from "../src/scan/exitStatus";
import { csvHeader, csvRow, jsonLine, summaryLine, tableBlock, tableHeader } from "../src/scan/format";
import { mapInOrder } from "../src/scan/inOrder";
import { failedHost, outcomeOf, scannedHost, type HostOutcome, type ScanReport } from "../src/scan/report";
import { MAX_HOSTS_FILE_BYTES, MAX_TARGET_LENGTH, parseTarget, targetsInText } from "../src/scan/targets";
import { firefoxCertificateFromDer, securityInfoFromDer } from "../src/securityInfoFromDer";
import { LIST_OPTIONS, listsFromOptions, loadBundledIndex, parseCommandLine, runTool, UsageError } from "./common";
import { probe, trustStore, type TrustStore } from "./tlsProbe";

const DEFAULT_TIMEOUT_SECONDS = 10;
const MAX_TIMEOUT_SECONDS = 600;
const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 256;

const USAGE = `npm run scan -- [host[:port] | https://host[:port]/path]... [--file hosts.txt] [options]
  --file FILE          targets, one per line; # starts a comment; blank lines are ignored
  --ca FILE            PEM certificates to trust besides Node's bundled roots (a test or enterprise
                       PKI; give its intermediates too for servers that omit them); repeatable
  --allow FINGERPRINT  allowlist a certificate (SHA-256) or key (SPKI SHA-256); repeatable
  --block FINGERPRINT  blocklist a certificate (SHA-256, SHA-1) or key (SPKI SHA-256); repeatable
                       64 hex digits count as a certificate SHA-256: write spki:<hex> for a key
  --policy FILE        a Firefox policies.json: Chain Sentry's managed blocklist and allowlist apply
                       (its other keys do not concern a scan); invalid parts are warned about
  --timeout SECONDS    per host, for DNS, connection and handshake (default ${DEFAULT_TIMEOUT_SECONDS})
  --concurrency N      hosts scanned at once (default ${DEFAULT_CONCURRENCY})
  --json               one JSON object per host per line (NDJSON)
  --csv                CSV: a header, then one row per host
Hosts are printed in input order; each carries its input index (from 0).
A chain is completed from the server's certificates and the store (Node's bundled roots, which are
Mozilla's, plus --ca); only a Node bundled root counts as built in.
Exit status: the worst verdict of all hosts: 0 ok, 1 notice, 2 warning, 3 blocked. A host that could
not be scanned (bad name, DNS, refused, handshake, timeout) counts as a warning: 2, unless a verdict
is worse. 64: bad usage.`;

const OPTIONS = {
  ...LIST_OPTIONS,
  file: { type: "string" },
  ca: { type: "string", multiple: true },
  timeout: { type: "string" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
  csv: { type: "boolean" },
  help: { type: "boolean" },
} as const;

function numberOption(name: string, raw: string | undefined, fallback: number, { min, max, integer }: { min: number; max: number; integer: boolean }): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} ${raw}: expected ${integer ? "a whole number" : "a number"} from ${min} to ${max}`);
  }
  return value;
}

function readHostsFile(path: string): string[] {
  try {
    const size = statSync(path).size;
    if (size > MAX_HOSTS_FILE_BYTES) throw new Error(`${size} bytes, more than the ${MAX_HOSTS_FILE_BYTES} a hosts file may have`);
    return targetsInText(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`--file ${path}: ${(error as Error).message}`);
  }
}

function readStore(caFiles: readonly string[]): TrustStore {
  const pems = caFiles.flatMap((path) => {
    let ders: Uint8Array[];
    try {
      ders = pemToDerList(readFileSync(path, "utf8"));
    } catch (error) {
      throw new UsageError(`--ca ${path}: ${(error as Error).message}`);
    }
    if (ders.length === 0) throw new UsageError(`--ca ${path}: no PEM certificate in it`);
    return ders.map((der) => derToPem(der));
  });
  try {
    return trustStore(pems);
  } catch (error) {
    throw new UsageError(`--ca: a certificate does not parse (${(error as Error).message})`);
  }
}

await runTool(USAGE, async () => {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.json && values.csv) throw new UsageError("--json and --csv: choose one");
  const timeoutMs = numberOption("timeout", values.timeout, DEFAULT_TIMEOUT_SECONDS, { min: 0.001, max: MAX_TIMEOUT_SECONDS, integer: false }) * 1000;
  const concurrency = numberOption("concurrency", values.concurrency, DEFAULT_CONCURRENCY, { min: 1, max: MAX_CONCURRENCY, integer: true });
  const inputs = [...positionals, ...(values.file === undefined ? [] : readHostsFile(values.file))];
  if (inputs.length === 0) throw new UsageError("no hosts to scan");
  const { lists, warnings } = listsFromOptions(values);
  const store = readStore(values.ca ?? []);
  for (const warning of warnings) console.error(`warning: ${warning}`);
  const analyzer = new ChainAnalyzer(loadBundledIndex(), lists);

  async function scan(input: string, index: number): Promise<ScanReport> {
    const parsed = parseTarget(input);
    if (!parsed.ok) return failedHost(index, input.slice(0, MAX_TARGET_LENGTH), null, parsed.error);
    const probed = await probe(parsed.target, store, timeoutMs);
    if ("code" in probed) return failedHost(index, input, parsed.target, probed);
    try {
      const [sent, info] = await Promise.all([
        Promise.all(probed.sent.map((der) => firefoxCertificateFromDer(der))),
        securityInfoFromDer(probed.chain, { builtInRoot: probed.endsAtBundledRoot }),
      ]);
      const { address, tls, verification } = probed;
      const leafScts = readEmbeddedScts(probed.sent[0]);
      return scannedHost(index, input, {
        target: parsed.target,
        address,
        tls,
        verification,
        store: store.description,
        sent,
        verdict: analyzer.analyze(info),
        leafScts,
      });
    } catch (error) {
      // The certificates passed OpenSSL but not the core's parser: a row, not a crash.
      return failedHost(index, input, parsed.target, { code: "EANALYSIS", message: `the chain could not be analysed: ${(error as Error).message}` });
    }
  }

  const write = (text: string) => process.stdout.write(text);
  const format = values.json ? jsonLine : values.csv ? csvRow : tableBlock;
  if (values.csv) write(csvHeader());
  if (!values.json && !values.csv) write(tableHeader(store.description));
  const outcomes: HostOutcome[] = [];
  await mapInOrder(inputs, concurrency, scan, (report) => {
    outcomes.push(outcomeOf(report));
    write(format(report));
  });
  if (!values.json && !values.csv) write(`${summaryLine(outcomes)}\n`);
  return scanExitStatus(outcomes);
});
