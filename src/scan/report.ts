/**
 * One host's scan result, as `npm run scan` prints it: what the server sent, what the store
 * completed, what the core found. Built from facts the Node adapter gathered (cli/tlsProbe.ts)
 * and the verdict of the completed chain; nothing here does I/O.
 */
import type { EmbeddedScts } from "../ct/embedded";
import { colonHexToHex } from "../encoding";
import type { FirefoxCertificate } from "../securityInfo";
import type { CertificateRole, Level, Severity, Verdict } from "../verdict";
import type { ScanError, ScanTarget } from "./targets";

export interface TlsSummary {
  /** "TLSv1.3" */
  version: string;
  /** IANA name, e.g. "TLS_AES_256_GCM_SHA384". */
  cipher: string;
  /** The negotiated ALPN protocol ("h2", "http/1.1"), or null when the server chose none. */
  alpn: string | null;
}

/** Whether the client store (OpenSSL through Node) verified the chain and the host name. */
export interface Verification {
  ok: boolean;
  /** OpenSSL's code, e.g. "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" or "ERR_TLS_CERT_ALTNAME_INVALID"; null when ok. */
  error: string | null;
}

/** What the adapter found for a host it reached. */
export interface ProbeFacts {
  target: ScanTarget;
  /** The IP address connected to. */
  address: string;
  tls: TlsSummary;
  /** Which store completed and verified the chain, in words. */
  store: string;
  verification: Verification;
  /** The server's own certificates, in the order it sent them. */
  sent: FirefoxCertificate[];
  /** The verdict of the completed chain (leaf first), the chain a client built from `sent` and the store. */
  verdict: Verdict;
  /** The leaf's embedded SCTs; null when it has no SCT extension. */
  leafScts: EmbeddedScts | null;
}

export interface SentCertificate {
  /** Position in the server's Certificate message (0 = first, normally the leaf). */
  position: number;
  subject: string;
  /** Lowercase hex, the form --block and --allow take. */
  sha256: string;
  /** False for a certificate the server sent that is not part of the completed chain (an extra). */
  inChain: boolean;
}

export interface ChainEntry {
  index: number;
  role: CertificateRole;
  subject: string;
  sha256: string;
  /** "sent": by the server; "store": completed from the client's store (the server omitted it). */
  source: "sent" | "store";
  /** Where the server sent it; null when it came from the store. */
  sentPosition: number | null;
  /** In the known-intermediates set (the bundled snapshot of Mozilla's preloaded intermediates). */
  known: boolean;
  isBuiltInRoot: boolean;
}

/** One of the leaf's embedded SCTs: which log (named from the bundled CT log list) and when. */
export interface ReportedSct {
  /** The log's name, or null for a log not in the bundled list. */
  log: string | null;
  operator: string | null;
  /** Base64, as the SCT carries it. */
  logId: string;
  /** Milliseconds since the epoch, and the same as ISO 8601. */
  timestamp: number;
  time: string;
}

export interface ReportedFinding {
  ruleId: string;
  severity: Severity;
  title: string;
  /** Index in `chain`, or null for the whole chain. */
  certIndex: number | null;
}

interface HostRow {
  /** Position in the input, from 0: output is in input order, and this says so. */
  index: number;
  /** The target as given. */
  input: string;
  /** Null when the input did not parse. */
  host: string | null;
  port: number | null;
}

export interface ScannedHost extends HostRow {
  status: "scanned";
  address: string;
  tls: TlsSummary;
  store: string;
  verification: Verification;
  level: Level;
  sent: SentCertificate[];
  chain: ChainEntry[];
  /** SHA-256 of the chain's certificates the server did not send: the store completed them. */
  omitted: string[];
  /** SHA-256 of the chain's intermediates not in the known-intermediates set. */
  unknownIntermediates: string[];
  findings: ReportedFinding[];
  /** The leaf's embedded SCTs, with what could not be decoded; null when the leaf has no SCT extension. */
  scts: { entries: ReportedSct[]; errors: string[] } | null;
  blocklistVersion: string;
}

export interface FailedHost extends HostRow {
  status: "failed";
  error: ScanError;
}

export type ScanReport = ScannedHost | FailedHost;

export function scannedHost(index: number, input: string, facts: ProbeFacts): ScannedHost {
  const { verdict } = facts;
  const sentPositions = new Map<string, number>();
  // A server may send a certificate twice: the first position is where a client finds it.
  facts.sent.forEach((c, position) => {
    const sha256 = colonHexToHex(c.fingerprint.sha256);
    if (!sentPositions.has(sha256)) sentPositions.set(sha256, position);
  });
  const chain: ChainEntry[] = verdict.chain.map((c) => {
    const sha256 = colonHexToHex(c.sha256);
    const sentPosition = sentPositions.get(sha256) ?? null;
    return {
      index: c.index,
      role: c.role,
      subject: c.subject,
      sha256,
      source: sentPosition === null ? "store" : "sent",
      sentPosition,
      known: c.known,
      isBuiltInRoot: c.isBuiltInRoot,
    };
  });
  const inChain = new Set(chain.map((c) => c.sha256));
  return {
    index,
    input,
    host: facts.target.host,
    port: facts.target.port,
    status: "scanned",
    address: facts.address,
    tls: facts.tls,
    store: facts.store,
    verification: facts.verification,
    level: verdict.level,
    sent: facts.sent.map((c, position) => ({
      position,
      subject: c.subject,
      sha256: colonHexToHex(c.fingerprint.sha256),
      inChain: inChain.has(colonHexToHex(c.fingerprint.sha256)),
    })),
    chain,
    omitted: chain.filter((c) => c.source === "store").map((c) => c.sha256),
    unknownIntermediates: chain.filter((c) => c.role === "intermediate" && !c.known).map((c) => c.sha256),
    findings: verdict.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, title: f.title, certIndex: f.certIndex })),
    scts: facts.leafScts && {
      entries: facts.leafScts.scts.map((sct) => ({
        log: sct.log?.description ?? null,
        operator: sct.log?.operator ?? null,
        logId: sct.logId.base64,
        timestamp: sct.timestamp,
        time: sct.time,
      })),
      errors: facts.leafScts.errors,
    },
    blocklistVersion: verdict.blocklistVersion,
  };
}

/** What a host counts as in the summary and the exit status. */
export type HostOutcome = Level | "failed";

export const outcomeOf = (report: ScanReport): HostOutcome => (report.status === "failed" ? "failed" : report.level);

export function failedHost(index: number, input: string, target: ScanTarget | null, error: ScanError): FailedHost {
  return { index, input, host: target?.host ?? null, port: target?.port ?? null, status: "failed", error };
}
