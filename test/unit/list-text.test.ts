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
/** A short DER name in base64 (a SEQUENCE, so it starts with "M"), for name-based entries. */
const DER_NAME = "MGMxCzAJBgNVBAYTAlVT";
const SPKI_HEX = Buffer.from(SPKI_B64, "base64").toString("hex");
const colon = (hex: string) => hex.toUpperCase().match(/../g)!.join(":");

/** The parse, with each issue as the options page shows it ("line 3: …"). */
const withMessages = <T>({ issues, ...rest }: ParsedListText<T>) => ({ ...rest, errors: issues.map(formatIssue) });
const block = async (text: string) => withMessages(await parseListText(text, "blocklist", "user"));
const allow = async (text: string) => withMessages(await parseListText(text, "allowlist", "user"));
/** The line of the "{" that opens the pretty-printed record holding `needle` (its first key, one line below). */
const openingLine = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length - 1;

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

describe("what a line's characters say about its kind", () => {
  test("a value of fingerprint length with a character that is not hex is refused, wherever that character is", async () => {
    const notHex = [`g${SHA256.slice(1)}`, `${SHA256.slice(0, 32)}g${SHA256.slice(33)}`, `${SHA256.slice(0, -1)}g`, `${SHA1.slice(0, -1)}x`];
    const r = await block(notHex.join("\n"));
    expect(r.entries).toEqual([]);
    expect(r.errors).toEqual(
      notHex.map((value, i) => expect.stringMatching(new RegExp(`^line ${i + 1}: expected a certificate SHA-256 .*got "${value}"; or `))),
    );
  });

  test("spaces between a base64 SPKI hash and its label are not part of the hash", async () => {
    expect(await block(`${SPKI_B64}    # Let's Encrypt R3 key`)).toEqual({
      entries: [{ spkiSha256: SPKI_HEX, label: "Let's Encrypt R3 key", source: "user" }],
      errors: [],
      notes: [],
    });
  });

  test("a prefix counts only at the start of the line: words before it make the line unreadable", async () => {
    const r = await block(`Flame sha1:${SHA1}`);
    expect(r.entries).toEqual([]);
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^line 1: expected a certificate SHA-256 .*got "Flame sha1:${SHA1}"; or `))]);
  });

  test("every duplicate is counted in the note", async () => {
    expect((await block(`${SHA256}\n${colon(SHA256)}\nsha256:${SHA256} # again`)).notes).toEqual(["2 duplicate entries ignored"]);
  });
});

