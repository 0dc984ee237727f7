/**
 * securityInfoFromDer builds most tests' input, so it must write every field as Firefox does: the
 * real SecurityInfo Firefox ESR captured is the reference, and names NSS writes in less common
 * forms are checked against what NSS's own certutil printed for the corpus (test/fixtures/certificates/README.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCertificate } from "../../src/der";
import { pemToDerList } from "../../src/encoding";
import { firefoxNameString } from "../../src/firefoxName";
import { firefoxCertificateFromDer, securityInfoFromDer } from "../../src/securityInfoFromDer";
import { capturedSecurityInfo } from "./support/chains";
import { certificate, int, oid, seq, set } from "./support/derWriter";

const corpus = (file: string) => pemToDerList(readFileSync(join(__dirname, "..", "fixtures", "certificates", file), "utf8"))[0];

test("the captured chain's bytes give back, field for field, the certificates Firefox reported", async () => {
  const captured = capturedSecurityInfo();
  const rebuilt = await securityInfoFromDer(
    captured.certificates.map((c) => Uint8Array.from(c.rawDER!)),
    { builtInRoot: captured.certificates.at(-1)!.isBuiltInRoot },
  );
  expect(rebuilt.certificates).toEqual(captured.certificates);
  // The form that tells NSS's order from RFC 2253 tools' "CN=localhost, O=FFProbe".
  expect(rebuilt.certificates[0].subject).toBe("O=FFProbe,CN=localhost");
});

test("names are written as NSS writes them: multi-valued RDNs, quotes, escapes, unnamed attributes, e-mail, UTF-8, cut values", () => {
  const names = readCertificate(corpus("names.pem"));
  expect(firefoxNameString(names.subject)).toBe(
    'CN="#hash <tag> =eq",E=pki@example.com,OID.2.5.4.13="custom;value",OU=Sales+OU="R&D, Europe",' +
      'businessCategory="Long category, Long category, Long category, Long category, Lon...",' +
      'O=Quote \\" and backslash \\\\ Co.,L="  Two  spaces ",ST=Baden-Württemberg,C=DE',
  );
  expect(firefoxNameString(names.issuer)).toBe(firefoxNameString(names.subject));
});

test("values NSS cannot show as text are hex, control bytes are escaped, other string types are converted", () => {
  // AttributeValue TLVs: a VisibleString (NSS decodes no such type), a CN with a tab and DEL, a BMPString, a TeletexString (Latin-1).
  const visible = [0x1a, 0x02, 0x41, 0x42];
  const control = [0x0c, 0x03, 0x61, 0x09, 0x7f];
  const bmp = [0x1e, 0x04, 0x00, 0xe9, 0x00, 0x74];
  const teletex = [0x14, 0x02, 0xe9, 0x74];
  const rdns = (
    [
      ["2.5.4.3", visible],
      ["2.5.4.10", control],
      ["2.5.4.11", bmp],
      ["2.5.4.7", teletex],
    ] as const
  ).map(([type, value]) => set(seq(oid(type), Uint8Array.from(value))));
  const der = seq(...rdns);
  expect(firefoxNameString(der)).toBe("L=ét,OU=ét,O=a\\09\\7f,CN=#1A024142");
});

test("a serial with a leading zero byte keeps it, as Firefox shows it", async () => {
  const der = certificate({ serial: int([0x00, 0x8f, 0x01]) });
  expect((await firefoxCertificateFromDer(der)).serialNumber).toBe("00:8F:01");
});
