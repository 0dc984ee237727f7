import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { issue } from "../../scripts/pki"; // first: loads the Reflect polyfill @peculiar/x509 needs
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  Name,
  NameConstraints,
} from "@peculiar/asn1-x509";
import { Extension, Name as X509Name, SubjectAlternativeNameExtension, type KeyUsageFlags } from "@peculiar/x509";
import { describeCertificate, readEmbeddedScts } from "../../src/certificateView";
import { pemToDerList } from "../../src/encoding";
import { certificate, extension } from "./support/derWriter";

const blocklistDir = join(__dirname, "..", "..", "data", "sources", "chromium-blocklist");
const REVOKED_BADSSL = join(blocklistDir, "29abf614b2870ed70df11225e9ae2068e3074eb9845ae252c2064e31ce9fe8a1.pem");
const openssl = (file: string, ...args: string[]) => execFileSync("openssl", ["x509", "-in", file, "-noout", ...args], { encoding: "utf8" });

describe("a real leaf (revoked.badssl.com) is described as openssl reads it", () => {
  const described = () => describeCertificate(pemToDerList(readFileSync(REVOKED_BADSSL, "utf8"))[0]);

  test("names, validity, serial and fingerprints", async () => {
    const d = await described();
    expect(d.subject).toBe("CN=revoked.badssl.com");
    expect(d.issuer).toBe("C=US, O=DigiCert Inc, CN=RapidSSL TLS DV RSA Mixed SHA256 2020 CA-1");
    expect(d.subjectAltNames).toEqual(["DNS:revoked.badssl.com"]);
    expect(d.notAfter).toBe("2022-10-27T23:59:59.000Z");
    expect(d.serialNumber.replaceAll(":", "")).toBe(openssl(REVOKED_BADSSL, "-serial").trim().replace("serial=", ""));
    expect(d.sha256).toBe(openssl(REVOKED_BADSSL, "-fingerprint", "-sha256").trim().split("=")[1]);
    expect(d.sha1).toBe(openssl(REVOKED_BADSSL, "-fingerprint", "-sha1").trim().split("=")[1]);
    const spki = execFileSync(
      "bash",
      ["-c", `openssl x509 -in ${REVOKED_BADSSL} -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -hex`],
      { encoding: "utf8" },
    );
    expect(d.spkiSha256.hex).toBe(spki.trim().split("= ")[1]);
  });

  test("key, signature and every extension an analyst reads", async () => {
    const d = await described();
    expect(d.publicKey).toEqual({ type: "RSA", bits: 2048 });
    expect(d.signatureAlgorithm).toBe("SHA-256 with RSA");
    expect(d.basicConstraints).toEqual({ ca: false, pathLength: null });
    expect(d.keyUsage).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(d.extendedKeyUsage).toEqual(["serverAuth (1.3.6.1.5.5.7.3.1)", "clientAuth (1.3.6.1.5.5.7.3.2)"]);
    expect(d.crlDistributionPoints).toEqual([
      "http://crl3.digicert.com/RapidSSLTLSDVRSAMixedSHA2562020CA-1.crl",
      "http://crl4.digicert.com/RapidSSLTLSDVRSAMixedSHA2562020CA-1.crl",
    ]);
    expect(d.authorityInfoAccess).toEqual({
      ocsp: ["http://ocsp.digicert.com"],
      caIssuers: ["http://cacerts.digicert.com/RapidSSLTLSDVRSAMixedSHA2562020CA-1.crt"],
    });
    expect(d.certificatePolicies).toEqual(["domain validated (2.23.140.1.2.1)"]);
    expect(d.embeddedScts?.scts).toHaveLength(3);
    expect(d.nameConstraints).toBeNull();
    const ext = openssl(REVOKED_BADSSL, "-ext", "subjectKeyIdentifier,authorityKeyIdentifier");
    expect(ext).toContain(d.subjectKeyId!);
    expect(ext).toContain(d.authorityKeyId!);
    expect(d.extensions.map((e) => e.name)).toContain("Embedded SCTs (Certificate Transparency)");
  });
});

test("a CA with name constraints and an EC key is described too", async () => {
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: ".corp.example" }) })]),
    excludedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: "evil.corp.example" }) })]),
  });
  const root = await issue({ subject: "CN=Constrained Root", key: { type: "EC", curve: "P-384" } });
  // The generator has no name-constraints helper; build the extension from its DER.
  const { X509CertificateGenerator } = await import("@peculiar/x509");
  const cert = await X509CertificateGenerator.createSelfSigned({
    name: "CN=Constrained Root",
    keys: root.keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-384" },
    extensions: [new Extension("2.5.29.30", true, AsnConvert.serialize(constraints))],
  });
  const d = await describeCertificate(new Uint8Array(cert.rawData));
  expect(d.nameConstraints).toEqual({ permitted: ["DNS:.corp.example"], excluded: ["DNS:evil.corp.example"] });
  expect(d.publicKey).toEqual({ type: "EC", curve: "P-384", bits: 384 });
  expect(d.signatureAlgorithm).toBe("ECDSA with SHA-384");
  expect(d.embeddedScts).toBeNull();
});

