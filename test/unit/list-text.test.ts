import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { issue, type Issued } from "../../scripts/pki";
import type { CompiledIndex } from "../../src/blocklist";
import { formatListText } from "../../src/listFormat";
import { parseListText, type ParsedListText } from "../../src/listText";
import { formatIssue } from "../../src/settings/issues";

const root = join(__dirname, "..", "..");
const SHA256 = "851289bdf3ad8ecfc2aade19fd349fbe21c602de2f3ef2339922679a35393ea6";
const SHA1 = "2a83e9020591a55fc6ddad3fb102794c52b24e70";
const SPKI_B64 = "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=";
const SPKI_HEX = Buffer.from(SPKI_B64, "base64").toString("hex");
const colon = (hex: string) => hex.toUpperCase().match(/../g)!.join(":");

/** The parse, with each issue as the options page shows it ("line 3: …"). */
const withMessages = <T>({ issues, ...rest }: ParsedListText<T>) => ({ ...rest, errors: issues.map(formatIssue) });
const block = async (text: string) => withMessages(await parseListText(text, "blocklist", "user"));
const allow = async (text: string) => withMessages(await parseListText(text, "allowlist", "user"));

describe("fingerprints in every accepted form", () => {
  test.each([
    ["bare lowercase SHA-256", SHA256, { sha256: SHA256 }],
    ["bare uppercase colon SHA-256 (Firefox's form)", colon(SHA256), { sha256: SHA256 }],
    ["bare SHA-256 with spaces", SHA256.match(/../g)!.join(" "), { sha256: SHA256 }],
    ["bare SHA-1", SHA1, { sha1: SHA1 }],
    ["bare colon SHA-1", colon(SHA1), { sha1: SHA1 }],
    ["bare base64 SPKI (44 characters)", SPKI_B64, { spkiSha256: SPKI_HEX }],
    ["bare base64 SPKI without padding", SPKI_B64.slice(0, -1), { spkiSha256: SPKI_HEX }],
    ["sha256: prefix", `sha256:${colon(SHA256)}`, { sha256: SHA256 }],
    ["SHA256: prefix, any case, space after the colon", `SHA256: ${SHA256}`, { sha256: SHA256 }],
    ["sha1: prefix", `sha1:${colon(SHA1)}`, { sha1: SHA1 }],
    ["spki: prefix with base64", `spki:${SPKI_B64}`, { spkiSha256: SPKI_HEX }],
    ["spki: prefix with hex (64 hex digits would otherwise mean a certificate)", `spki:${colon(SPKI_HEX)}`, { spkiSha256: SPKI_HEX }],
  ])("%s", async (_, line, expected) => {
    expect(await block(line)).toEqual({ entries: [{ ...expected, source: "user" }], errors: [], notes: [] });
  });

  test("the allowlist takes SHA-256 and SPKI", async () => {
    const r = await allow(`${SHA256}\nspki:${SPKI_B64}\n${SPKI_B64}`);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { sha256: SHA256, source: "user" },
      { spkiSha256: SPKI_HEX, source: "user" },
    ]);
    expect(r.notes).toEqual(["1 duplicate entry ignored"]);
  });
});

describe("labels, comments and blank lines", () => {
  test('the label is what follows the first " #"; comment lines and blank lines are skipped', async () => {
    const text = [
      "# Our own blocklist",
      "",
      `sha1:${colon(SHA1)} # Microsoft Enforced Licensing Intermediate PCA # Flame`,
      "   ",
      `  ${SHA256}   #   DigiNotar  `,
      "\t# indented comment",
      `spki:${SPKI_B64}`,
    ].join("\r\n");
    const r = await block(text);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { sha1: SHA1, label: "Microsoft Enforced Licensing Intermediate PCA # Flame", source: "user" },
      { sha256: SHA256, label: "DigiNotar", source: "user" },
      { spkiSha256: SPKI_HEX, source: "user" },
    ]);
  });

  test("an empty text is an empty list", async () => {
    expect(await block("")).toEqual({ entries: [], errors: [], notes: [] });
    expect(await allow("\n# nothing yet\n")).toEqual({ entries: [], errors: [], notes: [] });
  });
});

