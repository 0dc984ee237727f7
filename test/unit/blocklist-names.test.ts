/**
 * Name-based entries (issuer + serial, subject + SPKI) match whatever form their base64 DER names
 * arrive in: OneCRL-style tools may strip the trailing "=", and an entry that never matches is a
 * silent fail-open.
 */
import { issue, type Issued } from "../../scripts/pki";
import { ChainAnalyzer } from "../../src/analyzer";
import { Blocklist } from "../../src/blocklist";
import { parseListText } from "../../src/listText";
import { sanitizeUserSettings } from "../../src/policy";
import type { SecurityInfo } from "../../src/securityInfo";
import type { CustomBlocklistEntry } from "../../src/settings";
import { bundledIndex, firefoxCertificate } from "./support/chains";

const SERIAL = "0a1b2c";

let ca: Issued;
let leaf: Issued;
let info: SecurityInfo;
/** The CA's name (the leaf's issuer) and the leaf's subject, base64 with and without padding. */
let issuer: { padded: string; unpadded: string };
let subject: { padded: string; unpadded: string };
let spkiBase64: string;

const forms = (der: ArrayBuffer) => {
  const padded = Buffer.from(der).toString("base64");
  return { padded, unpadded: padded.replace(/=+$/, "") };
};

beforeAll(async () => {
  // Names whose DER length is not a multiple of 3, so that their base64 ends in padding.
  for (const extra of ["", "x", "xx"]) {
    ca = await issue({ subject: `CN=Revoking CA${extra},O=Chain Sentry Tests` });
    if (forms(ca.cert.subjectName.toArrayBuffer()).padded.endsWith("=")) break;
  }
  for (const extra of ["", "x", "xx"]) {
    leaf = await issue({ subject: `CN=revoked${extra}.example`, issuer: ca, serial: SERIAL, hosts: ["revoked.example"] });
    if (forms(leaf.cert.subjectName.toArrayBuffer()).padded.endsWith("=")) break;
  }
  issuer = forms(ca.cert.subjectName.toArrayBuffer());
  subject = forms(leaf.cert.subjectName.toArrayBuffer());
  expect(issuer.padded).not.toBe(issuer.unpadded);
  expect(subject.padded).not.toBe(subject.unpadded);
  const leafEntry = await firefoxCertificate(leaf.der);
  spkiBase64 = leafEntry.subjectPublicKeyInfoDigest.sha256;
  info = { state: "secure", certificates: [leafEntry, await firefoxCertificate(ca.der)] };
});

function expectBlockedLeaf(blocklist: CustomBlocklistEntry[], key: "issuerSerial" | "subjectSpki"): void {
  expect(blocklist).toHaveLength(1);
  const verdict = new ChainAnalyzer(bundledIndex, { blocklist, allowlist: [] }).analyze(info);
  expect(verdict.level).toBe("blocked");
  expect(verdict.findings).toContainEqual(expect.objectContaining({ ruleId: "blocked-certificate", certIndex: 0, match: expect.objectContaining({ key }) }));
}

async function fromText(text: string): Promise<CustomBlocklistEntry[]> {
  const parsed = await parseListText(text, "blocklist", "user");
  expect(parsed.issues).toEqual([]);
  return parsed.entries;
}

describe.each(["padded", "unpadded"] as const)("names in base64, %s", (form) => {
  test("issuer-serial: and subject-spki: lines of the user's list", async () => {
    expectBlockedLeaf(await fromText(`issuer-serial:${issuer[form]} ${SERIAL}`), "issuerSerial");
    expectBlockedLeaf(await fromText(`subject-spki:${subject[form]} ${spkiBase64}`), "subjectSpki");
  });

  test("an imported OneCRL file", async () => {
    const serialNumber = Buffer.from(SERIAL, "hex").toString("base64");
    expectBlockedLeaf(await fromText(JSON.stringify({ data: [{ issuerName: issuer[form], serialNumber }] })), "issuerSerial");
    expectBlockedLeaf(await fromText(JSON.stringify({ data: [{ subject: subject[form], pubKeyHash: spkiBase64 }] })), "subjectSpki");
  });

  test("entries stored in the user's settings", () => {
    const stored = sanitizeUserSettings({
      blocklist: [{ issuerSerial: { issuer: issuer[form], serial: SERIAL } }, { subjectSpki: { subject: subject[form], spkiSha256: spkiBase64 } }],
    }).blocklist!;
    expectBlockedLeaf([stored[0]], "issuerSerial");
    expectBlockedLeaf([stored[1]], "subjectSpki");
  });

  test("a Blocklist built directly (the compiled index's path)", () => {
    const entry = { id: "t:1", source: "onecrl" as const, label: "t", incident: "t", reference: "", enforced: true };
    const list = new Blocklist([{ ...entry, issuerSerial: { issuer: issuer[form], serial: SERIAL } }]);
    const certificate = { sha256: "", sha1: "", spkiSha256: "", serial: SERIAL, issuer: issuer.padded };
    expect(list.match(certificate).map((m) => m.key)).toEqual(["issuerSerial"]);
  });
});

test("normalising names does not loosen matching: another serial or another name still does not match", async () => {
  expect(new ChainAnalyzer(bundledIndex, { blocklist: await fromText(`issuer-serial:${issuer.unpadded} 0a1b2d`), allowlist: [] }).analyze(info).level).not.toBe(
    "blocked",
  );
  const otherName = forms(leaf.cert.subjectName.toArrayBuffer()).unpadded;
  expect(new ChainAnalyzer(bundledIndex, { blocklist: await fromText(`issuer-serial:${otherName} ${SERIAL}`), allowlist: [] }).analyze(info).level).not.toBe(
    "blocked",
  );
});

describe("a Blocklist built directly", () => {
  const entry = { id: "t:1", source: "onecrl" as const, label: "t", incident: "t", reference: "", enforced: true };
  const leafFacts = () => ({
    sha256: "",
    sha1: "",
    spkiSha256: Buffer.from(spkiBase64, "base64").toString("hex"),
    serial: SERIAL,
    issuer: issuer.padded,
    subject: subject.padded,
  });

  test("an entry's serial in capitals or with leading zero bytes matches the certificate's", () => {
    const list = new Blocklist([{ ...entry, issuerSerial: { issuer: issuer.padded, serial: `0000${SERIAL.toUpperCase()}` } }]);
    expect(list.match(leafFacts()).map((m) => m.key)).toEqual(["issuerSerial"]);
  });

  test("a subject + SPKI entry needs both: the same key under another subject does not match", () => {
    const spkiSha256 = leafFacts().spkiSha256;
    const list = new Blocklist([{ ...entry, subjectSpki: { subject: subject.padded, spkiSha256 } }]);
    expect(list.match(leafFacts()).map((m) => m.key)).toEqual(["subjectSpki"]);
    expect(list.match({ ...leafFacts(), subject: issuer.padded })).toEqual([]);
  });

  test("an entry whose serial is not text or whose name is not base64 is left out, and the others still match", () => {
    const list = new Blocklist([
      { ...entry, id: "t:number", issuerSerial: { issuer: issuer.padded, serial: 0x0a1b2c as unknown as string } },
      { ...entry, id: "t:name", issuerSerial: { issuer: "not base64!", serial: SERIAL } },
      { ...entry, id: "t:good", issuerSerial: { issuer: issuer.unpadded, serial: SERIAL } },
    ]);
    expect(list.match(leafFacts()).map((m) => m.entry.id)).toEqual(["t:good"]);
  });
});
