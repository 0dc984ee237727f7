/**
 * List entries: the certificates an organisation (policy, signed feeds) or a user adds to the
 * bundled data, to block or to allow. One definition of what an entry may hold and how each field
 * is checked, used by the policy, the stored settings, feeds and the options page's list text.
 * A bad entry or field is reported precisely (path: list, index, field) and skipped; the good ones
 * still apply.
 */
import { base64ToBytes, canonicalBase64, normalizeSerialHex } from "../encoding";
import { parseFingerprint, type FingerprintKind } from "../fingerprint";
import { describeValue, isRecord, issueAt, type Check, type SettingsIssue } from "./issues";

/** Where a list entry comes from: the organisation (policy, or one of its signed feeds) or the user. */
export type ListSource = "policy" | "feed" | "user";

export interface CustomBlocklistEntry {
  sha256?: string;
  sha1?: string;
  spkiSha256?: string;
  /** OneCRL-style: base64 DER issuer name and hex serial (lowercase, no separators). */
  issuerSerial?: { issuer: string; serial: string };
  /** OneCRL-style: base64 DER subject name and SPKI SHA-256 hex. */
  subjectSpki?: { subject: string; spkiSha256: string };
  label?: string;
  reason?: string;
  reference?: string;
  source: ListSource;
}

export interface AllowlistEntry {
  sha256?: string;
  spkiSha256?: string;
  label?: string;
  source: ListSource;
}

export type ListEntry = CustomBlocklistEntry | AllowlistEntry;

/** The lists the analyzer applies on top of the bundled data: policy, feeds and the user's, merged. */
export interface AnalyzerLists {
  allowlist: AllowlistEntry[];
  blocklist: CustomBlocklistEntry[];
  /** SHA-256 (lowercase hex) of intermediates known beside the bundled snapshot (from signed feeds). */
  knownIntermediates?: readonly string[];
}

export const NO_LISTS: AnalyzerLists = { allowlist: [], blocklist: [] };

export type ListKind = "blocklist" | "allowlist";

/** Fields that name a certificate by a DER name and a second value (OneCRL's two record shapes). */
export type NameField = "issuerSerial" | "subjectSpki";
export type MatchField = FingerprintKind | NameField;

/** What each list's entries may hold: the fields that identify a certificate, and text shown with it. */
export const ENTRY_FIELDS: Record<ListKind, { fingerprints: readonly FingerprintKind[]; names: readonly NameField[]; text: readonly string[] }> = {
  blocklist: { fingerprints: ["sha256", "sha1", "spkiSha256"], names: ["issuerSerial", "subjectSpki"], text: ["label", "reason", "reference"] },
  allowlist: { fingerprints: ["sha256", "spkiSha256"], names: [], text: ["label"] },
};

/** The fields that identify a certificate in a list's entries, in the order messages name them. */
export const matchFields = (kind: ListKind): MatchField[] => [...ENTRY_FIELDS[kind].fingerprints, ...ENTRY_FIELDS[kind].names];

/** Every field a list's entries may hold. */
export const entryFields = (kind: ListKind): string[] => [...matchFields(kind), ...ENTRY_FIELDS[kind].text];

/** A serial number: DER INTEGERs in certificates are at most 20 bytes, but some CAs overshoot. */
const SERIAL_HEX = /^[0-9a-f]{1,128}$/;

export interface ParsedList<T> {
  entries: T[];
  /** One per problem, its path naming the entry's position and the field (the list's own name is the caller's). */
  issues: SettingsIssue[];
}

/**
 * Validates a list of entries such as `[{ "spkiSha256": "…", "label": "…" }]`.
 *
 * @example parseList([{ sha256: "AB:CD…" }, { sha1: "nope" }], "blocklist", "policy")
 *          // → { entries: [{ sha256: "abcd…", source: "policy" }],
 *          //     issues: [{ path: [1, "sha1"], message: "expected a certificate SHA-1 fingerprint: 40 hex digits …" }, …] }
 */
