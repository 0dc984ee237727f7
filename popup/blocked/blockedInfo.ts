import type { BlockedPageInfo } from "../../src/protocol";

const TEXT_FIELDS = ["url", "subject", "sha256", "role", "label", "source", "key", "keyLabel", "incident", "reference"] as const;

/**
 * Reads ?d=<encodeURIComponent(JSON.stringify(BlockedPageInfo))>. Anyone can open this page with any
 * query, so the shape is checked and every value is later rendered as text only.
 */
export function blockedInfoFromSearch(search: string): BlockedPageInfo | null {
  const raw = new URLSearchParams(search).get("d");
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  if (!TEXT_FIELDS.every((f) => typeof record[f] === "string") || typeof record.time !== "number") return null;
  return record as unknown as BlockedPageInfo;
}
