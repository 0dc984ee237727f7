import { parseFingerprint } from "../../src/fingerprint";
import { parseList } from "../../src/settings";

const SHA256 = "85128 9bdf3ad8ecfc2aade19fd349fbe21c602de2f3ef2339922679a35393ea6".replace(" ", "");

describe("parseFingerprint accepts what people paste", () => {
  test.each([SHA256, SHA256.toUpperCase(), SHA256.toUpperCase().match(/../g)!.join(":"), ` ${SHA256.match(/../g)!.join(" ")} `])("SHA-256 %s", (input) => {
    expect(parseFingerprint(input, "sha256")).toEqual({ ok: true, value: SHA256 });
  });

  test("SPKI as base64 (with or without padding) or hex gives the same hex", () => {
    const b64 = "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=";
    const hex = Buffer.from(b64, "base64").toString("hex");
    expect(parseFingerprint(b64, "spkiSha256")).toEqual({ ok: true, value: hex });
    expect(parseFingerprint(b64.slice(0, -1), "spkiSha256")).toEqual({ ok: true, value: hex });
    expect(parseFingerprint(hex.toUpperCase().match(/../g)!.join(":"), "spkiSha256")).toEqual({ ok: true, value: hex });
    // Pasted with the spaces or line break around it.
    expect(parseFingerprint(` ${b64}\n`, "spkiSha256")).toEqual({ ok: true, value: hex });
  });
});

describe("parseFingerprint rejects anything else and says what it expected", () => {
  test.each([
    ["2a83e9020591a55fc6ddad3fb102794c52b24e7", "sha1", /40 hex digits.*got 39 hex digits/],
    [SHA256, "sha1", /40 hex digits.*got 64 hex digits/],
    ["not a fingerprint", "sha256", /64 hex digits.*got "not a fingerprint"/],
    ["", "sha256", /empty string/],
    [42, "sha256", /got a number/],
    ["Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=", "sha256", /64 hex digits/],
    ["Vq+3ks4/A1VU13WS4QF5", "spkiSha256", /base64/],
    // The base64 hash inside something longer (an OkHttp pin, a trailing word) is not the hash.
    ["sha256/Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=", "spkiSha256", /got "sha256\/Vq\+3ks4\/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw="$/],
    ["Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw= old", "spkiSha256", /got "Vq\+3ks4\/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw= old"$/],
    [null, "sha256", /got null$/],
    [[SHA256], "sha256", /got an array$/],
  ] as const)("%p as %s", (input, kind, message) => {
    const result = parseFingerprint(input, kind);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});

describe("what a rejected value is shown as", () => {
  const shown = (input: string) => {
    const result = parseFingerprint(input, "sha256");
    return !result.ok && result.error.split(", got ")[1];
  };

  test("up to 80 characters whole, a longer one cut to its first 77 and an ellipsis", () => {
    const text = (length: number) => "not-hex-".repeat(20).slice(0, length);
    expect(shown(text(80))).toBe(`"${text(80)}"`);
    expect(shown(text(81))).toBe(`"${text(77)}..."`);
  });
});

describe("parseList", () => {
  test("keeps the valid entries and reports each bad field with its position", () => {
    const { entries, issues } = parseList(
      [
        { sha256: SHA256, label: "ok one" },
        { sha1: "xyz" },
        { spkiSha256: "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=", colour: "red" },
        "just a string",
        {},
      ],
      "blocklist",
      "policy",
    );
    expect(entries).toEqual([
      { sha256: SHA256, label: "ok one", source: "policy" },
      { spkiSha256: Buffer.from("Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=", "base64").toString("hex"), source: "policy" },
    ]);
    expect(issues).toEqual([
      { path: [1, "sha1"], message: expect.stringMatching(/^expected a certificate SHA-1 fingerprint/) },
      { path: [1], message: "entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki" },
      { path: [2], message: expect.stringMatching(/^unknown key "colour" ignored/) },
      { path: [3], message: expect.stringMatching(/^expected an object/) },
      { path: [4], message: "entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki" },
    ]);
  });

  test("an allowlist takes no SHA-1, and a non-array is one clear error", () => {
    expect(parseList([{ sha1: "2a83e9020591a55fc6ddad3fb102794c52b24e70" }], "allowlist", "user").issues[0].message).toMatch(/unknown key "sha1"/);
    expect(parseList({ sha256: SHA256 }, "allowlist", "user")).toEqual({
      entries: [],
      issues: [{ path: [], message: "expected an array of entries, got object" }],
    });
  });
});
