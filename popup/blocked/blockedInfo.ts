/**
 * The block page's address: `?id=<id>` and nothing else. Anyone can open the page with any query,
 * so only an id of the shape the background makes is used (the background then has the details,
 * or answers null for an id it never made).
 */
const ID = /^[0-9a-f-]{8,64}$/;

export function blockedPageId(search: string): string | null {
  const id = new URLSearchParams(search).get("id");
  return id && ID.test(id) ? id : null;
}
