/**
 * The chain analyzer: SecurityInfo (+ lists, + now) → Verdict.
 *
 * Built for the blocking listener, where every microsecond delays a response:
 * - a chain already analysed is answered from a bounded verdict cache keyed by Firefox's own
 *   SHA-256 strings (no normalisation, no parsing) until one of its certificates changes validity;
 * - a certificate already seen is never looked at again: its facts (blocklist matches, known-store
 *   membership, key and signature from a minimal DER walk) sit in a bounded cache by SHA-256;
 * - `needsRawDer` tells the caller whether asking Firefox for the (costly) rawDER is worth it.
 * Nothing here throws on bad input: unreadable DER is a finding, and a rule that throws becomes an
 * "analysis error" finding.
 */
import { Blocklist, type BlocklistEntry, type CompiledIndex } from "./blocklist";
import { readCertificate } from "./der";
import { base64ToBytes, bytesToBase64, bytesToHex, colonHexToHex, normalizeSerialHex } from "./encoding";
import { errorMessage } from "./errorMessage";
import { parseFingerprint } from "./fingerprint";
import { LruCache } from "./lru";
import { roleOf } from "./names";
import { RULES } from "./rules";
import { ANALYSIS_ERROR_RULE } from "./rules/ids";
import type { AnalysedCertificate, CertificateFacts, ChainFacts } from "./rules/rule";
import type { RuleRegistry } from "./rules/registry";
import type { FirefoxCertificate, SecurityInfo } from "./securityInfo";
import { NO_LISTS, type AllowlistEntry, type AnalyzerLists, type CustomBlocklistEntry } from "./settings";
import { LEVEL_RANK, worstLevel, type ChainCertificate, type Finding, type Verdict } from "./verdict";

export interface AnalyzerOptions {
  /** Certificates whose facts are kept (default 4096: a few MB at most). */
  certificateCacheSize?: number;
  /**
   * Leaves whose verdicts are kept (default 8192: ~2 KB each, so at most ~17 MB; large enough that
   * a long session's hosts are answered from the cache rather than analysed again).
   */
  verdictCacheSize?: number;
  rules?: RuleRegistry;
}

interface CachedVerdict {
  /** The chain it answers for: Firefox's SHA-256 string and isBuiltInRoot of each certificate, leaf first. */
  sha256: string[];
  builtInRoot: boolean[];
  /** A connection with an overridden certificate error is judged differently (see ChainFacts). */
  overriddenError: string | null;
  verdict: Verdict;
  /** The verdict holds until a certificate in the chain becomes valid or expires. */
  validUntil: number;
  validFrom: number;
}

/**
 * The display strings Firefox gave for a certificate when its facts were first cached. Verdicts
 * copy these rather than the strings of the response being analysed (equal, since both are derived
 * from the same bytes), so the many cached verdicts that share an intermediate or a root share its
 * strings instead of each keeping its own copy.
 */
interface Shown {
  subject: string;
  issuer: string;
  sha256: string;
  sha1: string;
  spkiSha256: string;
  serialNumber: string;
}

/** `canonical` when it is equal to `value` (always, for the same certificate), else `value`. */
const shared = (canonical: string | undefined, value: string) => (canonical === value ? canonical : value);

/** A leaf is presented with one chain, rarely a few (cross-signed roots): chains kept per leaf. */
const CHAINS_PER_LEAF = 4;

const CUSTOM_INCIDENT: Record<CustomBlocklistEntry["source"], string> = {
  policy: "Listed by your organisation's policy",
  feed: "Listed by a signed feed of your organisation",
  user: "Listed in your own blocklist",
};

function customEntry(e: CustomBlocklistEntry, i: number): BlocklistEntry {
  const key = e.sha256 ?? e.spkiSha256 ?? e.sha1 ?? e.issuerSerial?.serial ?? e.subjectSpki?.spkiSha256 ?? "";
  return {
    id: `${e.source}:${i}`,
    source: e.source,
    label: e.label ?? `Entry ${key.slice(0, 16)}…`,
    incident: e.reason ?? CUSTOM_INCIDENT[e.source],
    reference: e.reference ?? "",
    enforced: true,
    ...(e.sha256 && { sha256: e.sha256 }),
    ...(e.sha1 && { sha1: e.sha1 }),
    ...(e.spkiSha256 && { spkiSha256: e.spkiSha256 }),
    ...(e.issuerSerial && { issuerSerial: e.issuerSerial }),
    ...(e.subjectSpki && { subjectSpki: e.subjectSpki }),
  };
}

