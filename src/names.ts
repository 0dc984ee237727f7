/** Short names for certificates and their roles, as the explanations and the views use them. */
import type { EntrySource } from "./blocklist";
import type { CertificateRole } from "./verdict";

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
