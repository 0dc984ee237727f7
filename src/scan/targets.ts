/**
 * What `npm run scan` is asked to scan: `host`, `host:port`, `[ipv6]:port` or an `https://` URL,
 * given on the command line or one per line in a hosts file. A target that does not parse is not
 * a usage error: it becomes a row of its own with the reason, and the rest of the list goes on.
 */

/** Why a host could not be scanned, in the form Node reports connection errors (code + message). */
export interface ScanError {
  code: string;
  message: string;
}

export interface ScanTarget {
  /** Host name (lowercase, IDN as punycode, as sent in SNI) or IP address (IPv6 without brackets). */
  host: string;
  port: number;
}

export type ParsedTarget = { ok: true; target: ScanTarget } | { ok: false; error: ScanError };

export const DEFAULT_PORT = 443;
/** A hosts file is read whole: larger than this, it is refused before reading. */
export const MAX_HOSTS_FILE_BYTES = 16 * 1024 * 1024;
/** A line longer than this is a row with an error, not a target (no host name is this long). */
export const MAX_TARGET_LENGTH = 2048;

const INVALID = "EINVALIDTARGET";
/** An RFC 1123 label; "_" too, since some real host names carry one. */
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

const invalid = (message: string): ParsedTarget => ({ ok: false, error: { code: INVALID, message } });

/**
 * @example parseTarget("example.com")                  // → { ok: true, target: { host: "example.com", port: 443 } }
 *          parseTarget("https://[::1]:8443/status")    // → { ok: true, target: { host: "::1", port: 8443 } }
 *          parseTarget("exa mple.com")                 // → { ok: false, error: { code: "EINVALIDTARGET", … } }
 */
export function parseTarget(input: string): ParsedTarget {
  const text = input.trim();
  if (text === "") return invalid("empty target");
  if (text.length > MAX_TARGET_LENGTH) return invalid(`target longer than ${MAX_TARGET_LENGTH} characters`);
  // URL drops tabs and line breaks wherever they are ("example.com\t8443" would be example.com8443): refused like a space.
  if (/[\t\n\r]/.test(text)) return invalid(`not a host name, host:port or https:// URL: ${text}`);
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (isUrl && !/^https:\/\//i.test(text)) return invalid(`only https:// URLs can be scanned: ${text}`);

  let url: URL;
  try {
    url = new URL(isUrl ? text : `https://${text}`);
  } catch {
    return invalid(`not a host name, host:port or https:// URL: ${text}`);
  }
  // Without a scheme the input must be exactly host[:port]: a path or query there is a typo, not a URL.
  if (!isUrl && (url.pathname !== "/" || url.search || url.hash || text.includes("/") || text.includes("@"))) {
    return invalid(`not a host name or host:port: ${text} (a URL needs https://)`);
  }
  if (url.username || url.password) return invalid(`a URL with credentials is not scanned: ${url.host}`);

  const port = url.port === "" ? DEFAULT_PORT : Number(url.port);
  if (port === 0) return invalid(`port 0 cannot be connected to: ${text}`);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const isIpv4 = /^\d+\.\d+\.\d+\.\d+$/.test(host); // URL has already normalised and range-checked it
  if (!isIpv4 && !host.includes(":")) {
    const name = host.endsWith(".") ? host.slice(0, -1) : host;
    if (name.length > 253 || !name.split(".").every((label) => LABEL.test(label))) return invalid(`not a valid host name: ${host}`);
  }
  return { ok: true, target: { host, port } };
}

/**
 * The targets in a hosts file: one per line, `#` starts a comment (at the start of a line or
 * after a space), blank lines are ignored.
 */
export function targetsInText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "");
}

/** "host:port" as people write it: IPv6 in brackets. */
export function formatTarget({ host, port }: ScanTarget): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
