/**
 * The lists an enterprise or a user adds to the bundled data: extra blocklist entries, and an
 * allowlist of their own CAs. Raw input (policy JSON, options page) is validated entry by entry:
 * a bad entry is reported precisely and skipped, the good ones still apply.
 */
import { parseFingerprint, type FingerprintKind } from "./fingerprint";

export type ListSource = "policy" | "user";

export interface CustomBlocklistEntry {
  sha256?: string;
  sha1?: string;
  spkiSha256?: string;
  /** From an imported OneCRL file: base64 DER issuer name and hex serial. */
  issuerSerial?: { issuer: string; serial: string };
  /** From an imported OneCRL file: base64 DER subject name and SPKI SHA-256 hex. */
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
}

export const EMPTY_SETTINGS: Settings = { allowlist: [], blocklist: [] };

export type ListKind = "blocklist" | "allowlist";

const KEYS: Record<ListKind, FingerprintKind[]> = {
  blocklist: ["sha256", "sha1", "spkiSha256"],
  allowlist: ["sha256", "spkiSha256"],
};
const TEXT_FIELDS: Record<ListKind, string[]> = {
  blocklist: ["label", "reason", "reference"],
  allowlist: ["label"],
};

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
    const entry: Record<string, string> = {};
    // A bad or unknown field is reported and ignored; the entry still applies through its valid keys.
    for (const field of Object.keys(record)) {
      if (!KEYS[kind].includes(field as FingerprintKind) && !TEXT_FIELDS[kind].includes(field)) {
        errors.push(`${where}: unknown key "${field}" ignored (expected ${[...KEYS[kind], ...TEXT_FIELDS[kind]].join(", ")})`);
      }
    }
    for (const key of KEYS[kind]) {
      if (record[key] === undefined) continue;
      const parsed = parseFingerprint(record[key], key);
      if (parsed.ok) entry[key] = parsed.value;
      else errors.push(`${where}.${key}: ${parsed.error}`);
    }
    for (const field of TEXT_FIELDS[kind]) {
      if (record[field] === undefined) continue;
      if (typeof record[field] === "string") entry[field] = record[field] as string;
      else errors.push(`${where}.${field}: expected a string, got ${typeof record[field]}`);
    }
    if (KEYS[kind].some((k) => entry[k])) entries.push({ ...entry, source });
    else errors.push(`${where}: entry ignored, it needs at least one valid ${KEYS[kind].join(" or ")}`);
  });
  return { entries, errors };
}
