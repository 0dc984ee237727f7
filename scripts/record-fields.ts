/**
 * Strict readers for the fields of source records (Mozilla's Remote-Settings dumps, the Chromium
 * and Flame sources): a value of the wrong type or a non-canonical encoding stops the script with a
 * message naming where it is, so a typo can never become a hash or a name that silently matches
 * nothing. Shared by `npm run blocklist` and `npm run feed`.
 */
// @peculiar/x509 (through tsyringe) needs a Reflect polyfill before it is loaded.
import "@abraham/reflection";
import { Name } from "@peculiar/x509";
import { base64ToBytes } from "../src/encoding";

export function fail(message: string): never {
  throw new Error(message);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== "string") fail(`${where}: "${key}" must be a string`);
  return v;
}

/** Strict base64 (the alphabet, padding, and a canonical encoding), so a typo cannot become a hash. */
export function b64(value: string, where: string, bytes?: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = base64ToBytes(value);
  } catch {
    fail(`${where}: not base64: ${JSON.stringify(value)}`);
  }
  if (out.length === 0 || Buffer.from(out).toString("base64") !== value) fail(`${where}: not canonical base64: ${JSON.stringify(value)}`);
  if (bytes !== undefined && out.length !== bytes) fail(`${where}: expected ${bytes} bytes, got ${out.length}`);
  return out;
}

/** A DER Name's RDNs, most specific first. */
export function rdns(der: Uint8Array, what: string): ReturnType<Name["toJSON"]> {
  try {
    return new Name(new Uint8Array(der)).toJSON().reverse();
  } catch (e) {
    fail(`${what}: cannot decode the X.501 name: ${(e as Error).message}`);
  }
}

/** A DER Name as Firefox shows it: most specific first, RFC 4514 escaping ("CN=…, O=…, C=…"). */
export function dnString(der: Uint8Array, what: string): string {
  return new Name(rdns(der, what)).toString();
}
