/**
 * firefoxNameString against NSS itself: every expected string below is what NSS 3.87's
 * CERT_DerNameToAscii (the readable form Firefox shows as subject and issuer) returned for the same
 * DER, read as Firefox reads it (UTF-8, invalid bytes as U+FFFD). The tests say why each is so.
 */
import { firefoxNameString } from "../../src/firefoxName";
import { oid, seq, set, tlv } from "./support/derWriter";

const CN = "2.5.4.3";
const C = "2.5.4.6";
/** NSS shows at most 64 bytes of a title. */
const TITLE = "2.5.4.12";
/** An attribute NSS has no name for: "OID.1.2.3.4=", limited by NSS's 2,048-byte buffer only. */
const UNNAMED = "1.2.3.4";
const UTF8 = 0x0c;

/** A Name of one attribute: its type and its value's tag and content bytes. */
const nameOf = (type: string, tag: number, content: Uint8Array | string) =>
  seq(set(seq(oid(type), tlv(tag, typeof content === "string" ? new TextEncoder().encode(content) : content))));
const shown = (type: string, tag: number, content: Uint8Array | string) => firefoxNameString(nameOf(type, tag, content));

/** UTF-32BE (UniversalString) of these code points. */
function ucs4(...points: number[]): Uint8Array {
  const bytes = new Uint8Array(points.length * 4);
  points.forEach((p, i) => new DataView(bytes.buffer).setUint32(i * 4, p));
  return bytes;
}
/** UTF-16BE (BMPString) of these code units. */
function ucs2(...units: number[]): Uint8Array {
  const bytes = new Uint8Array(units.length * 2);
  units.forEach((u, i) => new DataView(bytes.buffer).setUint16(i * 2, u));
  return bytes;
}

describe("string types NSS converts, and the values it shows in hex instead", () => {
  test("a UniversalString is read as UTF-32 code points; one NSS cannot convert is shown in hex", () => {
    expect(shown(CN, 0x1c, ucs4(0x41, 0x42))).toBe("CN=AB");
    expect(shown(CN, 0x1c, ucs4(0x1f600))).toBe("CN=\u{1f600}");
    // The first and last code points of each UTF-8 length.
    expect(shown(CN, 0x1c, ucs4(0x61, 0x80, 0x7ff, 0x800, 0xffff, 0x10000))).toBe("CN=a\u0080\u07ff\u0800\uffff\u{10000}");
    // The last code point there is; one past it, or a length that is not whole code points, is hex.
    expect(shown(CN, 0x1c, ucs4(0x41, 0x10ffff))).toBe("CN=A\u{10ffff}");
    expect(shown(CN, 0x1c, ucs4(0x41, 0x110000))).toBe("CN=#1C080000004100110000");
    expect(shown(CN, 0x1c, Uint8Array.of(0, 0, 0, 0x41, 0))).toBe("CN=#1C050000004100");
    // NSS writes a surrogate code point as 3 bytes that are not UTF-8: Firefox shows 3 U+FFFD.
    expect(shown(CN, 0x1c, ucs4(0x41, 0xd800, 0x42))).toBe("CN=A\ufffd\ufffd\ufffdB");
  });

  test("a BMPString is read as UTF-16; an odd length or an unpaired surrogate is shown in hex, a BOM is kept", () => {
    expect(shown(CN, 0x1e, ucs2(0xd83d, 0xde00))).toBe("CN=\u{1f600}");
    expect(shown(CN, 0x1e, ucs2(0xfeff, 0x41))).toBe("CN=\ufeffA");
    expect(shown(CN, 0x1e, Uint8Array.of(0, 0x41, 0))).toBe("CN=#1E03004100");
    expect(shown(CN, 0x1e, ucs2(0x41, 0xd800, 0x42))).toBe("CN=#1E060041D8000042");
    expect(shown(CN, 0x1e, ucs2(0x41, 0xdc00))).toBe("CN=#1E040041DC00");
  });
});