describe("every bad line is reported with its line number and what was expected", () => {
  test("wrong lengths, unknown words, unknown prefixes", async () => {
    const text = [
      `${SHA256}`, // 1 ok
      `${SHA256.slice(1)}`, // 2: 63 hex
      "# fine", // 3
      "not a fingerprint # label", // 4
      `sha256:${SHA256.slice(0, 40)}`, // 5: prefixed SHA-256 with 40 digits
      `sha1:${SHA256}`, // 6
      `md5:${SHA1}`, // 7
      `spki:nope`, // 8
      `${SHA1}#glued`, // 9: no space before #
    ].join("\n");
    const r = await block(text);
    expect(r.entries).toEqual([{ sha256: SHA256, source: "user" }]);
    expect(r.errors).toHaveLength(7);
    expect(r.errors[0]).toMatch(
      /^line 2: expected a certificate SHA-256 fingerprint: 64 hex digits .*got 63 hex digits; or a SHA-1 fingerprint \(40 hex digits\)/,
    );
    expect(r.errors[1]).toMatch(/^line 4: expected a certificate SHA-256 fingerprint: 64 hex digits .*got "not a fingerprint"/);
    // The prefixed forms repeat parseFingerprint's own message.
    expect(r.errors[2]).toBe(
      "line 5: sha256: expected a certificate SHA-256 fingerprint: 64 hex digits (colons, spaces and case do not matter), got 40 hex digits",
    );
    expect(r.errors[3]).toBe(
      "line 6: sha1: expected a certificate SHA-1 fingerprint: 40 hex digits (colons, spaces and case do not matter), got 64 hex digits",
    );
    expect(r.errors[4]).toBe('line 7: unknown prefix "md5:" (expected sha256:, sha1:, spki:, issuer-serial: or subject-spki:)');
    expect(r.errors[5]).toMatch(/^line 8: spki: expected an SPKI SHA-256 hash: 64 hex digits, or 44 characters of base64 .*got "nope"/);
    expect(r.errors[6]).toMatch(/^line 9: .*got "2a83e9020591a55fc6ddad3fb102794c52b24e70#glued"/);
  });

  test("the allowlist refuses SHA-1, bare or prefixed", async () => {
    const r = await allow(`${SHA256}\n${SHA1}\nsha1:${SHA1}`);
    expect(r.entries).toEqual([{ sha256: SHA256, source: "user" }]);
    expect(r.errors).toEqual([
      "line 2: a 40-digit SHA-1 fingerprint is accepted only in the blocklist; the allowlist takes only a certificate SHA-256 or an SPKI SHA-256",
      "line 3: sha1: SHA-1 fingerprints are accepted only in the blocklist; the allowlist takes only a certificate SHA-256 or an SPKI SHA-256",
    ]);
  });
});

describe("what each list says about a line it cannot read, and the forms it does read", () => {
  test("each list names only the forms it takes", async () => {
    expect((await allow("md5:ab")).errors).toEqual(['line 1: unknown prefix "md5:" (expected sha256: or spki:)']);
    expect((await allow("nope")).errors[0]).toMatch(
      /^line 1: expected a certificate SHA-256 .*got "nope"; or an SPKI SHA-256 in base64 \(44 characters\), a value prefixed with sha256: or spki:, or a PEM certificate$/,
    );
    expect((await block("nope")).errors[0]).toMatch(
      /got "nope"; or a SHA-1 fingerprint \(40 hex digits\), an SPKI SHA-256 in base64 \(44 characters\), a value prefixed with sha256:, sha1: or spki:, or a PEM certificate$/,
    );
  });

  test("an END line without its BEGIN is reported, and the lines after it still count", async () => {
    const r = await block(`-----END CERTIFICATE-----\n${SHA256}`);
    expect(r.errors).toEqual(['line 1: "-----END CERTIFICATE-----" without its "-----BEGIN" line']);
    expect(r.entries).toEqual([{ sha256: SHA256, source: "user" }]);
  });

  test("something other than text is one clear error", async () => {
    for (const [input, got] of [
      [null, "null"],
      [42, "number"],
      [undefined, "undefined"],
    ] as const) {
      const r = await parseListText(input as unknown as string, "blocklist", "user");
      expect(r.entries).toEqual([]);
      expect(r.issues.map(formatIssue)).toEqual([`expected text, got ${got}`]);
    }
  });

  test("prefixes in any case with spaces around the colon; SPKI base64 without its padding; subject-spki entries", async () => {
    const subjectName = "MGMxCzAJBgNVBAYTAlVT";
    const r = await block(`SHA256 : ${SHA256}\nSpki:${SPKI_B64}\n${SPKI_B64.slice(0, -1)} # no padding\nsubject-spki:${subjectName} ${SPKI_HEX}`);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { sha256: SHA256, source: "user" },
      { spkiSha256: SPKI_HEX, source: "user" },
      { subjectSpki: { subject: subjectName, spkiSha256: SPKI_HEX }, source: "user" },
    ]);
    expect(r.notes).toEqual(["1 duplicate entry ignored"]);
  });
});