/** The same entry with its fingerprints in canonical form (lowercase hex) and a source. */
function canonicalKeys<T extends { sha256?: string; sha1?: string; spkiSha256?: string; source?: CustomBlocklistEntry["source"] }>(
  entry: T,
): T & { source: CustomBlocklistEntry["source"] } {
  const out = { ...entry, source: entry.source ?? "user" };
  for (const key of ["sha256", "sha1", "spkiSha256"] as const) {
    if (out[key] === undefined) continue;
    const parsed = parseFingerprint(out[key], key);
    if (parsed.ok) out[key] = parsed.value;
    else delete out[key];
  }
  return out;
}

const hasKey = (e: CustomBlocklistEntry) => Boolean(e.sha256 || e.sha1 || e.spkiSha256 || e.issuerSerial || e.subjectSpki);

export class ChainAnalyzer {
  readonly blocklist: Blocklist;
  readonly blocklistVersion: string;
  readonly #known: Set<string>;
  readonly #rules: RuleRegistry;
  readonly #facts: LruCache<string, CertificateFacts>;
  readonly #shown = new WeakMap<CertificateFacts, Shown>();
  /**
   * Verdicts by the leaf's SHA-256 string as Firefox sends it, then by the whole chain. Keying by one
   * string Firefox already made (rather than by a key built from the whole chain) makes a cache hit a
   * hash of that string and a few string comparisons, with nothing allocated.
   */
  readonly #verdicts: LruCache<string, CachedVerdict[]>;
  #custom = new Blocklist([]);
  #allowBySha256 = new Map<string, AllowlistEntry>();
  #allowBySpki = new Map<string, AllowlistEntry>();
  #knownAdded: ReadonlySet<string> = new Set();
  #lists: AnalyzerLists = NO_LISTS;

  /**
   * @example const analyzer = new ChainAnalyzer(index, { allowlist: [{ sha256: "AB:CD:…", label: "Corp root" }] });
   *          const verdict = analyzer.analyze(securityInfo); // → { level: "ok" | "notice" | "warning" | "blocked", findings, chain, … }
   */
  constructor(index: CompiledIndex, lists: Partial<AnalyzerLists> = NO_LISTS, options: AnalyzerOptions = {}) {
    this.blocklist = Blocklist.fromIndex(index);
    this.blocklistVersion = index.version;
    this.#known = new Set(index.knownIntermediates.sha256);
    this.#rules = options.rules ?? RULES;
    this.#facts = new LruCache(options.certificateCacheSize ?? 4096);
    this.#verdicts = new LruCache(options.verdictCacheSize ?? 8192);
    this.setLists(lists);
  }

  /**
   * Applies new enterprise, feed and user lists. Fingerprints may be in any form parseFingerprint
   * accepts (colons, case, SPKI in base64); a key that is not a fingerprint is ignored. Certificate
   * facts stay cached (they do not depend on the lists); verdicts are recomputed.
   */
  setLists(lists: Partial<AnalyzerLists>): void {
    this.#lists = { allowlist: lists.allowlist ?? [], blocklist: lists.blocklist ?? [], knownIntermediates: lists.knownIntermediates ?? [] };
    const blocklist = (lists.blocklist ?? []).map(canonicalKeys);
    const allowlist = (lists.allowlist ?? []).map(canonicalKeys);
    this.#custom = new Blocklist(blocklist.filter(hasKey).map(customEntry));
    this.#allowBySha256 = new Map(allowlist.filter((e) => e.sha256).map((e) => [e.sha256!, e]));
    this.#allowBySpki = new Map(allowlist.filter((e) => e.spkiSha256).map((e) => [e.spkiSha256!, e]));
    this.#knownAdded = new Set(lists.knownIntermediates ?? []);
    this.#verdicts.clear();
  }

  /** The lists last applied, as given to setLists: another analyzer given them decides alike. */
  get lists(): AnalyzerLists {
    return this.#lists;
  }

  /** The enterprise, feed and user entries in force (the bundled ones are in `blocklist`). */
  get customEntries(): readonly BlocklistEntry[] {
    return this.#custom.entries;
  }

