/** Short names for certificates and their roles, as the explanations and the views use them. */
import type { EntrySource } from "./blocklist";
import type { CertificateRole, Level } from "./verdict";

/** `attr=` at the start or after a separator; the value quoted (escapes inside) or up to the next `,` or `+`. */
const attributePattern = (attr: string) => new RegExp(`(?:^|[,+/])\\s*${attr}=("(?:\\\\.|[^"\\\\])*"|(?:\\\\.|[^,+])+)`);
const CN = attributePattern("CN");
const O = attributePattern("O");

/**
 * The most recognisable part of a display DN such as Firefox's "O=FFProbe,CN=localhost":
 * the CN, else the O, else the whole string. Firefox (NSS) puts a value holding `,` or `+` in double
 * quotes (`O="Entrust, Inc."`) and separates the values of one RDN with `+`; `"` and `\` are escaped.
 *
 * @example commonName("O=FFProbe,CN=Probe Intermediate") // → "Probe Intermediate"
 */
export function commonName(dn: string): string {
  return attributeValue(dn, CN) ?? attributeValue(dn, O) ?? (dn || "(no name)");
}

function attributeValue(dn: string, pattern: RegExp): string | undefined {
  const value = pattern.exec(dn)?.[1];
  if (value === undefined) return undefined;
  const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
  return (quoted ? value.slice(1, -1) : value).replace(/\\([",+\\])/g, "$1").trim();
}

export function roleOf(index: number, length: number): CertificateRole {
  if (index === 0) return "leaf";
  return index === length - 1 ? "root" : "intermediate";
}

export const ROLE_NAME: Record<CertificateRole, string> = {
  leaf: "site certificate",
  intermediate: "intermediate certificate",
  root: "root certificate",
};

export const SOURCE_NAME: Record<EntrySource, string> = {
  flame: "Flame (Microsoft Security Advisory 2718704)",
  chromium: "Chromium blocklist",
  onecrl: "Mozilla OneCRL",
  policy: "enterprise policy",
  feed: "your organisation's signed feed",
  user: "your own blocklist",
};

/** A verdict level in one word, as the popup's badges and banners show it. */
export const LEVEL_WORD: Record<Level, string> = { ok: "OK", notice: "Notice", warning: "Warning", blocked: "Blocked" };

/**
 * A verdict level as the toolbar button's tooltip says it: there, beside no other detail, "OK"
 * alone would not say that nothing at all was found.
 */
export const LEVEL_SUMMARY: Record<Level, string> = { ...LEVEL_WORD, ok: "No problems found" };
