/**
 * What the workbench accepts, read into chains without trusting it: PEM text, DER files, a
 * SecurityInfo JSON (what `npm run analyze` reads: Firefox's object, or a captured event holding it
 * under "si"), or a tab analysis the chain view exported (popup/chain/exports.ts). Sizes are checked
 * before anything is parsed; what cannot be read is a message for the analyst, never an exception.
 */
import { base64ToBytes, pemToDerList } from "../../src/encoding";
import { errorMessage } from "../../src/errorMessage";
import { certificateTooLarge, MAX_CERTIFICATE_BYTES } from "../../src/protocol";
import type { SecurityInfo } from "../../src/securityInfo";
import type { AnalysisExport, ExportedChainRecord } from "../chain/exports";

/** Pasted text, or all files dropped at once. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** Per chain: Firefox builds at most 8; a pasted bundle may hold a few spare ones. */
export const MAX_INPUT_CERTIFICATES = 20;
/** Chains in one tab export (its page's and its subresources'). */
export const MAX_INPUT_CHAINS = 50;

/** One chain to analyse, with what the view says of where it came from. */
export interface InputChain {
  /** A tab export's record: its URL, origin and counts; for other input, the input's name. */
  url: string;
  origin: string;
  firstSeen: number | null;
  requests: number;
  blockedRequests: number;
  /** The page's own chain in a tab export (or the only chain). */
  isTop: boolean;
  /** Certificates to compute Firefox's values from (PEM, DER), or Firefox's values as given (JSON). */
  source: { kind: "der"; der: Uint8Array[] } | { kind: "info"; info: SecurityInfo };
}

export type InputKind = "pem" | "der" | "security-info" | "tab-export";
export type ReadResult = { ok: true; kind: InputKind; chains: InputChain[] } | { ok: false; error: string };

/** A named piece of input: pasted text, or one file's bytes. */
export interface InputPart {
  name: string;
  bytes: Uint8Array;
}

const PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
const fail = (error: string): ReadResult => ({ ok: false, error });

/** What the page says of input over MAX_INPUT_BYTES (files are refused by size before they are read). */
export const inputTooLarge = (bytes: number): string =>
  `The input is ${bytes.toLocaleString("en")} bytes, more than the ${MAX_INPUT_BYTES.toLocaleString("en")} bytes the workbench reads.`;

/** Thrown inside this module only, caught by readInput. */
class InputError extends Error {}

function oneChain(name: string, source: InputChain["source"]): InputChain {
  return { url: name, origin: name, firstSeen: null, requests: 0, blockedRequests: 0, isTop: true, source };
}

function checkCount(count: number, what: string): void {
  if (count === 0) throw new InputError(`${what} holds no certificate.`);
  if (count > MAX_INPUT_CERTIFICATES)
    throw new InputError(`${what} holds ${count} certificates; the workbench reads at most ${MAX_INPUT_CERTIFICATES} per chain.`);
}

function checkSize(bytes: number, what: string): void {
  if (bytes > MAX_CERTIFICATE_BYTES) throw new InputError(`${what}: ${certificateTooLarge(bytes)}`);
}

function readPem(text: string, name: string): InputChain {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  checkCount(blocks.length, name);
  let der: Uint8Array[];
  try {
    der = pemToDerList(text);
  } catch (error) {
    throw new InputError(`${name}: a PEM block is not valid base64 (${errorMessage(error)}).`);
  }
  der.forEach((d, i) => checkSize(d.length, `${name}, certificate ${i + 1}`));
  return oneChain(name, { kind: "der", der });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The certificates of a SecurityInfo as given, counted and with their bytes bounded. */
function checkSecurityInfo(info: Record<string, unknown>, what: string): SecurityInfo {
  const certificates = info.certificates;
  if (!Array.isArray(certificates)) throw new InputError(`${what} has no "certificates" list.`);
  checkCount(certificates.length, what);
  certificates.forEach((c, i) => {
    const raw = isObject(c) ? c.rawDER : undefined;
    if (raw !== undefined && !Array.isArray(raw)) throw new InputError(`${what}, certificate ${i + 1}: "rawDER" is not a list of bytes.`);
    if (raw) checkSize(raw.length, `${what}, certificate ${i + 1}`);
  });
  return info as unknown as SecurityInfo;
}

/** A record of a tab export as Firefox reported its chain: the exported values, with the bytes kept. */
function recordChain(record: unknown, isTop: boolean, at: string): InputChain {
  if (!isObject(record) || !isObject(record.verdict) || !Array.isArray(record.verdict.chain) || !Array.isArray(record.der)) {
    throw new InputError(`${at} is not a chain as Chain Sentry exports it.`);
  }
  const r = record as unknown as ExportedChainRecord;
  checkCount(r.verdict.chain.length, at);
  const certificates = r.verdict.chain.map((c, i) => {
    const b64 = r.der[i];
    if (typeof b64 === "string") checkSize(Math.floor((b64.length * 3) / 4), `${at}, certificate ${i + 1}`);
    let rawDER: number[] | undefined;
    try {
      rawDER = typeof b64 === "string" ? Array.from(base64ToBytes(b64)) : undefined;
    } catch {
      throw new InputError(`${at}, certificate ${i + 1}: its bytes are not valid base64.`);
    }
    return {
      subject: c.subject,
      issuer: c.issuer,
      validity: c.validity,
      fingerprint: { sha1: c.sha1, sha256: c.sha256 },
      serialNumber: c.serialNumber,
      isBuiltInRoot: c.isBuiltInRoot,
      subjectPublicKeyInfoDigest: { sha256: c.spkiSha256 },
      ...(rawDER && { rawDER }),
    };
  });
  const text = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
  const count = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : 0);
  return {
    url: text(r.url, at),
    origin: text(r.origin, at),
    firstSeen: Number.isFinite(r.firstSeen) ? r.firstSeen : null,
    requests: count(r.requests),
    blockedRequests: count(r.blockedRequests),
    isTop,
    source: { kind: "info", info: { ...(isObject(r.connection) ? r.connection : { state: "secure" }), certificates } as SecurityInfo },
  };
}

