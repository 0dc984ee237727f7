/**
 * Mozilla's Remote-Settings dumps (security-state/onecrl and security-state/intermediates, as in
 * data/sources/mozilla/, see SOURCES.md), record by record: a OneCRL record becomes a blocklist
 * entry, an intermediate record the SHA-256 of its DER. `npm run blocklist` compiles them into the
 * bundled index; `npm run feed -- from-mozilla` publishes newer dumps as a signed feed. One reader
 * for both, so a feed entry matches exactly as the bundled entry for the same record would.
 */
import type { CompiledIndex } from "../src/blocklist";
import { bytesToHex, hexToColonHex, normalizeSerialHex } from "../src/encoding";
import { b64, dnString, fail, isObject, str } from "./record-fields";

const ONECRL_RECORD_URL = "https://firefox.settings.services.mozilla.com/v1/buckets/security-state/collections/onecrl/records/";

/** A OneCRL record as a bundled blocklist entry (before names are indexed: base64 DER names). */
export interface OnecrlEntry {
  /** "onecrl:<record id>" */
  id: string;
  source: "onecrl";
  label: string;
  incident: string;
  reference: string;
  /** Present (as false) for records with "enabled": false, which Firefox does not enforce. */
  enforced?: false;
  issuerSerial?: { issuer: string; serial: string };
  subjectSpki?: { subject: string; spkiSha256: string };
}

/** A dump's records and its date ("YYYY-MM-DD", UTC, from its timestamp); `file` names it in errors. */
export function readDump(json: unknown, file: string): { records: unknown[]; snapshot: string } {
  if (!isObject(json) || !Array.isArray(json.data)) fail(`${file}: expected {"data": [...], "timestamp": ...}`);
  if (typeof json.timestamp !== "number" || !Number.isFinite(json.timestamp)) fail(`${file}: "timestamp" must be a number (ms since the epoch)`);
  if (json.data.length === 0) fail(`${file}: no records`);
  return { records: json.data, snapshot: new Date(json.timestamp).toISOString().slice(0, 10) };
}

/** Bugzilla link for a record: the dump holds full URLs, a few bare bug numbers, or nothing. */
function onecrlReference(bug: string, id: string, where: string): string {
  if (bug === "") return ONECRL_RECORD_URL + id;
  if (/^\d+$/.test(bug)) return `https://bugzilla.mozilla.org/show_bug.cgi?id=${bug}`;
  if (/^https:\/\/\S+$/.test(bug)) return bug;
  fail(`${where}: details.bug is neither a URL nor a bug number: ${JSON.stringify(bug)}`);
}

function onecrlIncident(enabled: boolean, details: Record<string, unknown>): string {
  // "." is the dump's placeholder for "no reason given".
  const parts = [details.name, details.why].filter((s): s is string => typeof s === "string" && s.trim() !== "" && s.trim() !== ".");
  const text = [...new Set(parts.map((s) => s.trim()))].join("; ");
  // A disabled record is not a revocation: Firefox ignores it, and so must the wording.
  const head = enabled ? "Revoked by Mozilla (OneCRL)" : "Listed in Mozilla's OneCRL but disabled there (not enforced)";
  return text ? `${head}: ${text}` : head;
}

/** One OneCRL record; `where` names it in errors ("data/sources/mozilla/onecrl.json data[3]"). */
export function onecrlEntry(record: unknown, where: string): OnecrlEntry {
  if (!isObject(record)) fail(`${where}: expected an object`);
  const id = str(record, "id", where);
  if (!/^[0-9a-f-]+$/.test(id)) fail(`${where}: unexpected record id ${JSON.stringify(id)}`);
  where += ` (id ${id})`;
  if (typeof record.enabled !== "boolean") fail(`${where}: "enabled" must be true or false`);
  if (!isObject(record.details)) fail(`${where}: "details" must be an object`);
  const details = record.details;
  const base = {
    id: `onecrl:${id}`,
    source: "onecrl" as const,
    incident: onecrlIncident(record.enabled, details),
    reference: onecrlReference(str(details, "bug", where), id, where),
    ...(record.enabled ? {} : { enforced: false as const }),
  };
  if ("issuerName" in record) {
    const issuer = str(record, "issuerName", where);
    const serial = normalizeSerialHex(bytesToHex(b64(str(record, "serialNumber", where), `${where} serialNumber`)));
    const dn = dnString(b64(issuer, `${where} issuerName`), where);
    return { ...base, label: `serial ${hexToColonHex(serial).toLowerCase()} issued by ${dn}`, issuerSerial: { issuer, serial } };
  }
  if ("subject" in record) {
    const subject = str(record, "subject", where);
    const spkiSha256 = bytesToHex(b64(str(record, "pubKeyHash", where), `${where} pubKeyHash`, 32));
    return { ...base, label: dnString(b64(subject, `${where} subject`), where), subjectSpki: { subject, spkiSha256 } };
  }
  fail(`${where}: neither issuerName+serialNumber nor subject+pubKeyHash`);
}