  /** How many intermediates count as known: the bundled snapshot plus the feeds' additions not in it. */
  get knownIntermediateCount(): number {
    let added = 0;
    for (const sha256 of this.#knownAdded) if (!this.#known.has(sha256)) added++;
    return this.#known.size + added;
  }

  /** True when some certificate of the chain has never been seen, so its bytes are worth fetching. */
  needsRawDer(info: SecurityInfo | undefined): boolean {
    const certificates = Array.isArray(info?.certificates) ? info.certificates : [];
    if (this.#cached(certificates, overriddenErrorOf(info))) return false;
    return certificates.some((c) => {
      const facts = this.#facts.get(c?.fingerprint?.sha256);
      return !facts || (!facts.der && !facts.derError);
    });
  }

  /** Analyses one presented chain. Never throws. */
  analyze(info: SecurityInfo | undefined, now: number = Date.now()): Verdict {
    const certificates = Array.isArray(info?.certificates) ? info.certificates : [];
    const overriddenError = overriddenErrorOf(info);
    const cached = this.#cached(certificates, overriddenError);
    if (cached && now >= cached.validFrom && now < cached.validUntil) return cached.verdict;

    const findings: Finding[] = [];
    const analysed = this.#analyseEach(certificates, findings);
    this.#applyRules(
      {
        certificates: analysed,
        chainLength: certificates.length,
        now,
        endsAtBuiltInRoot: certificates[certificates.length - 1]?.isBuiltInRoot === true,
        overriddenError,
      },
      findings,
    );
    findings.sort((a, b) => LEVEL_RANK[b.severity] - LEVEL_RANK[a.severity] || (a.certIndex ?? -1) - (b.certIndex ?? -1));

    const verdict: Verdict = {
      level: worstLevel(findings.map((f) => f.severity)),
      findings,
      chain: this.#chainEntries(certificates, analysed, findings),
      blocklistVersion: this.blocklistVersion,
      analyzedAt: now,
    };
    // Only cache what was fully analysed: a certificate seen without its bytes is looked at again.
    if (analysed.length === certificates.length && analysed.every((c) => c.facts.der || c.facts.derError)) {
      this.#remember(certificates, overriddenError, verdict, now);
    }
    return verdict;
  }

  /** Each certificate's facts and list matches; one that cannot be analysed becomes a finding. */
  #analyseEach(certificates: readonly FirefoxCertificate[], findings: Finding[]): AnalysedCertificate[] {
    const analysed: AnalysedCertificate[] = [];
    // A loop, not forEach: a hole in the array is a certificate too (reported, not skipped).
    for (let index = 0; index < certificates.length; index++) {
      try {
        analysed.push(this.#analyseCertificate(certificates[index], index, certificates.length));
      } catch (error) {
        findings.push(analysisError(`certificate ${index} could not be analysed`, error, index));
      }
    }
    return analysed;
  }

  /** Adds every rule's findings on `chain`; a rule that throws becomes an "analysis error" finding. */
  #applyRules(chain: ChainFacts, findings: Finding[]): void {
    for (const rule of this.#rules.all()) {
      try {
        for (const hit of rule.check(chain)) {
          findings.push({
            ruleId: rule.id,
            severity: hit.severity ?? rule.severity,
            certIndex: hit.certIndex,
            title: hit.title ?? rule.title,
            explanation: hit.explanation ?? rule.explanation,
            reference: hit.reference ?? rule.reference,
            ...(hit.match && { match: hit.match }),
          });
        }
      } catch (error) {
        findings.push(analysisError(`rule "${rule.id}" failed`, error, null));
      }
    }
  }