function readJson(text: string, name: string): ReadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${name} is not valid JSON: ${errorMessage(error)}`);
  }
  if (!isObject(json)) throw new InputError(`${name} is not a JSON object.`);
  // Chain Sentry's "Download analysis (JSON)": a tab's state, its page's chain first.
  if ("tabId" in json && Array.isArray(json.origins)) {
    const state = json as unknown as AnalysisExport;
    const others = state.origins.flatMap((o) => (isObject(o) && Array.isArray(o.chains) ? o.chains : []));
    const records = [...(state.top ? [state.top] : []), ...others];
    if (records.length === 0) throw new InputError(`${name} is a tab analysis without any chain.`);
    if (records.length > MAX_INPUT_CHAINS) throw new InputError(`${name} holds ${records.length} chains; the workbench reads at most ${MAX_INPUT_CHAINS}.`);
    return { ok: true, kind: "tab-export", chains: records.map((r, i) => recordChain(r, i === 0 && Boolean(state.top), `${name}, chain ${i + 1}`)) };
  }
  // What npm run analyze reads: Firefox's SecurityInfo, or a captured event holding it under "si".
  const info = isObject(json.si) ? json.si : json;
  if (!("certificates" in info)) {
    throw new InputError(`${name} is neither a SecurityInfo (as Firefox's getSecurityInfo returns it) nor an analysis exported by Chain Sentry.`);
  }
  return { ok: true, kind: "security-info", chains: [oneChain(name, { kind: "info", info: checkSecurityInfo(info, name) })] };
}

const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);

/**
 * Reads pasted text or dropped files (in the order given, leaf first). One JSON at a time; PEM and
 * DER files are read as one chain, in order.
 */
export function readInput(parts: readonly InputPart[]): ReadResult {
  const total = parts.reduce((n, p) => n + p.bytes.length, 0);
  if (total === 0) return fail("Paste a PEM chain or a JSON export, or drop certificate files.");
  if (total > MAX_INPUT_BYTES) return fail(inputTooLarge(total));
  try {
    const texts = parts.map((p) => ({ ...p, text: new TextDecoder().decode(p.bytes) }));
    const json = texts.filter((p) => p.text.trimStart().startsWith("{"));
    if (json.length > 0) {
      if (parts.length > 1) return fail("Give one JSON file at a time, without other files.");
      return readJson(json[0].text, json[0].name);
    }
    const der: Uint8Array[] = [];
    let pem = false;
    for (const part of texts) {
      if (part.text.includes(PEM_BEGIN)) {
        pem = true;
        const chain = readPem(part.text, part.name);
        if (chain.source.kind === "der") der.push(...chain.source.der);
      } else if (part.bytes[0] === 0x30) {
        checkSize(part.bytes.length, part.name);
        der.push(part.bytes);
      } else {
        return fail(
          `${part.name} is neither PEM ("${PEM_BEGIN}"), nor DER, nor JSON.${/^\s*[A-Za-z0-9+/]{40}/.test(latin1(part.bytes.slice(0, 64))) ? " Base64 without the PEM header lines is not read: add them." : ""}`,
        );
      }
    }
    const name = parts.length === 1 ? parts[0].name : `${parts.length} files`;
    checkCount(der.length, name);
    return { ok: true, kind: pem ? "pem" : "der", chains: [oneChain(name, { kind: "der", der })] };
  } catch (error) {
    if (error instanceof InputError) return fail(error.message);
    return fail(`The input could not be read: ${errorMessage(error)}`);
  }
}