describe("issuer-serial: and subject-spki: lines", () => {
  test("the two parts may be separated by several spaces or tabs", async () => {
    const r = await block(`issuer-serial:${DER_NAME}   8f:01\nsubject-spki:${DER_NAME} \t ${SPKI_B64}`);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { issuerSerial: { issuer: DER_NAME, serial: "8f01" }, source: "user" },
      { subjectSpki: { subject: DER_NAME, spkiSha256: SPKI_HEX }, source: "user" },
    ]);
  });

  test("each form says what it expects, and names the part that is wrong", async () => {
    const r = await block([`issuer-serial:${DER_NAME}`, `subject-spki:bm90IGEgbmFtZQ== ${SPKI_B64}`, `subject-spki:${DER_NAME} nope`].join("\n"));
    expect(r.entries).toEqual([]);
    expect(r.errors).toEqual([
      `line 1: issuer-serial: expected the issuer's DER name in base64, a space, and the serial number in hex, got "${DER_NAME}"`,
      'line 2: subject-spki: subject: expected the base64 of a DER-encoded name (it starts with "M"), such as OneCRL\'s "MGMxCzAJBgNV…", got "bm90IGEgbmFtZQ=="',
      expect.stringMatching(/^line 3: subject-spki: spkiSha256: expected an SPKI SHA-256 hash: .*got "nope"$/),
    ]);
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

  test("a certificate with neither CN nor O is labelled with its whole subject", async () => {
    const unnamed = await issue({ subject: "OU=Security Team,C=US" });
    expect((await block(unnamed.pem)).entries).toEqual([{ sha256: sha256Of(unnamed.der), label: "OU=Security Team, C=US", source: "user" }]);
  });

  test("an empty certificate block is reported as not base64", async () => {
    expect((await block("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----")).errors).toEqual(["line 1: the certificate block is not valid base64"]);
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
    const lineOf = (needle: string) => openingLine(text, needle);
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

  test("records pasted after blank lines or spaces are still read as JSON", async () => {
    const r = await block(`\n  \n  ${JSON.stringify([record(KZ)])}`);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([expect.objectContaining({ issuerSerial: expect.objectContaining({ issuer: record(KZ).issuerName }) })]);
  });

  test("text that starts like JSON but is not: one error with the line", async () => {
    const r = await block('{\n  "data": [\n    {"id": 1,,}\n  ]\n}');
    expect(r.entries).toEqual([]);
    expect(r.errors).toEqual([expect.stringMatching(/^line 3: the text starts like JSON but is not valid JSON/)]);
    expect((await block('{"records": []}')).errors).toEqual([expect.stringMatching(/^line 1: expected OneCRL records/)]);
  });
});

describe("OneCRL JSON: records that are missing a part or malformed", () => {
  const serial = (byte: number) => Buffer.from([byte]).toString("base64");
  /** All on one line, so each issue is at line 1 and names its record. */
  const errorsFor = async (records: unknown[]) => (await block(JSON.stringify(records))).errors;

  test("a data field that is not an array of records is one error", async () => {
    for (const text of ['{"data": {}}', '{"data": "records"}']) {
      expect(await block(text)).toEqual({
        entries: [],
        errors: ['line 1: expected OneCRL records, {"data": [...]} or an array of records, got a JSON object without them'],
        notes: [],
      });
    }
  });

  test("a record that is not an object, or has no usable id, is named by its index alone", async () => {
    expect(await errorsFor([null, { id: 7 }, { details: { name: "no id" } }])).toEqual([
      "line 1, record 0: expected a OneCRL record object",
      'line 1, record 1: expected "issuerName" + "serialNumber" or "subject" + "pubKeyHash"',
      'line 1, record 2: expected "issuerName" + "serialNumber" or "subject" + "pubKeyHash"',
    ]);
  });

  test("issuer and serial: both are needed, as base64, and the serial is not empty", async () => {
    const records = [
      { id: "issuer only", issuerName: DER_NAME },
      { id: "serial only", serialNumber: serial(1) },
      { id: "numeric issuer", issuerName: 5, serialNumber: serial(1) },
      { id: "numeric serial", issuerName: DER_NAME, serialNumber: 5 },
      { id: "serial not base64", issuerName: DER_NAME, serialNumber: "not base64!" },
      { id: "empty serial", issuerName: DER_NAME, serialNumber: "" },
    ];
    const bothStrings = 'expected "issuerName" and "serialNumber" as base64 strings';
    expect(await errorsFor(records)).toEqual([
      `line 1, record 0 (id issuer only): ${bothStrings}`,
      `line 1, record 1 (id serial only): ${bothStrings}`,
      `line 1, record 2 (id numeric issuer): ${bothStrings}`,
      `line 1, record 3 (id numeric serial): ${bothStrings}`,
      `line 1, record 4 (id serial not base64): serialNumber: expected the serial number's bytes in base64, got "not base64!"`,
      "line 1, record 5 (id empty serial): serialNumber: empty",
    ]);
  });

  test("a bad serial is quoted whole up to 60 characters, and cut after 57 beyond that", async () => {
    const sixty = "*".repeat(60);
    expect(
      await errorsFor([
        { issuerName: DER_NAME, serialNumber: sixty },
        { issuerName: DER_NAME, serialNumber: `${sixty}*` },
      ]),
    ).toEqual([
      `line 1, record 0: serialNumber: expected the serial number's bytes in base64, got "${sixty}"`,
      `line 1, record 1: serialNumber: expected the serial number's bytes in base64, got "${"*".repeat(57)}..."`,
    ]);
  });

  test("subject and key hash: both are needed, as base64, and the subject must be a DER name", async () => {
    const records = [
      { id: "subject only", subject: DER_NAME },
      { id: "key only", pubKeyHash: SPKI_B64 },
      { id: "numeric subject", subject: 5, pubKeyHash: SPKI_B64 },
      { id: "numeric key", subject: DER_NAME, pubKeyHash: 5 },
      { id: "not a name", subject: "bm90IGEgbmFtZQ==", pubKeyHash: SPKI_B64 },
    ];
    const bothStrings = 'expected "subject" and "pubKeyHash" as base64 strings';
    expect(await errorsFor(records)).toEqual([
      `line 1, record 0 (id subject only): ${bothStrings}`,
      `line 1, record 1 (id key only): ${bothStrings}`,
      `line 1, record 2 (id numeric subject): ${bothStrings}`,
      `line 1, record 3 (id numeric key): ${bothStrings}`,
      'line 1, record 4 (id not a name): subject: expected the base64 of a DER-encoded name (it starts with "M"), such as OneCRL\'s "MGMxCzAJBgNV…", got "bm90IGEgbmFtZQ=="',
    ]);
  });

  test("labels: the record's name and reason, trimmed, without empty or '.' parts; else its id, else its index", async () => {
    const named = (details: object | undefined, byte: number, id?: string) => ({
      ...(id && { id }),
      details,
      issuerName: DER_NAME,
      serialNumber: serial(byte),
    });
    const r = await block(
      JSON.stringify([
        named({ name: " Corp CA ", why: "." }, 1, "a"),
        named({ name: "Corp CA 2", why: " . " }, 2, "b"),
        named({ name: "   ", why: "key compromise" }, 3, "c"),
        named({ name: "", why: "." }, 4, "d"),
        named(undefined, 5),
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.entries.map((e) => e.label)).toEqual(["Corp CA", "Corp CA 2", "key compromise", "OneCRL record d", "OneCRL record 4"]);
  });
});

describe("OneCRL JSON: the line each record is reported at", () => {
  test("quotes, braces and brackets inside strings, and arrays inside records, do not shift the records' lines", async () => {
    const records = [
      { id: "r0", details: { why: 'a "{quoted" brace [and bracket' }, issuerName: DER_NAME, serialNumber: "AQ==" },
      { id: "r1", tags: ["x", "y"], issuerName: DER_NAME, serialNumber: "Ag==" },
      { id: "r2" },
    ];
    for (const text of [JSON.stringify({ data: records }, null, 2), JSON.stringify(records, null, 2)]) {
      const r = await block(text);
      expect(r.entries).toHaveLength(2);
      expect(r.errors).toEqual([
        `line ${openingLine(text, '"id": "r2"')}, record 2 (id r2): expected "issuerName" + "serialNumber" or "subject" + "pubKeyHash"`,
      ]);
    }
  });

  test("a record that is not an object is reported at its own line, and the records after it at theirs", async () => {
    for (const [open, close] of [
      ["[", "]"],
      ['{"data": [', "]}"],
    ]) {
      const text = [open, "  42,", '  "text",', "  null, ", "", "  [1],", '  {"id": "after"}', close].join("\n");
      expect((await block(text)).errors).toEqual([
        "line 2, record 0: expected a OneCRL record object",
        "line 3, record 1: expected a OneCRL record object",
        "line 4, record 2: expected a OneCRL record object",
        "line 6, record 3: expected a OneCRL record object",
        'line 7, record 4 (id after): expected "issuerName" + "serialNumber" or "subject" + "pubKeyHash"',
      ]);
    }
  });

  test("invalid JSON: a line break inside a string is reported on the line where it occurs", async () => {
    expect((await block('[\n  {"details": {"why": "broken\nacross lines"}}\n]')).errors).toEqual([
      expect.stringMatching(/^line 2: the text starts like JSON but is not valid JSON/),
    ]);
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
