/** What more than one rule needs; rules share through here, never by importing each other. */
import { MATCH_KEY_LABEL, type BlocklistMatch } from "../blocklist";
import type { MatchedEntry } from "../verdict";

/** A blocklist match as a finding reports it. */
export function matchedEntry({ entry, key }: BlocklistMatch): MatchedEntry {
  const { id, source, label, incident, reference } = entry;
  return { id, source, label, incident, reference, key, keyLabel: MATCH_KEY_LABEL[key] };
}
