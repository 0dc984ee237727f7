/**
 * Explained chain changes (Certificate Patrol's side-by-side diff): bounded summaries of the chains
 * a host presented, the fields that differ between the old and the new one, and hints that tell a
 * routine renewal from a possible interception. The background's history builds the summaries and
 * keeps them; the history page diffs them.
 */
import type { CertificateRole, ChainCertificate } from "./verdict";

/** The history event's rule id when a host presents another CA chain than last time. */
export const CHAIN_CHANGED = "chain-changed";

/** Longest subject or issuer kept: servers choose them (real ones, EV included, stay under 200). */
export const MAX_SUMMARY_NAME_CHARS = 200;
/** Longest other text kept: a SHA-256 in colon hex is 95 characters, a 20-byte serial 59. */
export const MAX_SUMMARY_FIELD_CHARS = 100;
/**
 * Certificates in a chain Firefox builds: mozilla::pkix allows at most 6 intermediates between a
 * leaf and a root. Summaries longer than this are refused when read back from storage.
 */
export const MAX_CHAIN_CERTIFICATES = 8;
/** A leaf this close to its end (or past it) when its chain changed suggests a routine renewal. */
export const NEAR_EXPIRY_MS = 30 * 86_400_000;

/** One certificate of a chain as the history keeps it: the verdict's values, strings cut to a bound. */
export type CertificateSummary = Pick<
  ChainCertificate,
  "role" | "subject" | "issuer" | "sha256" | "sha1" | "spkiSha256" | "serialNumber" | "validity" | "isBuiltInRoot" | "known"
>;

/** A host's chain before and after a change, leaf first. */
export interface ChainChange {
  /** null: the chain before was remembered by an older version, which kept its fingerprints only. */
  before: CertificateSummary[] | null;
  after: CertificateSummary[];
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The summaries of a presented chain, leaf first. */
export function summarizeChain(chain: readonly ChainCertificate[]): CertificateSummary[] {
  return chain.map((c) => ({
    role: c.role,
    subject: cut(c.subject, MAX_SUMMARY_NAME_CHARS),
    issuer: cut(c.issuer, MAX_SUMMARY_NAME_CHARS),
    sha256: cut(c.sha256, MAX_SUMMARY_FIELD_CHARS),
    sha1: cut(c.sha1, MAX_SUMMARY_FIELD_CHARS),
    spkiSha256: cut(c.spkiSha256, MAX_SUMMARY_FIELD_CHARS),
    serialNumber: cut(c.serialNumber, MAX_SUMMARY_FIELD_CHARS),
    validity: { start: c.validity.start, end: c.validity.end },
    isBuiltInRoot: c.isBuiltInRoot,
    known: c.known,
  }));
}

/** What identifies a host's CA chain: the SHA-256 of each certificate after the leaf. */
export function caChainKey(chain: readonly { sha256: string }[]): string {
  let key = "";
  for (let i = 1; i < chain.length; i++) key += i === 1 ? chain[i].sha256 : `|${chain[i].sha256}`;
  return key;
}

/**
 * Whether `key` is `caChainKey(chain)`, compared in place (no string built): the history asks this
 * for every response with findings, and the answer is almost always yes.
 */
export function isCaChainKey(key: string, chain: readonly { sha256: string }[]): boolean {
  let at = 0;
  for (let i = 1; i < chain.length; i++) {
    if (i > 1 && key.charCodeAt(at++) !== 0x7c /* | */) return false;
    const sha256 = String(chain[i].sha256);
    if (!key.startsWith(sha256, at)) return false;
    at += sha256.length;
  }
  return at === key.length;
}

/** The history's title for a change: the new issuer (the first certificate after the leaf) named. */
export function chainChangedTitle(host: string, after: readonly CertificateSummary[]): string {
  return `The CA chain for ${host} changed: now issued by ${after[1]?.subject ?? "(no issuer)"}`;
}

const ROLES: unknown[] = ["leaf", "intermediate", "root"];
const NAME_FIELDS = ["subject", "issuer"] as const;
const OTHER_FIELDS = ["sha256", "sha1", "spkiSha256", "serialNumber"] as const;

/** Whether a value read back (storage, a message) is a chain of summaries within the bounds. */
export function isChainSummary(value: unknown): value is CertificateSummary[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CHAIN_CERTIFICATES) return false;
  return value.every((v) => {
    const c = v as Record<string, unknown> | null;
    if (typeof c !== "object" || c === null || !ROLES.includes(c.role)) return false;
    const validity = c.validity as Record<string, unknown> | null;
    return (
      NAME_FIELDS.every((k) => typeof c[k] === "string" && (c[k] as string).length <= MAX_SUMMARY_NAME_CHARS) &&
      OTHER_FIELDS.every((k) => typeof c[k] === "string" && (c[k] as string).length <= MAX_SUMMARY_FIELD_CHARS) &&
      typeof validity === "object" &&
      validity !== null &&
      Number.isFinite(validity.start) &&
      Number.isFinite(validity.end) &&
      typeof c.isBuiltInRoot === "boolean" &&
      typeof c.known === "boolean"
    );
  });
}

/** Whether a value read back is a ChainChange within the bounds. */
export function isChainChange(value: unknown): value is ChainChange {
  const change = value as Record<string, unknown> | null;
  return typeof change === "object" && change !== null && (change.before === null || isChainSummary(change.before)) && isChainSummary(change.after);
}

/** The fields the diff compares, in the order the view shows them. */
export const DIFF_FIELDS = ["subject", "issuer", "spkiSha256", "validity", "serialNumber", "sha256", "sha1"] as const;
export type DiffField = (typeof DIFF_FIELDS)[number];