test("bytes that are not a certificate are refused with a readable message", async () => {
  await expect(describeCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).rejects.toThrow(/truncated|claims/);
});

test("subject alternative names are shown by kind: DNS, IP, email, URI", async () => {
  const root = await issue({ subject: "CN=SAN Test Root" });
  const names = new SubjectAlternativeNameExtension([
    { type: "dns", value: "www.example.test" },
    { type: "ip", value: "192.0.2.7" },
    { type: "email", value: "pki@example.test" },
    { type: "url", value: "https://example.test/" },
  ]);
  const leaf = await issue({ subject: "CN=www.example.test", issuer: root, extensions: [names] });
  expect((await describeCertificate(leaf.der)).subjectAltNames).toEqual([
    "DNS:www.example.test",
    "IP:192.0.2.7",
    "email:pki@example.test",
    "URI:https://example.test/",
  ]);
});

test("a certificate without extensions is described with empty lists and no extension values", async () => {
  const d = await describeCertificate(certificate());
  expect(d).toMatchObject({
    subject: "CN=Hand-built Subject",
    subjectAltNames: [],
    basicConstraints: null,
    keyUsage: [],
    extendedKeyUsage: [],
    nameConstraints: null,
    subjectKeyId: null,
    authorityKeyId: null,
    authorityInfoAccess: { ocsp: [], caIssuers: [] },
    crlDistributionPoints: [],
    certificatePolicies: [],
    embeddedScts: null,
    mustStaple: false,
    extensions: [],
  });
});

test("name constraints that only permit: nothing is excluded", async () => {
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: ".corp.example" }) })]),
  });
  const der = certificate({ extensions: [extension("2.5.29.30", new Uint8Array(AsnConvert.serialize(constraints)))] });
  expect((await describeCertificate(der)).nameConstraints).toEqual({ permitted: ["DNS:.corp.example"], excluded: [] });
});

test("CRL distribution points list the URIs; a point named otherwise, or not named, adds none", async () => {
  const uri = (url: string) => new GeneralName({ uniformResourceIdentifier: url });
  const directoryName = new GeneralName({ directoryName: AsnConvert.parse(new X509Name("CN=CRL Issuer").toArrayBuffer(), Name) });
  const relativeName = AsnConvert.parse(new X509Name("CN=CRL Shard").toArrayBuffer(), Name)[0];
  const points = new CRLDistributionPoints([
    new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [directoryName, uri("http://crl.example.test/a.crl")] }) }),
    new DistributionPoint({ cRLIssuer: [uri("http://issuer.example.test/")] }),
    new DistributionPoint({ distributionPoint: new DistributionPointName({ nameRelativeToCRLIssuer: relativeName }) }),
    new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [uri("http://crl.example.test/b.crl")] }) }),
  ]);
  const der = certificate({ extensions: [extension("2.5.29.31", new Uint8Array(AsnConvert.serialize(points)))] });
  expect((await describeCertificate(der)).crlDistributionPoints).toEqual(["http://crl.example.test/a.crl", "http://crl.example.test/b.crl"]);
});

describe("must-staple: only a SEQUENCE of INTEGERs holding status_request (5) makes a certificate must-staple", () => {
  const OID_TLS_FEATURE = "1.3.6.1.5.5.7.1.24";
  test.each([
    ["a SET holding 5", [0x31, 0x03, 0x02, 0x01, 0x05]],
    ["an OCTET STRING 5 in the SEQUENCE", [0x30, 0x03, 0x04, 0x01, 0x05]],
    ["an INTEGER of two bytes starting 05 (1280)", [0x30, 0x04, 0x02, 0x02, 0x05, 0x00]],
    ["a SEQUENCE cut short", [0x30, 0x06, 0x02, 0x01, 0x05]],
    ["an INTEGER cut short after one not 5", [0x30, 0x05, 0x02, 0x01, 0x11, 0x02, 0x01]],
  ])("%s: not must-staple, and the certificate is still described", async (_, value) => {
    const der = certificate({ extensions: [extension(OID_TLS_FEATURE, Uint8Array.from(value))] });
    const d = await describeCertificate(der);
    expect(d.mustStaple).toBe(false);
    expect(d.extensions.map((e) => e.name)).toEqual(["TLS Feature (OCSP Must-Staple)"]);
  });
});

