/**
 * The options page's list textareas: what people paste, turned into list entries, with one
 * precise error per bad line. Accepted, one entry per line:
 *
 *   # a comment; blank lines are skipped too
 *   5a1b…64 hex…                      → certificate SHA-256
 *   2a83e902…40 hex…                  → certificate SHA-1 (blocklist only)
 *   Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=   → SPKI SHA-256 (base64)
 *   sha256:AB:CD:… / sha1:… / spki:…  → the same, explicitly (spki: also takes 64 hex digits)
 *   sha256:… # Corp Root CA           → anything after the first " #" is the label
 *   -----BEGIN CERTIFICATE----- …     → the certificate's SHA-256, labelled with its subject CN
 *   issuer-serial:<base64 DER issuer> <hex serial>       (blocklist only; what formatListText
 *   subject-spki:<base64 DER subject> <SPKI SHA-256>      writes for imported OneCRL records)
 *
 * Or the whole text is one JSON value in OneCRL format ({"data": [...]} or a bare array of
 * records): issuerName + serialNumber and subject + pubKeyHash records become blocklist entries.
 * Records disabled in OneCRL ("enabled": false) are skipped with a note: Mozilla does not enforce them.
 */
import "@abraham/reflection"; // @peculiar/x509 needs a Reflect metadata polyfill at import time
import * as x509 from "@peculiar/x509";
import { base64ToBytes, bytesToHex, normalizeSerialHex } from "./encoding";
import { errorMessage } from "./errorMessage";
import { parseFingerprint, type FingerprintKind } from "./fingerprint";
import {
  checkDerName,
  checkSerial,
  ENTRY_FIELDS,
  entryIdentity,
  type AllowlistEntry,
  type CustomBlocklistEntry,
  type ListKind,
  type ListSource,
  type NameField,
} from "./settings/entries";
import { formatPath, isRecord, issueAt, type SettingsIssue, type TextLocation } from "./settings/issues";

export interface ParsedListText<T> {
  entries: T[];
  /** Each at its line (and OneCRL record): `[{ line: 3 }]`. Non-empty: save nothing. */
  issues: SettingsIssue[];
  /** Things skipped on purpose that are not errors (disabled OneCRL records, duplicates). */
  notes: string[];
}

type Entry = CustomBlocklistEntry | AllowlistEntry;

const PREFIXES: Record<string, FingerprintKind> = { sha256: "sha256", sha1: "sha1", spki: "spkiSha256", spkisha256: "spkiSha256" };
const NAME_PREFIXES: Record<string, NameField> = { "issuer-serial": "issuerSerial", "subject-spki": "subjectSpki" };

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;
const PEM_END = /-----END ([A-Z0-9 ]+)-----/;
const CERT_TYPES = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);

/**
 * @example await parseListText("sha1:2A:83:E9:02:05:91:A5:5F:C6:DD:AD:3F:B1:02:79:4C:52:B2:4E:70 # Flame", "blocklist", "user")
 *          // → { entries: [{ sha1: "2a83e9020591a55fc6ddad3fb102794c52b24e70", label: "Flame", source: "user" }], issues: [], notes: [] }
 */