  /**
   * One entry per presented certificate, in place, even for one that could not be analysed:
   * findings (certIndex) and the stored DER are indexed by position in this chain.
   */
  #chainEntries(certificates: readonly FirefoxCertificate[], analysed: readonly AnalysedCertificate[], findings: readonly Finding[]): ChainCertificate[] {
    return Array.from(certificates, (cert, index) => {
      const c = analysed.find((a) => a.index === index);
      if (!c) return unanalysedEntry(cert, index, certificates.length, [...new Set(findings.filter((f) => f.certIndex === index).map((f) => f.ruleId))]);
      const shown = this.#shown.get(c.facts);
      return {
        index: c.index,
        role: c.role,
        subject: shared(shown?.subject, c.info.subject),
        issuer: shared(shown?.issuer, c.info.issuer),
        sha256: shared(shown?.sha256, c.info.fingerprint.sha256),
        sha1: shared(shown?.sha1, c.info.fingerprint.sha1),
        spkiSha256: shared(shown?.spkiSha256, c.info.subjectPublicKeyInfoDigest.sha256),
        serialNumber: shared(shown?.serialNumber, c.info.serialNumber),
        validity: { start: c.info.validity.start, end: c.info.validity.end },
        isBuiltInRoot: c.info.isBuiltInRoot === true,
        known: c.known,
        allowlisted: c.allowlisted !== null,
        flags: [...new Set(findings.filter((f) => f.certIndex === c.index).map((f) => f.ruleId))],
      };
    });
  }

  /** Caches `verdict` for this chain, beside the few other chains kept for the same leaf. */
  #remember(certificates: readonly FirefoxCertificate[], overriddenError: string | null, verdict: Verdict, now: number): void {
    const key = leafKey(certificates);
    const others = (this.#verdicts.get(key) ?? []).filter((e) => !isChainOf(e, certificates, overriddenError));
    const entry: CachedVerdict = {
      sha256: verdict.chain.map((c) => c.sha256), // the shared strings (see Shown), equal to the chain's
      builtInRoot: certificates.map((c) => Boolean(c.isBuiltInRoot)),
      overriddenError,
      verdict,
      ...validityWindow(certificates, now),
    };
    this.#verdicts.set(key, [entry, ...others].slice(0, CHAINS_PER_LEAF));
  }

  /** The cached verdict for exactly this chain (whatever its validity window), if any. */
  #cached(certificates: readonly FirefoxCertificate[], overriddenError: string | null): CachedVerdict | undefined {
    const entries = this.#verdicts.get(leafKey(certificates));
    if (!entries) return undefined;
    for (const e of entries) if (isChainOf(e, certificates, overriddenError)) return e;
    return undefined;
  }

  #analyseCertificate(info: FirefoxCertificate, index: number, length: number): AnalysedCertificate {
    checkShape(info);
    const facts = this.#factsOf(info);
    const custom = this.#custom.match(facts);
    return {
      index,
      role: roleOf(index, length),
      info,
      facts,
      matches: custom.length ? [...facts.bundledMatches, ...custom] : facts.bundledMatches,
      known: facts.known || this.#knownAdded.has(facts.sha256),
      allowlisted: this.#allowBySha256.get(facts.sha256) ?? this.#allowBySpki.get(facts.spkiSha256) ?? null,
    };
  }

  #factsOf(info: FirefoxCertificate): CertificateFacts {
    const cached = this.#facts.get(info.fingerprint.sha256);
    if (cached && (cached.der || cached.derError || !info.rawDER)) return cached;

    const sha256 = colonHexToHex(info.fingerprint.sha256);
    const spkiSha256 = bytesToHex(base64ToBytes(info.subjectPublicKeyInfoDigest.sha256));
    const facts: CertificateFacts = {
      sha256,
      sha1: colonHexToHex(info.fingerprint.sha1),
      spkiSha256,
      serial: normalizeSerialHex(colonHexToHex(info.serialNumber)),
      der: null,
      derError: null,
      known: this.#known.has(sha256),
      bundledMatches: [],
    };
    if (info.rawDER) {
      try {
        const der = readCertificate(info.rawDER instanceof Uint8Array ? info.rawDER : Uint8Array.from(info.rawDER));
        facts.der = { key: der.key, signatureAlgorithm: der.signatureAlgorithm, signatureHash: der.signatureHash };
        // Kept (a few hundred bytes) so enterprise/user issuer+serial entries added later still match.
        facts.issuer = bytesToBase64(der.issuer);
        facts.subject = bytesToBase64(der.subject);
      } catch (error) {
        facts.derError = errorMessage(error);
      }
    }
    facts.bundledMatches = this.blocklist.match(facts);
    this.#facts.set(info.fingerprint.sha256, facts);
    this.#shown.set(facts, {
      subject: info.subject,
      issuer: info.issuer,
      sha256: info.fingerprint.sha256,
      sha1: info.fingerprint.sha1,
      spkiSha256: info.subjectPublicKeyInfoDigest.sha256,
      serialNumber: info.serialNumber,
    });
    return facts;
  }
}

/** A certificate entry that failed the shape check: any field may be missing or of any type. */
type UntrustedCertificate = {
  [K in keyof FirefoxCertificate]?: FirefoxCertificate[K] extends object ? { [F in keyof FirefoxCertificate[K]]?: unknown } | null : unknown;
};

