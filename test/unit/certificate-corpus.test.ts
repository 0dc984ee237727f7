/**
 * The committed corpus (test/fixtures/certificates/, made by openssl: see its README) through the
 * DER walk and the two rules that read what it finds. expected.json holds each certificate's facts
 * as `openssl x509 -text` reports them, not as our code does.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readCertificate, type KeyInfo } from "../../src/der";
import { pemToDerList } from "../../src/encoding";
import { securityInfoFromDer } from "../../src/securityInfoFromDer";
import { analyzer } from "./support/chains";

const dir = join(__dirname, "..", "fixtures", "certificates");
interface Facts {
  key: KeyInfo;
  signature: string;
  hash: string | null;
  sha1Signature: boolean;
  weakKey: boolean;
}
const expected: Record<string, Facts> = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"));
const der = (file: string) => pemToDerList(readFileSync(join(dir, file), "utf8"))[0];

test("every certificate in the corpus has its expected facts, and every expectation its certificate", () => {
  expect(
    readdirSync(dir)
      .filter((f) => f.endsWith(".pem"))
      .sort(),
  ).toEqual(Object.keys(expected).sort());
});

test.each(Object.entries(expected))("%s: the DER walk reads its key and signature algorithm", (file, facts) => {
  const cert = readCertificate(der(file));
  expect(cert.key).toEqual(facts.key);
  expect({ signature: cert.signatureAlgorithm, hash: cert.signatureHash }).toEqual({ signature: facts.signature, hash: facts.hash });
});

test.each(Object.entries(expected))("%s: sha1-signature and weak-key fire as its algorithm and key size call for", async (file, facts) => {
  // Alone in the chain it is the site certificate: sha1-signature skips roots, whose signatures no one checks.
  const verdict = analyzer().analyze(await securityInfoFromDer([der(file)]));
  const fired = (id: string) => verdict.findings.some((f) => f.ruleId === id);
  expect({ sha1Signature: fired("sha1-signature"), weakKey: fired("weak-key") }).toEqual({ sha1Signature: facts.sha1Signature, weakKey: facts.weakKey });
});

test("the findings name the algorithm and the key as a user reads them", async () => {
  const titles = async (file: string) =>
    analyzer()
      .analyze(await securityInfoFromDer([der(file)]))
      .findings.map((f) => f.title);
  expect(await titles("rsa-pss-sha1.pem")).toContain("Signed with RSASSA-PSS (SHA-1)");
  expect(await titles("rsa-2048-md5.pem")).toContain("Signed with MD5 with RSA");
  expect(await titles("dsa-1024-sha1.pem")).toEqual(expect.arrayContaining(["Signed with DSA with SHA-1", "Weak key: DSA 1024 bits"]));
  expect(await titles("ec-secp160r1-sha1.pem")).toEqual(expect.arrayContaining(["Signed with ECDSA with SHA-1", "Weak key: EC 1.3.132.0.8 (160 bits)"]));
  expect(await titles("ec-p-192-sha256.pem")).toContain("Weak key: EC P-192 (192 bits)");
});