/** One position of the two chains side by side; a side is null where that chain has no such certificate. */
export interface DiffRow {
  role: CertificateRole;
  /** 1-based position among the intermediates (leaf and root: 0). */
  position: number;
  before: CertificateSummary | null;
  after: CertificateSummary | null;
  /** Fields that differ (every field when one side is missing); empty: the same certificate. */
  changed: DiffField[];
}

export type HintId = "root-not-built-in" | "unknown-issuer" | "old-leaf-expiring" | "same-leaf-key" | "same-issuer";

export interface ChainHint {
  id: HintId;
  /** "warning": worth a closer look (possible interception); "info": points to a routine change. */
  tone: "warning" | "info";
  text: string;
}

export interface ChainDiff {
  rows: DiffRow[];
  /** Warnings first. */
  hints: ChainHint[];
}

const sameField = (a: CertificateSummary, b: CertificateSummary, field: DiffField) =>
  field === "validity" ? a.validity.start === b.validity.start && a.validity.end === b.validity.end : a[field] === b[field];

/** Leaf with leaf, root with root, intermediates in order from the leaf. */
function alignRows(before: readonly CertificateSummary[], after: readonly CertificateSummary[]): DiffRow[] {
  const split = (chain: readonly CertificateSummary[]) => ({
    leaf: chain.find((c) => c.role === "leaf") ?? null,
    intermediates: chain.filter((c) => c.role === "intermediate"),
    root: chain.find((c) => c.role === "root") ?? null,
  });
  const [b, a] = [split(before), split(after)];
  const row = (role: CertificateRole, position: number, old: CertificateSummary | null, now: CertificateSummary | null): DiffRow => ({
    role,
    position,
    before: old,
    after: now,
    changed: old && now ? DIFF_FIELDS.filter((f) => !sameField(old, now, f)) : [...DIFF_FIELDS],
  });
  const rows: DiffRow[] = [];
  if (b.leaf || a.leaf) rows.push(row("leaf", 0, b.leaf, a.leaf));
  for (let i = 0; i < Math.max(b.intermediates.length, a.intermediates.length); i++) {
    rows.push(row("intermediate", i + 1, b.intermediates[i] ?? null, a.intermediates[i] ?? null));
  }
  if (b.root || a.root) rows.push(row("root", 0, b.root, a.root));
  return rows;
}

/** "2026-12-31": dates in hints read the same in every time zone. */
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function hintsFor({ before, after }: ChainChange, at: number): ChainHint[] {
  const hints: ChainHint[] = [];
  const newLeaf = after.find((c) => c.role === "leaf");
  const newRoot = after.find((c) => c.role === "root");
  const oldLeaf = before?.find((c) => c.role === "leaf");
  const oldRoot = before?.find((c) => c.role === "root");
  const seenBefore = new Set(before?.map((c) => c.sha256));

  if (newRoot && !newRoot.isBuiltInRoot) {
    const was = oldRoot?.isBuiltInRoot ? " The old root was built in." : "";
    hints.push({
      id: "root-not-built-in",
      tone: "warning",
      text: `The new root "${newRoot.subject}" is not built into Firefox: it was added by an organisation or a user, as TLS interception requires.${was}`,
    });
  }
  for (const c of after) {
    if (c.role !== "intermediate" || c.known || seenBefore.has(c.sha256)) continue;
    hints.push({
      id: "unknown-issuer",
      tone: "warning",
      text: `The new issuer "${c.subject}" is not in the known set of intermediates: it reached the browser from a server, not from Firefox's store.`,
    });
  }
  if (oldLeaf) {
    if (oldLeaf.validity.end <= at) {
      hints.push({
        id: "old-leaf-expiring",
        tone: "info",
        text: `The old site certificate had expired (${day(oldLeaf.validity.end)}) when the chain changed: a routine renewal is likely.`,
      });
    } else if (oldLeaf.validity.end - at <= NEAR_EXPIRY_MS) {
      hints.push({
        id: "old-leaf-expiring",
        tone: "info",
        text: `The old site certificate was due to expire on ${day(oldLeaf.validity.end)}, within 30 days of the change: a routine renewal is likely.`,
      });
    }
  }
  if (oldLeaf && newLeaf) {
    if (oldLeaf.spkiSha256 === newLeaf.spkiSha256) {
      hints.push({
        id: "same-leaf-key",
        tone: "info",
        text: "The new site certificate has the same key (SPKI) as the old one: the site had its key certified again.",
      });
    }
    if (oldLeaf.issuer === newLeaf.issuer) {
      const [oldIssuer, newIssuer] = [before![1], after[1]];
      const sameKey = oldIssuer && newIssuer && oldIssuer.spkiSha256 === newIssuer.spkiSha256;
      hints.push(
        sameKey
          ? {
              id: "same-issuer",
              tone: "info",
              text: "The new site certificate has the same issuer as the old one, with the same key: the CA issued its intermediate certificate again.",
            }
          : {
              id: "same-issuer",
              tone: "warning",
              text: "The new site certificate names the same issuer as the old one, but the issuer's key differs: the CA may have a new key, or another certificate took its name.",
            },
      );
    }
  }
  return hints.sort((a, b) => (a.tone === b.tone ? 0 : a.tone === "warning" ? -1 : 1));
}

/**
 * The old and new chain side by side, with hints. `at`: when the change was seen (the history
 * event's time), so "near expiry" means near expiry then, not when the diff is read.
 */
export function diffChains(change: ChainChange, at: number): ChainDiff {
  return { rows: alignRows(change.before ?? [], change.after), hints: hintsFor(change, at) };
}