/** The chain entry of a certificate that could not be analysed: what Firefox gave, where usable. */
function unanalysedEntry(info: unknown, index: number, length: number, flags: string[]): ChainCertificate {
  const c = (info ?? {}) as UntrustedCertificate;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const time = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    index,
    role: roleOf(index, length),
    subject: text(c.subject),
    issuer: text(c.issuer),
    sha256: text(c.fingerprint?.sha256),
    sha1: text(c.fingerprint?.sha1),
    spkiSha256: text(c.subjectPublicKeyInfoDigest?.sha256),
    serialNumber: text(c.serialNumber),
    validity: { start: time(c.validity?.start), end: time(c.validity?.end) },
    isBuiltInRoot: c.isBuiltInRoot === true,
    known: false,
    allowlisted: false,
    flags,
  };
}

/** Firefox always sends these; anything else is reported rather than half-analysed. */
function checkShape(info: FirefoxCertificate): void {
  const missing = [
    typeof info?.fingerprint?.sha256 !== "string" && "fingerprint.sha256",
    typeof info?.fingerprint?.sha1 !== "string" && "fingerprint.sha1",
    typeof info?.subjectPublicKeyInfoDigest?.sha256 !== "string" && "subjectPublicKeyInfoDigest.sha256",
    typeof info?.serialNumber !== "string" && "serialNumber",
    typeof info?.validity?.start !== "number" && "validity.start",
    typeof info?.validity?.end !== "number" && "validity.end",
  ].filter(Boolean);
  if (missing.length) throw new Error(`missing ${missing.join(", ")}`);
}

/** Firefox's overridableErrorCategory, when a certificate error was overridden for the connection. */
function overriddenErrorOf(info: SecurityInfo | undefined): string | null {
  const category = info?.overridableErrorCategory;
  return typeof category === "string" && category !== "" ? category : null;
}

/** The verdict cache's key: the leaf's SHA-256 string ("" for an empty chain or a leaf without one). */
function leafKey(certificates: readonly FirefoxCertificate[]): string {
  const sha256 = certificates[0]?.fingerprint?.sha256;
  return typeof sha256 === "string" ? sha256 : "";
}

/** Whether a cached verdict is for this chain: same certificates (by SHA-256), same built-in roots. */
function isChainOf(entry: CachedVerdict, certificates: readonly FirefoxCertificate[], overriddenError: string | null): boolean {
  if (entry.sha256.length !== certificates.length || entry.overriddenError !== overriddenError) return false;
  for (let i = 0; i < certificates.length; i++) {
    const c = certificates[i];
    if (entry.sha256[i] !== c?.fingerprint?.sha256 || entry.builtInRoot[i] !== Boolean(c?.isBuiltInRoot)) return false;
  }
  return true;
}

/** The span of time around `now` in which no certificate of the chain changes validity. */
function validityWindow(certificates: readonly FirefoxCertificate[], now: number): { validFrom: number; validUntil: number } {
  let validFrom = -Infinity;
  let validUntil = Infinity;
  for (const { validity } of certificates) {
    if (!validity) continue;
    // A certificate expires after its end (rules/expired.ts): in the next millisecond, since Firefox's times are whole milliseconds.
    for (const edge of [validity.start, validity.end + 1]) {
      if (edge > now) validUntil = Math.min(validUntil, edge);
      else validFrom = Math.max(validFrom, edge);
    }
  }
  return { validFrom, validUntil };
}

/**
 * A verdict for a response whose chain could not be judged at all (the listener failed before or
 * while analysing it): one analysis-error finding, no certificates.
 */
export function failedVerdict(what: string, error: unknown, blocklistVersion: string, now: number): Verdict {
  return { level: "warning", findings: [analysisError(what, error, null)], chain: [], blocklistVersion, analyzedAt: now };
}

function analysisError(what: string, error: unknown, certIndex: number | null): Finding {
  const message = errorMessage(error).slice(0, 300);
  return {
    ruleId: ANALYSIS_ERROR_RULE,
    severity: "warning",
    certIndex,
    title: "Analysis error",
    explanation:
      `Chain Sentry could not finish checking this chain: ${what} (${message}). ` +
      "In block mode such a response is stopped, since it could not be checked; in warn mode it passes. Please report it.",
    reference: "https://developer.mozilla.org/docs/Mozilla/Add-ons/WebExtensions/API/webRequest/getSecurityInfo",
  };
}