test("readEmbeddedScts gives the SCTs describeCertificate shows, null without the extension, and refuses non-certificates", async () => {
  const der = pemToDerList(readFileSync(REVOKED_BADSSL, "utf8"))[0];
  const scts = readEmbeddedScts(der);
  expect(scts?.scts).toHaveLength(3);
  expect(scts).toEqual((await describeCertificate(der)).embeddedScts);
  expect(readEmbeddedScts(certificate())).toBeNull();
  expect(() => readEmbeddedScts(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toThrow();
});

test("every extension, key usage, extended key usage and policy the chain page names is named, in the certificate's order", async () => {
  const x509 = await import("@peculiar/x509");
  const { keys } = await issue({ subject: "CN=Named", key: { type: "EC" } });
  const ekus = [
    "1.3.6.1.5.5.7.3.1",
    "1.3.6.1.5.5.7.3.2",
    "1.3.6.1.5.5.7.3.3",
    "1.3.6.1.5.5.7.3.4",
    "1.3.6.1.5.5.7.3.8",
    "1.3.6.1.5.5.7.3.9",
    "2.5.29.37.0",
    "1.3.6.1.4.1.311.10.3.3",
    "2.16.840.1.113730.4.1",
    "1.2.3.4",
  ];
  const policies = ["2.23.140.1.2.1", "2.23.140.1.2.2", "2.23.140.1.2.3", "2.23.140.1.1", "2.5.29.32.0", "1.2.3.5"];
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: ".corp.example" }) })]),
  });
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=Named",
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.KeyUsagesExtension(0x1ff as KeyUsageFlags, true), // all nine bits
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "named.example" }]),
      new x509.BasicConstraintsExtension(true, 0, true),
      new Extension("2.5.29.30", true, AsnConvert.serialize(constraints)),
      new x509.CRLDistributionPointsExtension(["http://crl.example/named.crl"]),
      new x509.CertificatePolicyExtension(policies),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
      new x509.ExtendedKeyUsageExtension(ekus),
      new x509.AuthorityInfoAccessExtension({ ocsp: ["http://ocsp.example"] }),
      new Extension("1.2.3.6", false, new Uint8Array([0x05, 0x00])),
    ],
  });
  const d = await describeCertificate(new Uint8Array(cert.rawData));
  expect(d.extensions).toEqual([
    { oid: "2.5.29.14", name: "Subject Key Identifier", critical: false },
    { oid: "2.5.29.15", name: "Key Usage", critical: true },
    { oid: "2.5.29.17", name: "Subject Alternative Name", critical: false },
    { oid: "2.5.29.19", name: "Basic Constraints", critical: true },
    { oid: "2.5.29.30", name: "Name Constraints", critical: true },
    { oid: "2.5.29.31", name: "CRL Distribution Points", critical: false },
    { oid: "2.5.29.32", name: "Certificate Policies", critical: false },
    { oid: "2.5.29.35", name: "Authority Key Identifier", critical: false },
    { oid: "2.5.29.37", name: "Extended Key Usage", critical: false },
    { oid: "1.3.6.1.5.5.7.1.1", name: "Authority Information Access", critical: false },
    { oid: "1.2.3.6", name: "1.2.3.6", critical: false },
  ]);
  expect(d.keyUsage).toEqual([
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
  ]);
  expect(d.extendedKeyUsage).toEqual([
    "serverAuth (1.3.6.1.5.5.7.3.1)",
    "clientAuth (1.3.6.1.5.5.7.3.2)",
    "codeSigning (1.3.6.1.5.5.7.3.3)",
    "emailProtection (1.3.6.1.5.5.7.3.4)",
    "timeStamping (1.3.6.1.5.5.7.3.8)",
    "OCSPSigning (1.3.6.1.5.5.7.3.9)",
    "anyExtendedKeyUsage (2.5.29.37.0)",
    "Microsoft Server Gated Crypto (1.3.6.1.4.1.311.10.3.3)",
    "Netscape Server Gated Crypto (2.16.840.1.113730.4.1)",
    "1.2.3.4",
  ]);
  expect(d.certificatePolicies).toEqual([
    "domain validated (2.23.140.1.2.1)",
    "organization validated (2.23.140.1.2.2)",
    "individual validated (2.23.140.1.2.3)",
    "extended validation (2.23.140.1.1)",
    "any policy (2.5.29.32.0)",
    "1.2.3.5",
  ]);
  expect(d.basicConstraints).toEqual({ ca: true, pathLength: 0 });
});
