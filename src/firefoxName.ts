/**
 * A DER Name as Firefox shows it in `subject` and `issuer` (nsIX509Cert.subjectName/issuerName):
 * NSS's CERT_NameToAscii in its readable mode (lib/certdb/alg1485.c), e.g. "O=FFProbe,CN=localhost".
 * RDNs last first (RFC 4514 order), "," between RDNs and "+" between the values of one, no spaces;
 * NSS's attribute names, "OID.n.n…" for the others; a value that needs it in double quotes, with
 * `"` and `\` escaped and control bytes as `\xx`; a value NSS cannot decode as a string in `#HEX`
 * form; values longer than NSS allows for their attribute cut with "...".
 */
import { decodeOid, readTlv, type Tlv } from "./der";

/** NSS's name2kinds table: attribute OID → name and the longest value (escaped bytes) it shows. */
const ATTRIBUTES: Record<string, [name: string, maxBytes: number]> = {
  "2.5.4.3": ["CN", 640],
  "2.5.4.8": ["ST", 128],
  "2.5.4.10": ["O", 128],
  "2.5.4.11": ["OU", 128],
  "2.5.4.46": ["dnQualifier", 32767],
  "2.5.4.6": ["C", 2],
  "2.5.4.5": ["serialNumber", 64],
  "2.5.4.7": ["L", 128],
  "2.5.4.12": ["title", 64],
  "2.5.4.4": ["SN", 64],
  "2.5.4.42": ["givenName", 64],
  "2.5.4.43": ["initials", 64],
  "2.5.4.44": ["generationQualifier", 64],
  "0.9.2342.19200300.100.1.25": ["DC", 128],
  "0.9.2342.19200300.100.1.3": ["MAIL", 256],
  "0.9.2342.19200300.100.1.1": ["UID", 256],
  "2.5.4.16": ["postalAddress", 128],
  "2.5.4.17": ["postalCode", 40],
  "2.5.4.18": ["postOfficeBox", 40],
  "2.5.4.51": ["houseIdentifier", 64],
  "1.2.840.113549.1.9.1": ["E", 128],
  "2.5.4.9": ["STREET", 128],
  "2.5.4.65": ["pseudonym", 64],
  "1.3.6.1.4.1.311.60.2.1.1": ["incorporationLocality", 128],
  "1.3.6.1.4.1.311.60.2.1.2": ["incorporationState", 128],
  "1.3.6.1.4.1.311.60.2.1.3": ["incorporationCountry", 2],
  "2.5.4.15": ["businessCategory", 64],
  "2.5.4.41": ["name", 64],
};
/** An attribute NSS has no name for: no limit of its own, only its 2,048-byte buffer. */
const UNNAMED_MAX_BYTES = 32767;
const AVA_BUFFER = 2048;
/** Half the buffer less "=" and the NUL: the most a long name and a long value each get. */
const FAIR_SHARE = AVA_BUFFER / 2 - 1;

// Made when used: a module-level encoder would need TextEncoder before a test environment provides it.
const utf8 = (text: string) => new TextEncoder().encode(text);
/** A code point's UTF-8 bytes as NSS writes them: a surrogate too (3 bytes, which Firefox shows as 3 U+FFFD). */
function utf8Sequence(p: number): number[] {
  if (p < 0x80) return [p];
  if (p < 0x800) return [0xc0 | (p >> 6), 0x80 | (p & 0x3f)];
  if (p < 0x10000) return [0xe0 | (p >> 12), 0x80 | ((p >> 6) & 0x3f), 0x80 | (p & 0x3f)];
  return [0xf0 | (p >> 18), 0x80 | ((p >> 12) & 0x3f), 0x80 | ((p >> 6) & 0x3f), 0x80 | (p & 0x3f)];
}
const DOUBLE_QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const isOptionalSpace = (c: number) => c === 0x20 || c === 0x0d || c === 0x0a;
const needsHexEscape = (c: number) => c < 0x20 || c === 0x7f;
const needsEscape = (c: number) => c === DOUBLE_QUOTE || c === BACKSLASH;
/** `, = + < > # ;` (`"`, `\` and CR/LF are escaped before this is asked). */
const isSpecial = (c: number) => [0x2c, 0x3d, 0x2b, 0x3c, 0x3e, 0x23, 0x3b].includes(c);

/** The string types NSS decodes (CERT_DecodeAVAValue), as UTF-8; null for any other: shown as hex. */
function decodeValue(buf: Uint8Array, value: Tlv): Uint8Array | null {
  const content = buf.subarray(value.content, value.end);
  switch (value.tag) {
    case 0x0c: // UTF8String, taken as is
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return content;
    case 0x14: // TeletexString, read as ISO-8859-1 by common practice
      return utf8(String.fromCharCode(...content));
    case 0x1e: // BMPString: NSS refuses an odd length or an unpaired surrogate, and keeps a BOM
      try {
        return utf8(new TextDecoder("utf-16be", { fatal: true, ignoreBOM: true }).decode(content));
      } catch {
        return null;
      }
    case 0x1c: {
      // UniversalString
      if (content.length % 4) return null;
      const view = new DataView(content.buffer, content.byteOffset, content.length);
      const points = Array.from({ length: content.length / 4 }, (_, i) => view.getUint32(i * 4));
      return points.every((p) => p <= 0x10ffff) ? Uint8Array.from(points.flatMap(utf8Sequence)) : null;
    }
    default:
      return null;
  }
}