/** One preloaded-intermediates record: the SHA-256 of the certificate's DER, lowercase hex. */
export function intermediateSha256(record: unknown, where: string): string {
  if (!isObject(record)) fail(`${where}: expected an object`);
  return bytesToHex(b64(str(record, "derHash", where), `${where} derHash`, 32));
}

/** What an entry blocks, whatever record it came from: a record re-issued under a new id compares equal. */
function blocksKey(entry: Pick<OnecrlEntry, "issuerSerial" | "subjectSpki">): string {
  return entry.issuerSerial
    ? `issuer ${entry.issuerSerial.issuer} serial ${entry.issuerSerial.serial}`
    : `subject ${entry.subjectSpki!.subject} spki ${entry.subjectSpki!.spkiSha256}`;
}

/** A feed's blocklist entry (src/settings.ts parseList's shape) for an enforced OneCRL record. */
export interface FeedOnecrlEntry {
  issuerSerial?: { issuer: string; serial: string };
  subjectSpki?: { subject: string; spkiSha256: string };
  label: string;
  reason: string;
  reference: string;
}

export interface MozillaFeedLists {
  blocklist: FeedOnecrlEntry[];
  knownIntermediates: string[];
  /** Records left out: disabled ones, ones the bundled index already enforces, repeats of an earlier record. */
  skipped: { disabled: number; bundledEntries: number; duplicateEntries: number; bundledIntermediates: number };
}

/**
 * The lists a feed publishes for newer dumps: every enforced OneCRL record once, and every
 * intermediate once; with `bundled`, only what that index does not already enforce (a delta keeps
 * the feed small; a record the index has only as disabled is published, since it now blocks).
 */
export function mozillaFeedLists(onecrl: readonly OnecrlEntry[], intermediates: readonly string[], bundled: CompiledIndex | null): MozillaFeedLists {
  const bundledBlocks = new Set(
    (bundled?.entries ?? [])
      .filter((e) => e.enforced !== false && (e.issuerSerial || e.subjectSpki))
      .map((e) =>
        blocksKey({
          ...(e.issuerSerial && { issuerSerial: { issuer: bundled!.names[e.issuerSerial.issuer], serial: e.issuerSerial.serial } }),
          ...(e.subjectSpki && { subjectSpki: { subject: bundled!.names[e.subjectSpki.subject], spkiSha256: e.subjectSpki.spkiSha256 } }),
        }),
      ),
  );
  const bundledKnown = new Set(bundled?.knownIntermediates.sha256 ?? []);
  const skipped = { disabled: 0, bundledEntries: 0, duplicateEntries: 0, bundledIntermediates: 0 };
  const published = new Map<string, FeedOnecrlEntry>();
  for (const entry of [...onecrl].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const key = blocksKey(entry);
    if (entry.enforced === false) skipped.disabled++;
    else if (bundledBlocks.has(key)) skipped.bundledEntries++;
    else if (published.has(key)) skipped.duplicateEntries++;
    else
      published.set(key, {
        ...(entry.issuerSerial && { issuerSerial: entry.issuerSerial }),
        ...(entry.subjectSpki && { subjectSpki: entry.subjectSpki }),
        label: entry.label,
        reason: entry.incident,
        reference: entry.reference,
      });
  }
  const knownIntermediates = [...new Set(intermediates)].filter((sha256) => !bundledKnown.has(sha256)).sort();
  skipped.bundledIntermediates = new Set(intermediates).size - knownIntermediates.length;
  return { blocklist: [...published.values()], knownIntermediates, skipped };
}
