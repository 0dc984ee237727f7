/** The core's byte and text conversions, as the CLI, the workbench and the lists use them. */
import { canonicalBase64, derToPem, hexToColonHex, normalizeSerialHex, pemToDerList } from "../../src/encoding";

describe("PEM text: what a user pastes or a file holds", () => {
  const first = Uint8Array.from({ length: 100 }, (_, i) => i);
  const second = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x05]);

  test("every certificate block is read, in order, with the text around and between them ignored", () => {
    const text = `subject=CN=a\n${derToPem(first)}issuer=CN=b\r\n${derToPem(second).replaceAll("\n", "\r\n")}trailing words`;
    expect(pemToDerList(text)).toEqual([first, second]);
  });

  test("text without a whole block gives no certificate rather than an error", () => {
    expect(pemToDerList("no certificate here")).toEqual([]);
    expect(pemToDerList("-----BEGIN CERTIFICATE-----\nMIIB")).toEqual([]);
  });

  test("derToPem wraps the base64 at 64 characters, as openssl writes it", () => {
    const lines = derToPem(first).trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.slice(1, -1).map((l) => l.length)).toEqual([64, 64, 8]);
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
  });
});

describe("the forms lists and Firefox write values in", () => {
  test("base64 without its padding or wrapped over lines is made canonical; text that is not base64 is refused", () => {
    expect(canonicalBase64("MAMCAQU")).toBe("MAMCAQU=");
    expect(canonicalBase64("MAMC\nAQU=")).toBe("MAMCAQU=");
    expect(canonicalBase64("not base64!")).toBeNull();
  });

  test("hex is shown in Firefox's colon form; nothing stays nothing", () => {
    expect(hexToColonHex("0a1bff")).toBe("0A:1B:FF");
    expect(hexToColonHex("")).toBe("");
  });

  test("a serial's redundant leading zero bytes are dropped, but never its last byte", () => {
    expect(normalizeSerialHex("00008f")).toBe("8f");
    expect(normalizeSerialHex("0000")).toBe("00");
    expect(normalizeSerialHex("0100")).toBe("0100");
  });
});
