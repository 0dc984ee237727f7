/** Small formatting helpers shared by the views. */

const pad = (n: number) => String(n).padStart(2, "0");

/** Local time as "2026-11-24 16:21:13": sortable and unambiguous for analysts. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "20261124-162113", for file names. */
export function fileStamp(ms: number): string {
  return formatTime(ms).replace(/[-:]/g, "").replace(" ", "-");
}

export function hostOf(url: string | null | undefined): string {
  if (!url) return "";
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** crt.sh looks certificates up by SHA-256 as plain hex. */
export function crtShUrl(sha256: string): string {
  return `https://crt.sh/?sha256=${sha256.replaceAll(":", "").toUpperCase()}`;
}

/** "Intermediate not known…" → "intermediate not known…", but "SHA-1 …" stays. */
export function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The page's ?tabId=N, or null. */
export function tabIdFromSearch(search: string): number | null {
  const raw = new URLSearchParams(search).get("tabId");
  const id = raw === null ? NaN : Number(raw);
  return Number.isInteger(id) && id >= 0 ? id : null;
}
