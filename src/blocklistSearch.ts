/**
 * The options page's blocklist search, one function for the background (background/messages.ts)
 * and the views' mock connector (popup/connect/mock.ts), so the tests' answers are the extension's.
 */
import type { BlocklistEntryView } from "./protocol";

/** Hex prefixes shorter than this would match by chance: a search for "ab" is about words. */
const MIN_HASH_PREFIX = 8;

/**
 * Entries whose label, incident and source hold every word of the query, or whose SHA-256, SHA-1
 * or SPKI hash starts with the query (colons and spaces ignored, any case); first `limit` of them.
 */
export function searchBlocklist(entries: readonly BlocklistEntryView[], query: string, limit = 50): { total: number; entries: BlocklistEntryView[] } {
  const needle = query.toLowerCase().replace(/[\s:]/g, "");
  const words = query.toLowerCase().match(/\S+/g) ?? [];
  const matches = entries.filter((e) => {
    const text = `${e.label} ${e.incident} ${e.source}`.toLowerCase();
    return words.every((w) => text.includes(w)) || (needle.length >= MIN_HASH_PREFIX && [e.sha256, e.sha1, e.spkiSha256].some((h) => h?.startsWith(needle)));
  });
  return { total: matches.length, entries: matches.slice(0, limit) };
}
