/** Short names for certificates and their roles, as the explanations and the views use them. */
import type { EntrySource } from "./blocklist";
import type { CertificateRole, Level } from "./verdict";

/**
 * The most recognisable part of a display DN such as Firefox's "O=FFProbe,CN=localhost":
 * the CN, else the O, else the whole string.
 *
 * @example commonName("O=FFProbe,CN=Probe Intermediate") // → "Probe Intermediate"
 */
export function commonName(dn: string): string {
  const pick = (attr: string) => new RegExp(`(?:^|[,/]\\s*)${attr}=((?:\\\\,|[^,])+)`).exec(dn)?.[1]?.trim();
  return pick("CN") ?? pick("O") ?? (dn || "(no name)");
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
