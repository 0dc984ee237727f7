/**
 * The lists an enterprise or a user adds to the bundled data: extra blocklist entries, and an
 * allowlist of their own CAs. Raw input (policy JSON, options page) is validated entry by entry:
 * a bad entry is reported precisely and skipped, the good ones still apply.
 */
import { canonicalBase64 } from "./encoding";
import { parseFingerprint, type FingerprintKind } from "./fingerprint";

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

export interface Settings {
  allowlist: AllowlistEntry[];
  blocklist: CustomBlocklistEntry[];
  /** SHA-256 (lowercase hex) of intermediates known beside the bundled snapshot (from signed feeds). */
  knownIntermediates?: readonly string[];
}

export const EMPTY_SETTINGS: Settings = { allowlist: [], blocklist: [] };

export type ListKind = "blocklist" | "allowlist";

const KEYS: Record<ListKind, FingerprintKind[]> = {
  blocklist: ["sha256", "sha1", "spkiSha256"],
  allowlist: ["sha256", "spkiSha256"],
};
/** Keys that name a certificate by a DER name and a second value (OneCRL's two record shapes). */
const NAME_KEYS: Record<ListKind, ("issuerSerial" | "subjectSpki")[]> = {
  blocklist: ["issuerSerial", "subjectSpki"],
  allowlist: [],
};
const TEXT_FIELDS: Record<ListKind, string[]> = {
  blocklist: ["label", "reason", "reference"],
  allowlist: ["label"],
};
/** A serial number: DER INTEGERs in certificates are at most 20 bytes, but some CAs overshoot. */
const SERIAL_HEX = /^[0-9a-f]{1,128}$/;

export interface ParsedList<T> {
  entries: T[];
  /** One message per problem, naming the list, the entry's position and the field. */
  errors: string[];
}

/**
 * Validates a list of entries such as `[{ "spkiSha256": "…", "label": "…" }]`.
 *
 * @example parseList([{ sha256: "AB:CD…" }, { sha1: "nope" }], "blocklist", "policy")
 *          // → { entries: [{ sha256: "abcd…", source: "policy" }],
 *          //     errors: ['blocklist[1].sha1: expected a certificate SHA-1 fingerprint: 40 hex digits …'] }
 */
export function parseList(raw: unknown, kind: "blocklist", source: ListSource): ParsedList<CustomBlocklistEntry>;
export function parseList(raw: unknown, kind: "allowlist", source: ListSource): ParsedList<AllowlistEntry>;
export function parseList(raw: unknown, kind: ListKind, source: ListSource): ParsedList<CustomBlocklistEntry | AllowlistEntry> {
  if (!Array.isArray(raw)) return { entries: [], errors: [`${kind}: expected an array of entries, got ${raw === null ? "null" : typeof raw}`] };
  const entries: (CustomBlocklistEntry | AllowlistEntry)[] = [];
  const errors: string[] = [];
  raw.forEach((item, i) => {
    const where = `${kind}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      errors.push(`${where}: expected an object with ${KEYS[kind].join(", ")}`);
      return;
    }
    const record = item as Record<string, unknown>;
    const entry: Record<string, unknown> = {};
    const fields = [...KEYS[kind], ...NAME_KEYS[kind], ...TEXT_FIELDS[kind]];
    // A bad or unknown field is reported and ignored; the entry still applies through its valid keys.
    for (const field of Object.keys(record)) {
      if (!fields.includes(field)) errors.push(`${where}: unknown key ${JSON.stringify(field.slice(0, 40))} ignored (expected ${fields.join(", ")})`);
    }
    for (const key of KEYS[kind]) {
      if (record[key] === undefined) continue;
      const parsed = parseFingerprint(record[key], key);
      if (parsed.ok) entry[key] = parsed.value;
      else errors.push(`${where}.${key}: ${parsed.error}`);
    }
    for (const key of NAME_KEYS[kind]) {
      if (record[key] === undefined) continue;
      const parsed = key === "issuerSerial" ? parseIssuerSerial(record[key]) : parseSubjectSpki(record[key]);
      if (parsed.ok) entry[key] = parsed.value;
      else errors.push(`${where}.${key}: ${parsed.error}`);
    }
    for (const field of TEXT_FIELDS[kind]) {
      if (record[field] === undefined) continue;
      if (typeof record[field] === "string") entry[field] = record[field] as string;
      else errors.push(`${where}.${field}: expected a string, got ${typeof record[field]}`);
    }
    if ([...KEYS[kind], ...NAME_KEYS[kind]].some((k) => entry[k])) entries.push({ ...entry, source } as CustomBlocklistEntry | AllowlistEntry);
    else errors.push(`${where}: entry ignored, it needs at least one valid ${[...KEYS[kind], ...NAME_KEYS[kind]].join(" or ")}`);
  });
  return { entries, errors };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A base64 DER Name (OneCRL's form), canonical; padding may be missing, as some tools write it. */
function parseName(raw: unknown, what: string): Parsed<string> {
  const canonical = typeof raw === "string" && raw.length <= 4096 ? canonicalBase64(raw.trim()) : null;
  // A DER Name is a SEQUENCE: its base64 starts with "M" (0x30).
  if (canonical && canonical.startsWith("M")) return { ok: true, value: canonical };
  return { ok: false, error: `${what}: expected the base64 of a DER-encoded name, such as OneCRL's "MGMxCzAJBgNV…"` };
}

function parseIssuerSerial(raw: unknown): Parsed<{ issuer: string; serial: string }> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: 'expected { "issuer": base64 DER name, "serial": hex }' };
  const { issuer, serial } = raw as Record<string, unknown>;
  const name = parseName(issuer, "issuer");
  if (!name.ok) return name;
  const hex = typeof serial === "string" ? serial.trim().replace(/[\s:]/g, "").toLowerCase() : "";
  if (!SERIAL_HEX.test(hex)) return { ok: false, error: "serial: expected the serial number in hex (colons allowed), such as \"04:00:00:00:00:01\"" };
  return { ok: true, value: { issuer: name.value, serial: hex } };
}

function parseSubjectSpki(raw: unknown): Parsed<{ subject: string; spkiSha256: string }> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: 'expected { "subject": base64 DER name, "spkiSha256": hash }' };
  const { subject, spkiSha256 } = raw as Record<string, unknown>;
  const name = parseName(subject, "subject");
  if (!name.ok) return name;
  const spki = parseFingerprint(spkiSha256, "spkiSha256");
  if (!spki.ok) return { ok: false, error: `spkiSha256: ${spki.error}` };
  return { ok: true, value: { subject: name.value, spkiSha256: spki.value } };
}
