import type { Verdict } from "../../../src/verdict";
import { parseList } from "../../../src/settings";
import { analyzer, chromiumCertificate, DIGINOTAR_ROOT, firefoxCertificate, makePki, securityInfo, SUPERFISH_ROOT } from "../support/chains";

const only = (v: Verdict) => v.findings.filter((f) => f.ruleId === "blocked-certificate");

test("the Superfish root (Chromium blocklist, by certificate hash) is blocked with its incident", async () => {
  const leaf = (await makePki()).leaf;
  const info = { state: "secure" as const, certificates: [await firefoxCertificate(leaf.der), await firefoxCertificate(chromiumCertificate(SUPERFISH_ROOT))] };
  const [finding] = only(analyzer().analyze(info));
  expect(finding).toMatchObject({ severity: "blocked", certIndex: 1 });
  expect(finding.match).toMatchObject({ source: "chromium", key: "sha256" });
  expect(finding.match!.incident).toMatch(/Superfish/);
  expect(finding.reference).toMatch(/^https:\/\//);
});

test("a certificate re-issued with a blocklisted key is caught by its SPKI (DigiNotar key, new certificate hash)", async () => {
  const diginotar = await firefoxCertificate(chromiumCertificate(DIGINOTAR_ROOT));
  const leaf = await firefoxCertificate((await makePki()).leaf.der);
  // Same public key, different certificate bytes: only the SPKI digest still matches.
  const reissued = { ...diginotar, fingerprint: { sha1: "00".repeat(20), sha256: "11".repeat(32) }, rawDER: undefined };
  const [finding] = only(analyzer().analyze({ state: "secure", certificates: [leaf, reissued] }));
  expect(finding.match).toMatchObject({ source: "chromium", key: "spkiSha256" });
  expect(finding.explanation).toMatch(/public key \(SPKI SHA-256\)/);
});

test("an enabled OneCRL record matches by issuer name and serial, read from the certificate's bytes", async () => {
  // Build a certificate whose issuer DN and serial are those of a real, enabled OneCRL record.
  const { bundledIndex } = await import("../support/chains");
  const entry = bundledIndex.entries.find((e) => e.issuerSerial && e.enforced !== false)!;
  const issuerDer = Buffer.from(bundledIndex.names[entry.issuerSerial!.issuer], "base64");
  const { X509Certificate, Name } = await import("@peculiar/x509");
  const issuerName = new Name(issuerDer).toString();
  const { issue } = await import("../../../scripts/pki");
  const fakeIssuer = await issue({ subject: issuerName });
  const revoked = await issue({ subject: "CN=revoked.example", issuer: fakeIssuer, serial: entry.issuerSerial!.serial });
  expect(Buffer.from(new X509Certificate(revoked.der as BufferSource).issuerName.toArrayBuffer()).equals(issuerDer)).toBe(true);

  const info = { state: "secure" as const, certificates: [await firefoxCertificate(revoked.der), await firefoxCertificate(fakeIssuer.der)] };
  const [finding] = only(analyzer().analyze(info));
  expect(finding).toMatchObject({ certIndex: 0, severity: "blocked" });
  expect(finding.match).toMatchObject({ source: "onecrl", key: "issuerSerial", keyLabel: "issuer name and serial number", id: entry.id });
  expect(finding.explanation).toContain(`matches the Mozilla OneCRL entry "${entry.label}"`);

  // Same serial under another issuer: no match.
  const other = await issue({ subject: "CN=Someone Else" });
  const sameSerial = await issue({ subject: "CN=revoked.example", issuer: other, serial: entry.issuerSerial!.serial });
  const clean = { state: "secure" as const, certificates: [await firefoxCertificate(sameSerial.der), await firefoxCertificate(other.der)] };
  expect(only(analyzer().analyze(clean))).toEqual([]);
});

test("a OneCRL subject + public key record matches a certificate with that subject and key digest", async () => {
  const { bundledIndex } = await import("../support/chains");
  const entry = bundledIndex.entries.find((e) => e.subjectSpki && e.enforced !== false)!;
  const subjectDer = Buffer.from(bundledIndex.names[entry.subjectSpki!.subject], "base64");
  const { Name } = await import("@peculiar/x509");
  const { issue } = await import("../../../scripts/pki");
  const ca = await issue({ subject: new Name(subjectDer).toString() });
  const cert = await firefoxCertificate(ca.der);
  // The key digest is Firefox's to report; give it the listed one (we cannot own that key).
  cert.subjectPublicKeyInfoDigest.sha256 = Buffer.from(entry.subjectSpki!.spkiSha256, "hex").toString("base64");
  const leaf = await firefoxCertificate((await makePki()).leaf.der);
  const [finding] = only(analyzer().analyze({ state: "secure", certificates: [leaf, cert] }));
  expect(finding.match).toMatchObject({ source: "onecrl", key: "subjectSpki", keyLabel: "subject name and public key", id: entry.id });
});

test("a user blocklist entry by SHA-256 blocks the leaf and says it is the user's own list", async () => {
  const info = await securityInfo(await makePki());
  const list = parseList(
    [{ sha256: info.certificates[0].fingerprint.sha256.toLowerCase(), label: "Old test cert", reason: "Key leaked" }],
    "blocklist",
    "user",
  );
  const [finding] = only(analyzer({ allowlist: [], blocklist: list.entries }).analyze(info));
  expect(finding).toMatchObject({ certIndex: 0, title: "Blocked site certificate: Old test cert" });
  expect(finding.explanation).toMatch(/your own blocklist.*Key leaked/);
});

test("a clean chain has no blocked finding", async () => {
  expect(only(analyzer().analyze(await securityInfo(await makePki())))).toEqual([]);
});

test("a certificate on several lists names the first entry and says how many more it matches", async () => {
  const info = await securityInfo(await makePki());
  const leaf = info.certificates[0];
  const keys = {
    sha256: leaf.fingerprint.sha256.toLowerCase(),
    sha1: leaf.fingerprint.sha1.toLowerCase(),
    spkiSha256: Buffer.from(leaf.subjectPublicKeyInfoDigest.sha256, "base64").toString("hex"),
  };
  const explanationWith = (...by: (keyof typeof keys)[]) => {
    const list = parseList(
      by.map((key) => ({ [key]: keys[key], label: `Leaf by ${key}` })),
      "blocklist",
      "user",
    );
    return only(analyzer({ allowlist: [], blocklist: list.entries }).analyze(info))[0].explanation;
  };
  expect(explanationWith("sha256")).not.toMatch(/also matches/);
  expect(explanationWith("sha256", "sha1")).toMatch(/ It also matches 1 other blocklist entry\.$/);
  expect(explanationWith("sha256", "sha1", "spkiSha256")).toMatch(/ It also matches 2 other blocklist entries\.$/);
});

test("a user's entry without a reference links the rule's reference, and a reason ending in a full stop gets no second one", async () => {
  const info = await securityInfo(await makePki());
  const list = parseList(
    [{ sha256: info.certificates[0].fingerprint.sha256.toLowerCase(), label: "Old test cert", reason: "Key leaked." }],
    "blocklist",
    "user",
  );
  const [finding] = only(analyzer({ allowlist: [], blocklist: list.entries }).analyze(info));
  expect(finding.reference).toBe("https://learn.microsoft.com/en-us/security-updates/securityadvisories/2012/2718704");
  expect(finding.explanation).toMatch(/Key leaked\.$/);
});

test("an entry with no label or reason is named by the start of its key and says whose list holds it", async () => {
  const info = await securityInfo(await makePki());
  const leaf = info.certificates[0];
  const spki = Buffer.from(leaf.subjectPublicKeyInfoDigest.sha256, "base64").toString("hex");
  const sha1 = leaf.fingerprint.sha1; // "AB:CD:…" as Firefox shows it
  const [byPolicy] = only(analyzer({ allowlist: [], blocklist: [{ spkiSha256: spki, source: "policy" }] }).analyze(info));
  expect(byPolicy.title).toBe(`Blocked site certificate: Entry ${spki.slice(0, 16)}…`);
  expect(byPolicy.explanation).toMatch(/matches the enterprise policy entry .* Listed by your organisation's policy\.$/);
  expect(byPolicy.match).toMatchObject({ id: "policy:0", source: "policy", key: "spkiSha256" });
  const [byFeed] = only(analyzer({ allowlist: [], blocklist: [{ sha1, source: "feed" }] }).analyze(info));
  expect(byFeed.title).toBe(`Blocked site certificate: Entry ${sha1.replaceAll(":", "").toLowerCase().slice(0, 16)}…`);
  expect(byFeed.explanation).toMatch(/Listed by a signed feed of your organisation\.$/);
});

test("a fingerprint that does not parse is dropped from its entry, whose other keys still block; an entry left with none is dropped", async () => {
  const info = await securityInfo(await makePki());
  const leaf = info.certificates[0];
  const blocklist = [
    { sha256: "not a fingerprint", source: "policy" as const, label: "Nothing usable" },
    { sha256: "still not one", spkiSha256: leaf.subjectPublicKeyInfoDigest.sha256, source: "policy" as const, label: "Leaf key" },
  ];
  const ca = analyzer({ allowlist: [], blocklist });
  const [finding] = only(ca.analyze(info));
  expect(finding.match).toMatchObject({ id: "policy:0", label: "Leaf key", key: "spkiSha256" });
  expect(ca.customEntries.map((e) => e.label)).toEqual(["Leaf key"]);
});

test("a user's entry with a reference links it", async () => {
  const info = await securityInfo(await makePki());
  const reference = "https://intranet.example/advisories/42";
  const list = parseList([{ sha256: info.certificates[0].fingerprint.sha256, label: "Old test cert", reference }], "blocklist", "user");
  expect(only(analyzer({ allowlist: [], blocklist: list.entries }).analyze(info))[0].reference).toBe(reference);
});