describe("PEM certificates", () => {
  let root: Issued;
  let intermediate: Issued;
  const sha256Of = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");

  beforeAll(async () => {
    root = await issue({ subject: "CN=Corp Root CA,O=Example Corp" });
    intermediate = await issue({ subject: "O=Example Corp,CN=Corp Issuing CA 1", issuer: root, key: { type: "RSA", bits: 2048 } });
  });

  test("several blocks spanning lines, mixed with fingerprints: SHA-256 as node:crypto computes it, CN as label", async () => {
    const text = `# our CAs\n${root.pem}\n${SHA256} # other\n${intermediate.pem}`;
    const r = await allow(text);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { sha256: sha256Of(root.der), label: "Corp Root CA", source: "user" },
      { sha256: SHA256, label: "other", source: "user" },
      { sha256: sha256Of(intermediate.der), label: "Corp Issuing CA 1", source: "user" },
    ]);
  });

  test("a block on one line, and line numbers after a block are still right", async () => {
    const oneLine = `-----BEGIN CERTIFICATE-----${root.pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "")}-----END CERTIFICATE-----`;
    const r = await block(`${oneLine}\n${intermediate.pem}bogus`);
    expect(r.entries.map((e) => e.sha256)).toEqual([sha256Of(root.der), sha256Of(intermediate.der)]);
    const bogusLine = 1 + intermediate.pem.trimEnd().split("\n").length + 1;
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^line ${bogusLine}: expected a certificate SHA-256`))]);
  });

  test("broken blocks: bad base64, not a certificate, another PEM type, no END line", async () => {
    const lines = root.pem.trimEnd().split("\n");
    const corrupted = [lines[0], "!!!!", ...lines.slice(1)].join("\n");
    const truncated = [lines[0], lines[1], lines[2], lines[lines.length - 1]].join("\n");
    const text = [corrupted, truncated, "-----BEGIN PRIVATE KEY-----", "MIIB", "-----END PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----", "MIIB"].join("\n");
    const r = await block(text);
    expect(r.entries).toEqual([]);
    const after1 = lines.length + 1;
    expect(r.errors).toEqual([
      "line 1: the certificate block is not valid base64",
      expect.stringMatching(new RegExp(`^line ${after1 + 1}: the certificate block does not parse as an X.509 certificate`)),
      `line ${after1 + 5}: expected a PEM certificate ("-----BEGIN CERTIFICATE-----"), got a "PRIVATE KEY" block`,
      `line ${after1 + 8}: the "-----BEGIN CERTIFICATE-----" block has no "-----END CERTIFICATE-----" line`,
    ]);
  });
});

describe("OneCRL JSON import", () => {
  const onecrl: { data: Record<string, unknown>[] } = JSON.parse(readFileSync(join(root, "data", "sources", "mozilla", "onecrl.json"), "utf8"));
  const index: CompiledIndex = JSON.parse(readFileSync(join(root, "data", "blocklist.json"), "utf8"));
  const record = (id: string) => onecrl.data.find((r) => r.id === id)!;
  const compiled = (id: string) => index.entries.find((e) => e.id === `onecrl:${id}`)!;
  // Real records: an issuer+serial one (Kazakhstan interception CA), a subject+key one, and a disabled one.
  const KZ = "2e32f465-fab4-4365-94d8-9a83041e660a";
  const SUBJECT = "5ed2b441-a5bf-4f8e-89af-d01fa292a9b8";
  const DISABLED = "7b77a8a9-4ff9-4190-a63d-480067cf8c4e";

  test('{"data": [...]} becomes issuer+serial and subject+key entries, equal to what the compiled blocklist holds', async () => {
    const text = JSON.stringify({ data: [record(KZ), record(SUBJECT)] }, null, 2);
    const r = await block(text);
    expect(r.errors).toEqual([]);
    const kz = compiled(KZ);
    const subject = compiled(SUBJECT);
    expect(r.entries).toEqual([
      {
        issuerSerial: { issuer: index.names[kz.issuerSerial!.issuer], serial: kz.issuerSerial!.serial },
        label: "Information Security Certification Authority; Kazakhstan MITM (#10)",
        source: "user",
      },
      {
        subjectSpki: { subject: index.names[subject.subjectSpki!.subject], spkiSha256: subject.subjectSpki!.spkiSha256 },
        label: `OneCRL record ${SUBJECT}`,
        source: "user",
      },
    ]);
    // As given: the record's own base64 name, and the serial as hex without leading zero bytes.
    expect(r.entries[0].issuerSerial!.issuer).toBe(record(KZ).issuerName);
    expect(r.entries[0].issuerSerial!.serial).toBe(
      Buffer.from(record(KZ).serialNumber as string, "base64")
        .toString("hex")
        .replace(/^(00)+(?=..)/, ""),
    );
  });

  test("a bare array of records works too; disabled records are skipped with a note", async () => {
    const r = await block(JSON.stringify([record(DISABLED), record(KZ)]));
    expect(r.errors).toEqual([]);
    expect(r.entries).toHaveLength(1);
    expect(r.notes).toEqual([
      `line 1, record 0 (id ${DISABLED}): skipped, the record is disabled in OneCRL ("enabled": false) and Mozilla does not enforce it`,
    ]);
  });

  test("leading zero bytes of a serial are stripped (normalizeSerialHex)", async () => {
    const serial = Buffer.from([0x00, 0x00, 0x8f, 0x01]).toString("base64");
    const r = await block(JSON.stringify([{ ...record(KZ), serialNumber: serial }]));
    expect(r.entries[0].issuerSerial!.serial).toBe("8f01");
  });

  test("bad records are reported with their line and index; the allowlist refuses OneCRL", async () => {
    const text = JSON.stringify(
      {
        data: [
          record(KZ),
          { id: "x1", enabled: true, issuerName: "not base64!", serialNumber: "AQ==" },
          { id: "x2", subject: record(SUBJECT).subject, pubKeyHash: "AAAA" },
          { id: "x3" },
          42,
        ],
      },
      null,
      2,
    );
    const lineOf = (needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length - 1; // the "{" opens one line above
    const r = await block(text);
    expect(r.entries).toHaveLength(1);
    expect(r.errors).toEqual([
      `line ${lineOf('"id": "x1"')}, record 1 (id x1): issuerName: expected the base64 of a DER-encoded name (it starts with "M"), such as OneCRL's "MGMxCzAJBgNV…", got "not base64!"`,
      expect.stringMatching(new RegExp(`^line ${lineOf('"id": "x2"')}, record 2 \\(id x2\\): pubKeyHash: expected an SPKI SHA-256 hash`)),
      `line ${lineOf('"id": "x3"')}, record 3 (id x3): expected "issuerName" + "serialNumber" or "subject" + "pubKeyHash"`,
      expect.stringMatching(/^line \d+, record 4: expected a OneCRL record object$/),
    ]);
    expect((await allow(text)).errors).toEqual([
      "line 1: OneCRL records can only be imported into the blocklist; the allowlist takes only a certificate SHA-256 or an SPKI SHA-256",
    ]);
  });

  test("text that starts like JSON but is not: one error with the line", async () => {
    const r = await block('{\n  "data": [\n    {"id": 1,,}\n  ]\n}');
    expect(r.entries).toEqual([]);
    expect(r.errors).toEqual([expect.stringMatching(/^line 3: the text starts like JSON but is not valid JSON/)]);
    expect((await block('{"records": []}')).errors).toEqual([expect.stringMatching(/^line 1: expected OneCRL records/)]);
  });
});

