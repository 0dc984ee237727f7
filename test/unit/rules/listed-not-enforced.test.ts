import { issue } from "../../../scripts/pki"; // first: it loads the Reflect polyfill @peculiar/x509 needs
import { Name } from "@peculiar/x509";
import { parseList } from "../../../src/settings";
import { analyzer, bundledIndex, firefoxCertificate } from "../support/chains";

test("a disabled OneCRL record never blocks: it is a notice naming the record", async () => {
  const entry = bundledIndex.entries.find((e) => e.issuerSerial && e.enforced === false)!;
  const issuer = await issue({ subject: new Name(Buffer.from(bundledIndex.names[entry.issuerSerial!.issuer], "base64")).toString() });
  const listed = await issue({ subject: "CN=listed.example", issuer, serial: entry.issuerSerial!.serial });
  const info = { state: "secure" as const, certificates: [await firefoxCertificate(listed.der), await firefoxCertificate(issuer.der, true)] };
  const verdict = analyzer().analyze(info);
  expect(verdict.level).toBe("notice");
  expect(verdict.findings).toHaveLength(1);
  expect(verdict.findings[0]).toMatchObject({ ruleId: "listed-not-enforced", severity: "notice", certIndex: 0 });
  expect(verdict.findings[0].match).toMatchObject({ id: entry.id, source: "onecrl" });
  expect(verdict.findings[0].explanation).toMatch(/not enforced/);
});

test("a certificate that a disabled record names but an enforced entry blocks is only blocked, with no notice beside it", async () => {
  const entry = bundledIndex.entries.find((e) => e.issuerSerial && e.enforced === false)!;
  const issuer = await issue({ subject: new Name(Buffer.from(bundledIndex.names[entry.issuerSerial!.issuer], "base64")).toString() });
  const listed = await issue({ subject: "CN=listed.example", issuer, serial: entry.issuerSerial!.serial });
  const info = { state: "secure" as const, certificates: [await firefoxCertificate(listed.der), await firefoxCertificate(issuer.der, true)] };
  const { entries } = parseList([{ sha256: info.certificates[0].fingerprint.sha256.toLowerCase(), label: "Listed by us" }], "blocklist", "user");
  const verdict = analyzer({ allowlist: [], blocklist: entries }).analyze(info);
  expect(verdict.findings.map((f) => f.ruleId)).toEqual(["blocked-certificate"]);
  expect(analyzer().analyze(info).findings[0].explanation).toMatch(/^The site certificate "listed.example" matches the disabled OneCRL record/);
});

test("the notice names the record and how the certificate matched it, and links the record's own reference", async () => {
  const entry = bundledIndex.entries.find((e) => e.issuerSerial && e.enforced === false)!;
  const issuer = await issue({ subject: new Name(Buffer.from(bundledIndex.names[entry.issuerSerial!.issuer], "base64")).toString() });
  const listed = await issue({ subject: "CN=listed.example", issuer, serial: entry.issuerSerial!.serial });
  const info = { state: "secure" as const, certificates: [await firefoxCertificate(listed.der), await firefoxCertificate(issuer.der, true)] };
  const [finding] = analyzer().analyze(info).findings;
  expect(finding.explanation).toBe(
    `The site certificate "listed.example" matches the disabled OneCRL record "${entry.label}" by its issuer name and serial number. ` +
      "Mozilla has switched this record off, so it is not enforced.",
  );
  expect(entry.reference).not.toBe("");
  expect(finding.reference).toBe(entry.reference);
});
