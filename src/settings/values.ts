/** The checks of single values that settings are made of: choices, booleans, numbers, text, URLs. */
import { describeValue, type Check } from "./issues";

/** Control characters, line breaks above all: a token or header value must never split a header in two. */
export const CONTROL = /[\x00-\x1f\x7f]/;

const LOOPBACK = "127.0.0.0/8, ::1, localhost";

export function checkOneOf<T extends string>(value: unknown, choices: readonly T[]): Check<T> {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return { ok: true, value: value as T };
  const hint = typeof value === "string" && (choices as readonly string[]).includes(value.trim().toLowerCase()) ? " (values are lowercase)" : "";
  const quoted = choices.map((c) => `"${c}"`);
  return { ok: false, error: `expected ${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}, got ${describeValue(value)}${hint}` };
}

/** `registryNumbers`: also 1/0, as Group Policy (registry DWORD) delivers booleans. */
export function checkBoolean(value: unknown, registryNumbers: boolean): Check<boolean> {
  if (typeof value === "boolean") return { ok: true, value };
  if (registryNumbers && (value === 0 || value === 1)) return { ok: true, value: value === 1 };
  return { ok: false, error: `expected true or false${registryNumbers ? " (or 1/0 from a registry DWORD)" : ""}, got ${describeValue(value)}` };
}

export function checkWholeNumber(value: unknown, min: number, max: number): Check<number> {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max) return { ok: true, value };
  const asString = typeof value === "string" ? " (a JSON number, not a string)" : "";
  return { ok: false, error: `expected a whole number from ${min} to ${max}${asString}, got ${describeValue(value)}` };
}

/** One line of text of 1 to 200 characters (labels, device names). */
export function checkLabel(value: unknown): Check<string> {
  if (typeof value === "string" && value.trim() !== "" && value.length <= 200 && !CONTROL.test(value)) return { ok: true, value };
  return { ok: false, error: `expected one line of text of 1 to 200 characters, got ${describeValue(value)}` };
}

/** A server the background talks to for the organisation (a collector, a feed): https:, or http: to this computer. */
export function checkServiceUrl(value: unknown): Check<string> {
  const expected = `expected an https: URL, or http: to this computer (${LOOPBACK})`;
  if (typeof value !== "string") return { ok: false, error: `${expected}, got ${describeValue(value)}` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, error: `${expected}, got ${describeValue(value)}` };
  }
  // Not quoted back: the user name and password would be shown to users.
  if (url.username || url.password) return { ok: false, error: "must not hold a user name or password (put the credential in token or headers)" };
  if (url.protocol === "http:" && !isLoopback(url.hostname))
    return { ok: false, error: `http: is allowed only to this computer (${LOOPBACK}), got ${describeValue(value)}: use https:` };
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: `${expected}, got ${describeValue(value)}` };
  if (url.hash) return { ok: false, error: `must not have a fragment (#...), got ${describeValue(value)}` };
  return { ok: true, value: value.trim() };
}

/** The URL parser has already turned 127.1, 0x7f.0.0.1 and the like into dotted decimal. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