export async function parseListText(text: string, kind: "blocklist", source: ListSource): Promise<ParsedListText<CustomBlocklistEntry>>;
export async function parseListText(text: string, kind: "allowlist", source: ListSource): Promise<ParsedListText<AllowlistEntry>>;
export async function parseListText(text: string, kind: ListKind, source: ListSource): Promise<ParsedListText<Entry>>;
export async function parseListText(text: string, kind: ListKind, source: ListSource): Promise<ParsedListText<Entry>> {
  const out: ParsedListText<Entry> = { entries: [], issues: [], notes: [] };
  if (typeof text !== "string") {
    out.issues.push(issueAt([], `expected text, got ${text === null ? "null" : typeof text}`));
    return out;
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    parseOnecrlJson(text, kind, source, out);
    return dedupe(out);
  }

  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;

    const begin = PEM_BEGIN.exec(line);
    if (begin) {
      // Collect the block up to its END marker (possibly on the same line).
      let body = line.slice(begin.index + begin[0].length);
      let end = PEM_END.exec(body);
      let j = i;
      while (!end && j + 1 < lines.length) {
        j++;
        body += "\n" + lines[j];
        end = PEM_END.exec(body);
      }
      if (!end) {
        out.issues.push(issueAt([{ line: lineNo }], `the "-----BEGIN ${begin[1]}-----" block has no "-----END ${begin[1]}-----" line`));
        break;
      }
      i = j;
      if (!CERT_TYPES.has(begin[1])) {
        out.issues.push(issueAt([{ line: lineNo }], `expected a PEM certificate ("-----BEGIN CERTIFICATE-----"), got a "${begin[1]}" block`));
        continue;
      }
      const entry = await certificateEntry(body.slice(0, end.index), source);
      if (typeof entry === "string") out.issues.push(issueAt([{ line: lineNo }], entry));
      else out.entries.push(entry);
      continue;
    }
    if (PEM_END.test(line)) {
      out.issues.push(issueAt([{ line: lineNo }], `"${line}" without its "-----BEGIN" line`));
      continue;
    }

    const cut = line.indexOf(" #");
    const value = (cut >= 0 ? line.slice(0, cut) : line).trim();
    const label = cut >= 0 ? line.slice(cut + 2).trim() : "";
    const result = parseValue(value, kind);
    if (!result.ok) {
      out.issues.push(issueAt([{ line: lineNo }], `${result.error}`));
      continue;
    }
    out.entries.push({ ...result.entry, ...(label && { label }), source } as Entry);
  }
  return dedupe(out);
}

// ---------------------------------------------------------------------------------------------

type ValueResult = { ok: true; entry: Omit<CustomBlocklistEntry, "source"> } | { ok: false; error: string };

const NOT_IN_ALLOWLIST = "the allowlist takes only a certificate SHA-256 or an SPKI SHA-256";

function parseValue(value: string, kind: ListKind): ValueResult {
  const prefixed = /^([A-Za-z0-9-]+)\s*:\s*(.*)$/.exec(value);
  const prefix = prefixed?.[1].toLowerCase();
  if (prefixed && prefix && prefix in PREFIXES) {
    const key = PREFIXES[prefix];
    if (!ENTRY_FIELDS[kind].fingerprints.includes(key))
      return { ok: false, error: `${prefix}: SHA-1 fingerprints are accepted only in the blocklist; ${NOT_IN_ALLOWLIST}` };
    const parsed = parseFingerprint(prefixed[2], key);
    return parsed.ok ? { ok: true, entry: { [key]: parsed.value } } : { ok: false, error: `${prefix}: ${parsed.error}` };
  }
  if (prefixed && prefix && prefix in NAME_PREFIXES) {
    if (!ENTRY_FIELDS[kind].names.includes(NAME_PREFIXES[prefix]))
      return { ok: false, error: `${prefix}: name-based entries are accepted only in the blocklist; ${NOT_IN_ALLOWLIST}` };
    return parseNameEntry(prefix, NAME_PREFIXES[prefix], prefixed[2]);
  }

  if (prefixed && prefix && /[g-z]/.test(prefix)) {
    const known = kind === "blocklist" ? "sha256:, sha1:, spki:, issuer-serial: or subject-spki:" : "sha256: or spki:";
    return { ok: false, error: `unknown prefix "${prefixed[1]}:" (expected ${known})` };
  }

  // A bare value: its length and alphabet tell which kind it is.
  const hex = value.replace(/[\s:-]/g, "");
  if (/^[0-9a-fA-F]+$/.test(hex)) {
    if (hex.length === 64) return { ok: true, entry: { sha256: hex.toLowerCase() } };
    if (hex.length === 40) {
      return kind === "blocklist"
        ? { ok: true, entry: { sha1: hex.toLowerCase() } }
        : { ok: false, error: `a 40-digit SHA-1 fingerprint is accepted only in the blocklist; ${NOT_IN_ALLOWLIST}` };
    }
  }
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) {
    const parsed = parseFingerprint(value, "spkiSha256");
    if (parsed.ok) return { ok: true, entry: { spkiSha256: parsed.value } };
  }
  const sha256 = parseFingerprint(value, "sha256");
  const other =
    kind === "blocklist" ? "a SHA-1 fingerprint (40 hex digits), an SPKI SHA-256 in base64 (44 characters)" : "an SPKI SHA-256 in base64 (44 characters)";
  const error = sha256.ok ? "" : sha256.error;
  return {
    ok: false,
    error: `${error}; or ${other}, a value prefixed with ${kind === "blocklist" ? "sha256:, sha1: or spki:" : "sha256: or spki:"}, or a PEM certificate`,
  };
}