export function parseList(raw: unknown, kind: "blocklist", source: ListSource): ParsedList<CustomBlocklistEntry>;
export function parseList(raw: unknown, kind: "allowlist", source: ListSource): ParsedList<AllowlistEntry>;
export function parseList(raw: unknown, kind: ListKind, source: ListSource): ParsedList<ListEntry>;
export function parseList(raw: unknown, kind: ListKind, source: ListSource): ParsedList<ListEntry> {
  if (!Array.isArray(raw)) return { entries: [], issues: [issueAt([], `expected an array of entries, got ${raw === null ? "null" : typeof raw}`)] };
  const { fingerprints, names, text } = ENTRY_FIELDS[kind];
  const fields = entryFields(kind);
  const matches = matchFields(kind);
  const entries: ListEntry[] = [];
  const issues: SettingsIssue[] = [];
  raw.forEach((item, i) => {
    const at = [i];
    if (!isRecord(item)) {
      issues.push(issueAt(at, `expected an object with ${fingerprints.join(", ")}`));
      return;
    }
    const entry: Record<string, unknown> = {};
    // A bad or unknown field is reported and ignored; the entry still applies through its valid keys.
    for (const field of Object.keys(item)) {
      if (!fields.includes(field)) issues.push(issueAt(at, `unknown key ${JSON.stringify(field.slice(0, 40))} ignored (expected ${fields.join(", ")})`));
    }
    for (const key of fingerprints) {
      if (item[key] === undefined) continue;
      const parsed = parseFingerprint(item[key], key);
      if (parsed.ok) entry[key] = parsed.value;
      else issues.push(issueAt([...at, key], parsed.error));
    }
    for (const key of names) {
      if (item[key] === undefined) continue;
      const parsed = NAME_FIELDS[key](item[key]);
      issues.push(...parsed.issues.map((issue) => issueAt([...at, key, ...issue.path], issue.message)));
      if (parsed.value) entry[key] = parsed.value;
    }
    for (const field of text) {
      if (item[field] === undefined) continue;
      if (typeof item[field] === "string") entry[field] = item[field];
      else issues.push(issueAt([...at, field], `expected a string, got ${typeof item[field]}`));
    }
    if (matches.some((k) => entry[k])) entries.push({ ...entry, source } as ListEntry);
    else issues.push(issueAt(at, `entry ignored, it needs at least one valid ${matches.join(" or ")}`));
  });
  return { entries, issues };
}

/** The two name-based fields, each checked part by part (both parts reported). */
const NAME_FIELDS: Record<NameField, (raw: unknown) => { value?: object; issues: SettingsIssue[] }> = {
  issuerSerial: (raw) =>
    checkPair(raw, 'expected { "issuer": base64 DER name, "serial": hex }', "issuer", checkDerName, "serial", checkSerial, (issuer, serial) => ({
      issuer,
      serial,
    })),
  subjectSpki: (raw) =>
    checkPair(
      raw,
      'expected { "subject": base64 DER name, "spkiSha256": hash }',
      "subject",
      checkDerName,
      "spkiSha256",
      (v) => parseFingerprint(v, "spkiSha256"),
      (subject, spkiSha256) => ({ subject, spkiSha256 }),
    ),
};

function checkPair<T>(
  raw: unknown,
  expected: string,
  nameKey: string,
  checkName: (v: unknown) => Check<string>,
  otherKey: string,
  checkOther: (v: unknown) => Check<string>,
  make: (name: string, other: string) => T,
): { value?: T; issues: SettingsIssue[] } {
  if (!isRecord(raw)) return { issues: [issueAt([], `${expected}, got ${describeValue(raw)}`)] };
  const name = checkName(raw[nameKey]);
  const other = checkOther(raw[otherKey]);
  const issues = [...(name.ok ? [] : [issueAt([nameKey], name.error)]), ...(other.ok ? [] : [issueAt([otherKey], other.error)])];
  return name.ok && other.ok ? { value: make(name.value, other.value), issues } : { issues };
}

/**
 * A base64 DER Name (OneCRL's form), made canonical (padding may be missing, as some tools write
 * it): a Name is a SEQUENCE, so its first byte is 0x30 and its base64 starts with "M".
 */
export function checkDerName(raw: unknown): Check<string> {
  const canonical = typeof raw === "string" && raw.length <= 4096 ? canonicalBase64(raw.trim()) : null;
  const bytes = canonical ? base64ToBytes(canonical) : null;
  if (canonical && bytes && bytes.length >= 2 && bytes[0] === 0x30) return { ok: true, value: canonical };
  return { ok: false, error: `expected the base64 of a DER-encoded name (it starts with "M"), such as OneCRL's "MGMxCzAJBgNV…", got ${describeValue(raw)}` };
}

/** A serial number in hex, colons and spaces allowed: lowercase, without leading zero bytes. */
export function checkSerial(raw: unknown): Check<string> {
  const hex = typeof raw === "string" ? raw.trim().replace(/[\s:]/g, "").toLowerCase() : "";
  if (!SERIAL_HEX.test(hex))
    return { ok: false, error: `expected the serial number in hex (colons allowed), such as "04:00:00:00:00:01", got ${describeValue(raw)}` };
  return { ok: true, value: normalizeSerialHex(hex.length % 2 ? `0${hex}` : hex) };
}

/** What an entry matches by, for de-duplication: its match fields, not its label or source. */
export function entryIdentity(entry: ListEntry): string {
  const e = entry as CustomBlocklistEntry;
  return JSON.stringify([e.sha256, e.sha1, e.spkiSha256, e.issuerSerial?.issuer, e.issuerSerial?.serial, e.subjectSpki?.subject, e.subjectSpki?.spkiSha256]);
}