/** Whether NSS puts the value in quotes (cert_RFC1485_GetRequiredLen, quoting allowed). */
function needsQuotes(value: Uint8Array): boolean {
  let last = 0;
  for (const c of value) {
    if (!needsHexEscape(c) && !needsEscape(c) && (isSpecial(c) || (isOptionalSpace(c) && isOptionalSpace(last)))) return true;
    last = c;
  }
  return value.length > 0 && (isOptionalSpace(value[0]) || isOptionalSpace(value[value.length - 1]));
}

/** NSS's escapeAndQuote: quotes if `quoting` and the value needs them; `"` and `\` escaped; control bytes as \xx. */
function escapeValue(value: Uint8Array, quoting: boolean): number[] {
  const quoted = quoting && needsQuotes(value);
  const out: number[] = quoted ? [DOUBLE_QUOTE] : [];
  for (const c of value) {
    if (needsHexEscape(c)) out.push(BACKSLASH, ...utf8(c.toString(16).padStart(2, "0")));
    else out.push(...(needsEscape(c) ? [BACKSLASH, c] : [c]));
  }
  if (quoted) out.push(DOUBLE_QUOTE);
  return out;
}

/** One attribute as NSS's AppendAVA writes it in readable mode, as UTF-8 bytes. */
function attributeText(buf: Uint8Array, ava: Tlv): number[] {
  const typeTlv = readTlv(buf, ava.content, ava.end, "AttributeType");
  const valueTlv = readTlv(buf, typeTlv.end, ava.end, "AttributeValue");
  const oid = decodeOid(buf, typeTlv);
  const [name, maxBytes] = ATTRIBUTES[oid] ?? [`OID.${oid}`, UNNAMED_MAX_BYTES];
  const decoded = decodeValue(buf, valueTlv);
  const hex = decoded
    ? null
    : utf8(
        `#${Array.from(buf.subarray(valueTlv.start, valueTlv.end), (b) => b.toString(16).padStart(2, "0"))
          .join("")
          .toUpperCase()}`,
      );
  const full = hex ? Array.from(hex) : escapeValue(decoded!, true);
  // What fits NSS's buffer: the value cut (room for name, "=", "...", a quote and its NUL); the name (an
  // OID) cut when it takes half the buffer, and the value too when both do. Then the attribute's own limit.
  let [maxName, maxValue] = [name.length, Infinity];
  if (full.length + name.length + 2 > AVA_BUFFER) {
    if (name.length < FAIR_SHARE) maxValue = AVA_BUFFER - (name.length + 6);
    else if (full.length < FAIR_SHARE) maxName = AVA_BUFFER - (full.length + 5);
    else maxName = maxValue = FAIR_SHARE - 3;
  }
  maxValue = Math.min(maxBytes, maxValue);
  const nameBytes = Array.from(utf8(`${name.length > maxName ? `${name.slice(0, maxName - 3)}...` : name}=`));
  if (full.length <= maxValue) return [...nameBytes, ...full];
  // NSS writes "..." over the last 3 bytes kept: under a 2-byte limit (C), over the "=" too.
  if (hex) return [...[...nameBytes, ...full.slice(0, maxValue)].slice(0, -3), DOT, DOT, DOT];
  // Cut: the first maxValue bytes escaped again (quoted if both they and the whole value need it), cut to
  // maxValue bytes, trailing UTF-8 continuation bytes dropped (NSS keeps a lead byte: Firefox then
  // shows U+FFFD), and "..." (and the closing quote).
  const cut = escapeValue(decoded!.subarray(0, maxValue), needsQuotes(decoded!)).slice(0, maxValue);
  while (cut.length > 1 && (cut[cut.length - 1] & 0xc0) === 0x80) cut.pop();
  return [...nameBytes, ...cut, DOT, DOT, DOT, ...(cut[0] === DOUBLE_QUOTE ? [DOUBLE_QUOTE] : [])];
}

/** `name`: the full DER encoding of a Name (tag and length included), e.g. DerCertificate.subject. */
export function firefoxNameString(name: Uint8Array): string {
  const sequence = readTlv(name, 0, name.length, "Name");
  const rdns: number[][] = [];
  for (let pos = sequence.content; pos < sequence.end;) {
    const rdn = readTlv(name, pos, sequence.end, "RelativeDistinguishedName");
    const avas: number[][] = [];
    for (let at = rdn.content; at < rdn.end;) {
      const ava = readTlv(name, at, rdn.end, "AttributeTypeAndValue");
      avas.push(attributeText(name, ava));
      at = ava.end;
    }
    rdns.push(avas.flatMap((a, i) => (i ? [0x2b, ...a] : a)));
    pos = rdn.end;
  }
  const bytes = rdns.reverse().flatMap((r, i) => (i ? [0x2c, ...r] : r));
  // nsNSSCertificate converts NSS's UTF-8 lossily: invalid sequences become U+FFFD.
  return new TextDecoder().decode(Uint8Array.from(bytes));
}