/** `issuer-serial:<issuer> <serial>` or `subject-spki:<subject> <SPKI SHA-256>`: each part checked as a policy's would be. */
function parseNameEntry(prefix: string, field: NameField, rest: string): ValueResult {
  const [name, key, ...extra] = rest.trim().split(/\s+/);
  const what =
    field === "issuerSerial"
      ? "the issuer's DER name in base64, a space, and the serial number in hex"
      : "the subject's DER name in base64, a space, and the SPKI SHA-256";
  if (!name || !key || extra.length) return { ok: false, error: `${prefix}: expected ${what}, got "${rest.trim()}"` };
  const [nameKey, otherKey] = field === "issuerSerial" ? ["issuer", "serial"] : ["subject", "spkiSha256"];
  const checkedName = checkDerName(name);
  if (!checkedName.ok) return { ok: false, error: `${prefix}: ${nameKey}: ${checkedName.error}` };
  const other = field === "issuerSerial" ? checkSerial(key) : parseFingerprint(key, "spkiSha256");
  if (!other.ok) return { ok: false, error: `${prefix}: ${otherKey}: ${other.error}` };
  return {
    ok: true,
    entry:
      field === "issuerSerial"
        ? { issuerSerial: { issuer: checkedName.value, serial: other.value } }
        : { subjectSpki: { subject: checkedName.value, spkiSha256: other.value } },
  };
}

async function certificateEntry(body: string, source: ListSource): Promise<Entry | string> {
  const b64 = body.replace(/\s+/g, "");
  let der: Uint8Array;
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error("not base64");
    der = base64ToBytes(b64);
  } catch {
    return "the certificate block is not valid base64";
  }
  let label = "";
  try {
    const cert = new x509.X509Certificate(der as BufferSource);
    label = cert.subjectName.getField("CN")[0] ?? cert.subjectName.getField("O")[0] ?? cert.subject;
  } catch (e) {
    return `the certificate block does not parse as an X.509 certificate (${errorMessage(e)})`;
  }
  const sha256 = bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", der as BufferSource)));
  return { sha256, ...(label && { label }), source };
}

// OneCRL JSON ----------------------------------------------------------------------------------