describe("values longer than NSS shows", () => {
  test("a value over its attribute's limit keeps that many bytes, then '...'", () => {
    expect(shown(TITLE, UTF8, "a".repeat(64))).toBe(`title=${"a".repeat(64)}`);
    expect(shown(TITLE, UTF8, "a".repeat(65))).toBe(`title=${"a".repeat(64)}...`);
    // Quoted as the whole value needs: the cut keeps its quotes.
    expect(shown(TITLE, UTF8, "a,".repeat(40))).toBe(`title="${"a,".repeat(31)}a..."`);
    // Quoted only if the bytes kept need it too: the "," is past the cut...
    expect(shown(TITLE, UTF8, `${"a".repeat(70)},`)).toBe(`title=${"a".repeat(64)}...`);
    // ...and only if the whole value needs it: the space before the cut is not trailing in the value.
    expect(shown(TITLE, UTF8, `${"a".repeat(63)} bbbbb`)).toBe(`title=${"a".repeat(63)} ...`);
  });

  test("a cut inside UTF-8 drops the continuation bytes before the cut but keeps the lead byte: Firefox shows U+FFFD", () => {
    // "é" (2 bytes) ends exactly at the limit: NSS still drops its last byte.
    expect(shown(TITLE, UTF8, `${"a".repeat(62)}ébbb`)).toBe(`title=${"a".repeat(62)}\ufffd...`);
    // "€" (3 bytes) cut after its second byte.
    expect(shown(TITLE, UTF8, `${"a".repeat(62)}€bbb`)).toBe(`title=${"a".repeat(62)}\ufffd...`);
    // Nothing but continuation bytes: NSS keeps the first one.
    expect(shown(TITLE, UTF8, new Uint8Array(100).fill(0x80))).toBe("title=\ufffd...");
  });

  test("a hex value over the limit has '...' written over its last bytes; under C's 2-byte limit, over the '=' too", () => {
    const hex = `#1A28${"61".repeat(40)}`; // a VisibleString (NSS decodes no such type) of 40 "a"
    expect(shown(TITLE, 0x1a, "a".repeat(40))).toBe(`title=${hex.slice(0, 61)}...`);
    expect(shown(C, 0x12, "12")).toBe("C...");
    expect(shown(C, UTF8, "DEU")).toBe("C=DE...");
  });

  test("an attribute over NSS's 2,048-byte buffer is cut to fit it: the value, or a long OID name, or both", () => {
    const name = "OID.1.2.3.4=";
    // Name, "=", value and NUL fit exactly: shown whole; one byte more: the value is cut.
    expect(shown(UNNAMED, UTF8, "a".repeat(2035))).toBe(`${name}${"a".repeat(2035)}`);
    expect(shown(UNNAMED, UTF8, "a".repeat(2036))).toBe(`${name}${"a".repeat(2031)}...`);
    // 2,031 bytes fit (the buffer less the name, "=", "...", a quote and the NUL); in hex "..." is written over the last 3.
    expect(shown(UNNAMED, 0x1a, "a".repeat(1500))).toBe(`${name}${`#1A8205DC${"61".repeat(1500)}`.slice(0, 2028)}...`);

    // An OID that takes half the buffer: its name is cut to leave room for the value...
    const longOid = `1.2.${Array(205).fill("12345").join(".")}`;
    expect(shown(longOid, UTF8, "v".repeat(1000))).toBe(`OID.${longOid}`.slice(0, 1040) + `...=${"v".repeat(1000)}`);
    // ...and when the value takes half too, each keeps 1,020 bytes.
    expect(shown(longOid, UTF8, "v".repeat(1500))).toBe(`OID.${longOid}`.slice(0, 1017) + `...=${"v".repeat(1020)}...`);
  });

  test("half the buffer is 1,023 bytes: a name or value that long counts as long", () => {
    const longOid = `1.2.${Array(205).fill("12345").join(".")}`;
    expect(shown(longOid, UTF8, "v".repeat(1022))).toBe(`OID.${longOid}`.slice(0, 1018) + `...=${"v".repeat(1022)}`);
    expect(shown(longOid, UTF8, "v".repeat(1023))).toBe(`OID.${longOid}`.slice(0, 1017) + `...=${"v".repeat(1020)}...`);
    const oid1023 = `1.2${".12345".repeat(169)}.9`; // "OID." and this: 1,023 characters
    expect(shown(oid1023, UTF8, "v".repeat(1500))).toBe(`OID.${oid1023}`.slice(0, 1017) + `...=${"v".repeat(1020)}...`);
  });
});

describe("quotes and escapes", () => {
  test.each([",", "=", "+", "<", ">", "#", ";"])("a value holding %p is in quotes", (special) => {
    expect(shown(CN, UTF8, `a${special}b`)).toBe(`CN="a${special}b"`);
  });

  test("a leading or trailing space, CR or LF puts the value in quotes; CR and LF are escaped as hex", () => {
    expect(shown(CN, UTF8, "a ")).toBe('CN="a "');
    expect(shown(CN, UTF8, "\ra")).toBe('CN="\\0da"');
    expect(shown(CN, UTF8, "a\n")).toBe('CN="a\\0a"');
    // A space after a CR is a doubled space; a LF after a space, escaped, is not.
    expect(shown(CN, UTF8, "a\r b")).toBe('CN="a\\0d b"');
    expect(shown(CN, UTF8, "a \nb")).toBe("CN=a \\0ab");
  });
});

describe("NSS's name and length limit for every attribute it names", () => {
  // [OID, NSS's name, the most value bytes NSS shows before "..."], each checked with CERT_DerNameToAscii.
  const NAMED: [string, string, number][] = [
    ["2.5.4.3", "CN", 640],
    ["2.5.4.4", "SN", 64],
    ["2.5.4.5", "serialNumber", 64],
    ["2.5.4.6", "C", 2],
    ["2.5.4.7", "L", 128],
    ["2.5.4.8", "ST", 128],
    ["2.5.4.9", "STREET", 128],
    ["2.5.4.10", "O", 128],
    ["2.5.4.11", "OU", 128],
    ["2.5.4.12", "title", 64],
    ["2.5.4.15", "businessCategory", 64],
    ["2.5.4.16", "postalAddress", 128],
    ["2.5.4.17", "postalCode", 40],
    ["2.5.4.18", "postOfficeBox", 40],
    ["2.5.4.41", "name", 64],
    ["2.5.4.42", "givenName", 64],
    ["2.5.4.43", "initials", 64],
    ["2.5.4.44", "generationQualifier", 64],
    ["2.5.4.51", "houseIdentifier", 64],
    ["2.5.4.65", "pseudonym", 64],
    ["0.9.2342.19200300.100.1.1", "UID", 256],
    ["0.9.2342.19200300.100.1.3", "MAIL", 256],
    ["0.9.2342.19200300.100.1.25", "DC", 128],
    ["1.2.840.113549.1.9.1", "E", 128],
    ["1.3.6.1.4.1.311.60.2.1.1", "incorporationLocality", 128],
    ["1.3.6.1.4.1.311.60.2.1.2", "incorporationState", 128],
    ["1.3.6.1.4.1.311.60.2.1.3", "incorporationCountry", 2],
  ];

  test.each(NAMED)("%s is %s, shown whole up to %d bytes and cut after", (type, name, limit) => {
    expect(shown(type, UTF8, "a".repeat(limit))).toBe(`${name}=${"a".repeat(limit)}`);
    expect(shown(type, UTF8, "a".repeat(limit + 1))).toBe(`${name}=${"a".repeat(limit)}...`);
  });

  test("a dnQualifier has NSS's name and no limit of its own, only the buffer's", () => {
    expect(shown("2.5.4.46", UTF8, "a".repeat(641))).toBe(`dnQualifier=${"a".repeat(641)}`);
  });
});
