/**
 * The blocklist: the compiled, versioned index (data/blocklist.json, built by `npm run blocklist`
 * from the sources in data/sources/) plus enterprise and user entries, turned into plain maps so
 * that matching a certificate is a handful of hash-map lookups.
 */
import { canonicalBase64, normalizeSerialHex } from "./encoding";

/** Bumped whenever the compiled layout changes; the loader refuses other formats. */
export const INDEX_FORMAT = 1;

export type BundledSource = "flame" | "chromium" | "onecrl";
export type EntrySource = BundledSource | "policy" | "feed" | "user";

/** One entry as stored in the compiled index. Hashes are lowercase hex without separators. */
export interface CompiledEntry {
  /** Stable and unique: "<source>:<natural id>", e.g. "chromium:00309c73…", "onecrl:<record id>". */
  id: string;
  source: BundledSource;
  /** What the certificate or key is, e.g. "Microsoft Enforced Licensing Intermediate PCA". */
  label: string;
  /** Why it is listed, e.g. "Flame malware (2012): ..." or the Chromium README section. */
  incident: string;
  reference: string;
  /** Present (as false) only for OneCRL records with "enabled": false: shown, never blocking. */
  enforced?: false;
  sha256?: string;
  sha1?: string;
  spkiSha256?: string;
  /** OneCRL issuerName + serialNumber: `issuer` indexes `names`; serial without leading zero bytes. */
  issuerSerial?: { issuer: number; serial: string };
  /** OneCRL subject + pubKeyHash: `subject` indexes `names`. */
  subjectSpki?: { subject: number; spkiSha256: string };
}

export interface CompiledSource {
  id: BundledSource | "intermediates";
  name: string;
  /** ISO date (YYYY-MM-DD) of the snapshot the data was taken from. */
  snapshot: string;
  origin: string;
  licence: string;
  entries: number;
}

export interface CompiledIndex {
  format: typeof INDEX_FORMAT;
  /** Changes whenever the content changes; derived from the content, so rebuilding is byte-identical. */
  version: string;
  sources: CompiledSource[];
  /** Base64 DER-encoded X.501 Names, deduplicated, referenced by index from entries. */
  names: string[];
  entries: CompiledEntry[];
  /** Mozilla's preloaded CCADB intermediates: SHA-256 of the DER, lowercase hex, sorted. */
  knownIntermediates: { snapshot: string; sha256: string[] };
}

/** An entry at run time: bundled, or from enterprise policy or the user's own list. */
export interface BlocklistEntry {
  id: string;
  source: EntrySource;
  label: string;
  incident: string;
  reference: string;
  enforced: boolean;
  sha256?: string;
  sha1?: string;
  spkiSha256?: string;
  /** Base64 DER names, resolved from the index. */
  issuerSerial?: { issuer: string; serial: string };
  subjectSpki?: { subject: string; spkiSha256: string };
}

export type MatchKey = "sha256" | "sha1" | "spkiSha256" | "issuerSerial" | "subjectSpki";

export interface BlocklistMatch {
  entry: BlocklistEntry;
  key: MatchKey;
}

/** What a certificate is matched by. Without its DER names, name-based entries cannot match. */
export interface MatchInput {
  /** Hashes as lowercase hex without separators; the serial without leading zero bytes. */
  sha256: string;
  sha1: string;
  spkiSha256: string;
  serial: string;
  /** Base64 DER issuer and subject names, from the certificate's bytes. */
  issuer?: string;
  subject?: string;
}

export const MATCH_KEY_LABEL: Record<MatchKey, string> = {
  sha256: "certificate SHA-256 fingerprint",
  sha1: "certificate SHA-1 fingerprint",
  spkiSha256: "public key (SPKI SHA-256)",
  issuerSerial: "issuer name and serial number",
  subjectSpki: "subject name and public key",
};

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class Blocklist {
  readonly entries: readonly BlocklistEntry[];
  readonly #bySha256 = new Map<string, BlocklistEntry[]>();
  readonly #bySha1 = new Map<string, BlocklistEntry[]>();
  readonly #bySpki = new Map<string, BlocklistEntry[]>();
  /** serial → entries with their issuer name; the name is compared only after a serial hit. */
  readonly #bySerial = new Map<string, [BlocklistEntry, string][]>();
  /** SPKI → subject+SPKI entries with their subject name; the name is compared only after an SPKI hit. */
  readonly #bySubjectSpki = new Map<string, [BlocklistEntry, string][]>();

  constructor(entries: readonly BlocklistEntry[]) {
    this.entries = entries;
    // Every entry, bundled, policy or user, passes here: the one place names and serials are put in
    // the form a certificate's own are compared in (canonical base64, serial without leading zeros).
    // Names repeat across entries (one issuer, many serials), so each is converted once.
    const names = new Map<string, string | null>();
    const canonicalName = (b64: string) => {
      if (!names.has(b64)) names.set(b64, canonicalBase64(b64));
      return names.get(b64) ?? null;
    };
    for (const e of entries) {
      if (e.sha256) push(this.#bySha256, e.sha256, e);
      if (e.sha1) push(this.#bySha1, e.sha1, e);
      if (e.spkiSha256) push(this.#bySpki, e.spkiSha256, e);
      const issuer = e.issuerSerial && canonicalName(e.issuerSerial.issuer);
      if (issuer && typeof e.issuerSerial!.serial === "string") push(this.#bySerial, normalizeSerialHex(e.issuerSerial!.serial.toLowerCase()), [e, issuer]);
      const subject = e.subjectSpki && canonicalName(e.subjectSpki.subject);
      if (subject) push(this.#bySubjectSpki, e.subjectSpki!.spkiSha256, [e, subject]);
    }
  }

  /** Resolves a compiled index; throws a clear error for an index of another format. */
  static fromIndex(index: CompiledIndex): Blocklist {
    if (index?.format !== INDEX_FORMAT) {
      throw new Error(`blocklist index format ${String(index?.format)} is not supported (expected ${INDEX_FORMAT}); run npm run blocklist`);
    }
    const { names } = index;
    return new Blocklist(
      index.entries.map(({ issuerSerial, subjectSpki, enforced, ...rest }) => ({
        ...rest,
        enforced: enforced !== false,
        ...(issuerSerial && { issuerSerial: { issuer: names[issuerSerial.issuer], serial: issuerSerial.serial } }),
        ...(subjectSpki && { subjectSpki: { subject: names[subjectSpki.subject], spkiSha256: subjectSpki.spkiSha256 } }),
      })),
    );
  }

  match(c: MatchInput): BlocklistMatch[] {
    const out: BlocklistMatch[] = [];
    for (const entry of this.#bySha256.get(c.sha256) ?? []) out.push({ entry, key: "sha256" });
    for (const entry of this.#bySha1.get(c.sha1) ?? []) out.push({ entry, key: "sha1" });
    for (const entry of this.#bySpki.get(c.spkiSha256) ?? []) out.push({ entry, key: "spkiSha256" });
    for (const [entry, issuer] of this.#bySerial.get(c.serial) ?? []) {
      if (issuer === c.issuer) out.push({ entry, key: "issuerSerial" });
    }
    for (const [entry, subject] of this.#bySubjectSpki.get(c.spkiSha256) ?? []) {
      if (subject === c.subject) out.push({ entry, key: "subjectSpki" });
    }
    return out;
  }
}