function parseOnecrlJson(text: string, kind: ListKind, source: ListSource, out: ParsedListText<Entry>): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = errorMessage(e);
    const position = /position (\d+)/.exec(message);
    const lineNo = position ? lineAt(text, Number(position[1])) : 1;
    out.issues.push(
      issueAt([{ line: lineNo }], `the text starts like JSON but is not valid JSON (${message}); expected OneCRL records, or one entry per line`),
    );
    return;
  }
  const records = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.data) ? json.data : null;
  if (!records) {
    out.issues.push(issueAt([{ line: 1 }], `expected OneCRL records, {"data": [...]} or an array of records, got a JSON ${typeof json} without them`));
    return;
  }
  if (kind === "allowlist") {
    out.issues.push(issueAt([{ line: 1 }], `OneCRL records can only be imported into the blocklist; ${NOT_IN_ALLOWLIST}`));
    return;
  }
  const starts = recordStartLines(text);
  records.forEach((record, i) => {
    const at: TextLocation = { line: starts[i] ?? 1, record: i, ...(isRecord(record) && typeof record.id === "string" && { id: record.id }) };
    const refuse = (message: string) => void out.issues.push(issueAt([at], message));
    if (!isRecord(record)) return refuse("expected a OneCRL record object");
    if (record.enabled === false) {
      out.notes.push(`${formatPath([at])}: skipped, the record is disabled in OneCRL ("enabled": false) and Mozilla does not enforce it`);
      return;
    }
    const label = onecrlLabel(record, i);
    if (record.issuerName !== undefined || record.serialNumber !== undefined) {
      if (typeof record.issuerName !== "string" || typeof record.serialNumber !== "string")
        return refuse('expected "issuerName" and "serialNumber" as base64 strings');
      const issuer = checkDerName(record.issuerName);
      if (!issuer.ok) return refuse(`issuerName: ${issuer.error}`);
      let serial: Uint8Array;
      try {
        serial = base64ToBytes(record.serialNumber);
      } catch {
        return refuse(`serialNumber: expected the serial number's bytes in base64, got "${cut(record.serialNumber)}"`);
      }
      if (serial.length === 0) return refuse("serialNumber: empty");
      out.entries.push({ issuerSerial: { issuer: issuer.value, serial: normalizeSerialHex(bytesToHex(serial)) }, label, source });
      return;
    }
    if (record.subject !== undefined || record.pubKeyHash !== undefined) {
      if (typeof record.subject !== "string" || typeof record.pubKeyHash !== "string") return refuse('expected "subject" and "pubKeyHash" as base64 strings');
      const subject = checkDerName(record.subject);
      if (!subject.ok) return refuse(`subject: ${subject.error}`);
      const spki = parseFingerprint(record.pubKeyHash, "spkiSha256");
      if (!spki.ok) return refuse(`pubKeyHash: ${spki.error}`);
      out.entries.push({ subjectSpki: { subject: subject.value, spkiSha256: spki.value }, label, source });
      return;
    }
    refuse('expected "issuerName" + "serialNumber" or "subject" + "pubKeyHash"');
  });
}

function onecrlLabel(record: Record<string, unknown>, i: number): string {
  const details = isRecord(record.details) ? record.details : {};
  // "." is the dump's placeholder for "no reason given".
  const parts = [details.name, details.why].filter((s): s is string => typeof s === "string" && s.trim() !== "" && s.trim() !== ".").map((s) => s.trim());
  if (parts.length) return [...new Set(parts)].join("; ");
  return typeof record.id === "string" ? `OneCRL record ${record.id}` : `OneCRL record ${i}`;
}

/** 1-based line of each record in the records array (bare array or the "data" array), whatever its kind: a refused `42` has its line too. */
function recordStartLines(text: string): number[] {
  const starts: number[] = [];
  const stack: string[] = [];
  let line = 1;
  let inString = false;
  // After the records array's "[" or one of its ",": the next value is a record.
  let recordNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (recordNext && c !== "]") starts.push(line);
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") stack.push(c);
    else if (c === "}" || c === "]") stack.pop();
    recordNext = (c === "[" || c === ",") && ["[", "{["].includes(stack.join(""));
  }
  return starts;
}

function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(position, text.length); i++) if (text[i] === "\n") line++;
  return line;
}

function dedupe(out: ParsedListText<Entry>): ParsedListText<Entry> {
  const seen = new Set<string>();
  const entries: Entry[] = [];
  for (const e of out.entries) {
    const key = entryIdentity(e);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(e);
  }
  if (entries.length < out.entries.length)
    out.notes.push(`${out.entries.length - entries.length} duplicate entr${out.entries.length - entries.length === 1 ? "y" : "ies"} ignored`);
  return { ...out, entries };
}

function cut(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