describe("formatListText", () => {
  test("writes what parseListText reads back, OneCRL name entries included", async () => {
    const onecrl = JSON.parse(readFileSync(join(root, "data", "sources", "mozilla", "onecrl.json"), "utf8")).data;
    const imported = await block(JSON.stringify(onecrl.filter((r: { enabled: boolean }) => r.enabled).slice(0, 20)));
    const typed = await block(`${SHA256} # one\nsha1:${SHA1}\n${SPKI_B64} # three`);
    const all = [...typed.entries, ...imported.entries];
    const again = await block(formatListText(all));
    expect(again.errors).toEqual([]);
    expect(again.entries).toEqual(all);
    const allowed = await allow(`${SHA256} # root`);
    expect((await allow(formatListText(allowed.entries))).entries).toEqual(allowed.entries);
    expect(formatListText([])).toBe("");
  });

  test("a label that spans lines (from policy JSON) is written on its entry's line, its spaces collapsed", () => {
    expect(formatListText([{ sha256: SHA256, label: " Bad CA\n  2012 ", source: "policy" }])).toBe(`sha256:${SHA256} # Bad CA 2012\n`);
  });

  test("issuer-serial: and subject-spki: lines are checked like the rest, and refused by the allowlist", async () => {
    const r = await block("issuer-serial:MIIB 00:8f\nissuer-serial:bm90IGEgbmFtZQ== 8f\nsubject-spki:MIIB\nissuer-serial:MIIB zz");
    expect(r.entries).toEqual([{ issuerSerial: { issuer: "MIIB", serial: "8f" }, source: "user" }]);
    expect(r.errors).toEqual([
      'line 2: issuer-serial: issuer: expected the base64 of a DER-encoded name (it starts with "M"), such as OneCRL\'s "MGMxCzAJBgNV…", got "bm90IGEgbmFtZQ=="',
      'line 3: subject-spki: expected the subject\'s DER name in base64, a space, and the SPKI SHA-256, got "MIIB"',
      'line 4: issuer-serial: serial: expected the serial number in hex (colons allowed), such as "04:00:00:00:00:01", got "zz"',
    ]);
    expect((await allow("issuer-serial:MIIB 8f")).errors).toEqual([
      expect.stringMatching(/^line 1: issuer-serial: name-based entries are accepted only in the blocklist/),
    ]);
  });
});
