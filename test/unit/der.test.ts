/** The hot-path DER walk on hand-built certificates: what it reports, and what it refuses. */
import { DerError, readCertificate, readPublicKeyInfo } from "../../src/der";
import { algorithm, bits, certificate, concat, explicit, int, nested, nul, oid, OID, P256_SPKI, seq } from "./support/derWriter";
import { longOid } from "./support/hostileCertificates";
import { analyzer, firefoxCertificate, makePki } from "./support/chains";
import { firefoxEntryForBytes } from "./adversarial/fuzz";

const rsaKey = (modulus: readonly number[] | Uint8Array) => seq(algorithm(OID.rsaEncryption, nul()), bits(seq(int(modulus), int([0x01, 0x00, 0x01]))));
const ecKey = (curve: string, point: Uint8Array) => seq(algorithm(OID.ecPublicKey, oid(curve)), bits(point));

describe("keys", () => {
  test("an RSA modulus of 1 bit or 0 is read as such, and the analyzer calls the key weak", () => {
    expect(readCertificate(certificate({ spki: rsaKey([0x01]) })).key).toEqual({ type: "RSA", bits: 1 });
    expect(readCertificate(certificate({ spki: rsaKey([0x00]) })).key).toEqual({ type: "RSA", bits: 0 });
    const verdict = analyzer().analyze({ state: "secure", certificates: [firefoxEntryForBytes(certificate({ spki: rsaKey([0x01]) }))] });
    expect(verdict.findings).toContainEqual(expect.objectContaining({ ruleId: "weak-key", certIndex: 0, title: expect.stringMatching(/RSA 1 bits/) }));
  });

  test("a negative or empty RSA modulus is no key: a DerError, not a size", () => {
    expect(() => readCertificate(certificate({ spki: rsaKey([0x80, 0x01]) }))).toThrow(/^negative RSA modulus \(offset \d+\)$/);
    // An empty INTEGER used to be measured from the byte after it (a negative size).
    expect(() => readCertificate(certificate({ spki: rsaKey([]) }))).toThrow(/empty INTEGER for RSA modulus/);
  });

  test("an EC key on an unknown curve is sized from its point, or not at all", () => {
    const curve = "1.3.132.0.99";
    expect(readCertificate(certificate({ spki: ecKey(curve, concat([Uint8Array.of(4), new Uint8Array(96)])) })).key).toEqual({ type: "EC", curve, bits: 384 });
    expect(readCertificate(certificate({ spki: ecKey(curve, concat([Uint8Array.of(3), new Uint8Array(28)])) })).key).toEqual({ type: "EC", curve, bits: 224 });
    // Used to come out as -4 bits (and so as a "weak key" of negative size).
    for (const point of [Uint8Array.of(4), new Uint8Array(0), Uint8Array.of(4, 1, 2, 3)]) {
      expect(readCertificate(certificate({ spki: ecKey(curve, point) })).key).toEqual({ type: "EC", curve, bits: null });
    }
  });
});

describe("keys of other kinds", () => {
  const dsaKey = (params?: Uint8Array) => seq(algorithm(OID.dsa, params), bits(int([0x03])));
  const dsaParams = (p: Uint8Array) => seq(p, int([0x05]), int([0x02]));

  test("a DSA key is sized by its prime p, or not at all when its parameters are inherited", () => {
    const p1024 = int(concat([Uint8Array.of(0x00, 0x80), new Uint8Array(127)]));
    expect(readCertificate(certificate({ spki: dsaKey(dsaParams(p1024)) })).key).toEqual({ type: "DSA", bits: 1024 });
    expect(readCertificate(certificate({ spki: dsaKey() })).key).toEqual({ type: "DSA", bits: null });
  });

  test("a DSA prime that is negative or not an INTEGER is refused, naming DSA p", () => {
    expect(() => readCertificate(certificate({ spki: dsaKey(dsaParams(int([0x80, 0x01]))) }))).toThrow(/^negative DSA p \(offset \d+\)$/);
    expect(() => readCertificate(certificate({ spki: dsaKey(dsaParams(nul())) }))).toThrow(/^expected DSA p \(tag 0x2\) at offset \d+, found tag 0x5$/);
  });

  test("a key of an algorithm the walk does not know is named by its OID, with no size", () => {
    expect(readCertificate(certificate({ spki: seq(algorithm("1.2.3.4"), bits(Uint8Array.of(1))) })).key).toEqual({ type: "1.2.3.4", bits: null });
  });

  test("a bare SubjectPublicKeyInfo is read whole or refused", () => {
    expect(readPublicKeyInfo(P256_SPKI)).toEqual({ type: "EC", curve: "P-256", bits: 256 });
    expect(() => readPublicKeyInfo(concat([P256_SPKI, Uint8Array.of(0, 0)]))).toThrow(new DerError("2 trailing bytes after the SubjectPublicKeyInfo"));
    expect(() => readPublicKeyInfo(int([0x01]))).toThrow(new DerError("expected SubjectPublicKeyInfo (tag 0x30) at offset 0, found tag 0x2"));
  });
});

describe("the hash of an RSASSA-PSS signature", () => {
  const pss = (params?: Uint8Array) => readCertificate(certificate({ signature: algorithm(OID.rsassaPss, params) }));
  const SHA1 = "1.3.14.3.2.26";
  const mgf1 = algorithm("1.2.840.113549.1.1.8", algorithm(OID.sha256));

  test("is the one its parameters name, else SHA-1, the default (RFC 4055)", () => {
    expect(pss(seq(explicit(0, algorithm(OID.sha256, nul())), explicit(1, mgf1))).signatureHash).toBe(OID.sha256);
    expect(pss().signatureHash).toBe(SHA1);
    expect(pss(seq()).signatureHash).toBe(SHA1);
    expect(pss(nul()).signatureHash).toBe(SHA1);
    // Only a mask generation function (SHA-256 inside it): the hash is still the default.
    expect(pss(seq(explicit(1, mgf1))).signatureHash).toBe(SHA1);
  });

  test("parameters that are not well formed are refused, naming the field", () => {
    expect(() => pss(Uint8Array.of(0x30))).toThrow(/^truncated before RSASSA-PSS parameters \(offset \d+\)$/);
    expect(() => pss(seq(Uint8Array.of(0xa0)))).toThrow(/^truncated before RSASSA-PSS hashAlgorithm \(offset \d+\)$/);
    expect(() => pss(seq(explicit(0, nul())))).toThrow(/^expected hashAlgorithm \(tag 0x30\) at offset \d+, found tag 0x5$/);
    expect(() => pss(seq(explicit(0, seq(nul()))))).toThrow(/^expected hash OID \(tag 0x6\) at offset \d+, found tag 0x5$/);
  });
});

describe("OBJECT IDENTIFIERs are read strictly, since they are compared with known ones", () => {
  const sha1WithRsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
  const withSignatureOid = (content: number[]) => certificate({ signature: seq(Uint8Array.of(0x06, content.length, ...content)) });

  test("the minimal encoding of SHA-1 with RSA is recognised", () => {
    expect(readCertificate(withSignatureOid(sha1WithRsa)).signatureAlgorithm).toBe(OID.sha1WithRSA);
  });

  test("a non-minimal arc or an arc cut short does not decode to a known OID", () => {
    // Both used to read as 1.2.840.113549.1.1.5.
    expect(() => readCertificate(withSignatureOid([...sha1WithRsa.slice(0, -1), 0x80, 0x05]))).toThrow(/leading zero byte/);
    expect(() => readCertificate(withSignatureOid([...sha1WithRsa, 0x81]))).toThrow(/ends inside an arc/);
    expect(() => readCertificate(withSignatureOid([]))).toThrow(/empty OBJECT IDENTIFIER/);
  });

  test("an arc beyond 2^53 is refused rather than rounded into another number", () => {
    expect(() => readCertificate(withSignatureOid([0x2a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]))).toThrow(/arc too large/);
    expect(readCertificate(withSignatureOid([0x2a, 0x8f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])).signatureAlgorithm).toBe(`1.2.${2 ** 53 - 1}`);
  });

  test("a 100,000-arc OID is read whole", () => {
    const read = readCertificate(certificate({ signature: seq(longOid(100_000)) }));
    expect(read.signatureAlgorithm.split(".")).toHaveLength(100_000);
  });
});

describe("structure", () => {
  test.each([
    ["nothing", new Uint8Array(0), /^truncated before subjectPublicKeyInfo \(offset \d+\)$/],
    ["a multi-byte tag", Uint8Array.of(0x3f, 0x00), /^unsupported multi-byte tag at subjectPublicKeyInfo \(offset \d+\)$/],
    ["an indefinite length", Uint8Array.of(0x30, 0x80, 0x00, 0x00), /^indefinite length at subjectPublicKeyInfo \(offset \d+\): not DER$/],
    ["a five-byte length", Uint8Array.of(0x30, 0x85, 0, 0, 0, 0, 0), /^length of 5 bytes at subjectPublicKeyInfo \(offset \d+\)$/],
    ["a length cut short", Uint8Array.of(0x30, 0x82, 0x01), /^truncated length at subjectPublicKeyInfo \(offset \d+\)$/],
  ])("%s where the key should be is refused, saying so", (_, spki, message) => {
    expect(() => readCertificate(certificate({ spki }))).toThrow(message);
  });

  test.each([
    [
      "the key's BIT STRING",
      { spki: seq(algorithm(OID.ecPublicKey, oid(OID.p256)), int([0x04])) },
      /^expected subjectPublicKey \(tag 0x3\) at offset \d+, found tag 0x2$/,
    ],
    [
      "the RSA modulus",
      { spki: seq(algorithm(OID.rsaEncryption, nul()), bits(seq(nul(), int([0x01, 0x00, 0x01])))) },
      /^expected RSA modulus \(tag 0x2\) at offset \d+, found tag 0x5$/,
    ],
    [
      "the key's algorithm parameters",
      { spki: seq(seq(oid(OID.ecPublicKey), Uint8Array.of(0x06)), bits(Uint8Array.of(4))) },
      /^truncated before algorithm parameters \(offset \d+\)$/,
    ],
    ["the outer signature algorithm", { outerSignature: nul() }, /^expected signatureAlgorithm \(tag 0x30\) at offset \d+, found tag 0x5$/],
    ["the signature", { signatureValue: int([0x01]) }, /^expected signatureValue \(tag 0x3\) at offset \d+, found tag 0x2$/],
  ])("a malformed field is refused naming it: %s", (_, parts, message) => {
    expect(() => readCertificate(certificate(parts))).toThrow(message);
  });

  test("an empty serial is refused; a 10,000-byte one is read without its leading zeros", () => {
    expect(() => readCertificate(certificate({ serial: int([]) }))).toThrow(/empty serialNumber/);
    const serial = concat([new Uint8Array(9_999), Uint8Array.of(0x42)]);
    expect(readCertificate(certificate({ serial: int(serial) })).serial).toBe("42");
  });

  test("deep nesting where the walk does not look is never descended into (the walk does not recurse)", () => {
    const deep = nested(100_000);
    const read = readCertificate(certificate({ subject: deep, spki: seq(algorithm(OID.ecPublicKey, nested(10_000)), bits(new Uint8Array(65))) }));
    expect(read.subject).toHaveLength(deep.length);
    expect(read.key).toEqual({ type: "EC", bits: null });
  });

  test("a real certificate reads the same as before (EC P-256, SHA-256)", async () => {
    const { leaf } = await makePki();
    const read = readCertificate(leaf.der);
    expect(read.key).toEqual({ type: "EC", curve: "P-256", bits: 256 });
    expect(read.signatureAlgorithm).toBe("1.2.840.10045.4.3.2");
    expect(read.serial).toBe(
      (await firefoxCertificate(leaf.der)).serialNumber
        .replaceAll(":", "")
        .toLowerCase()
        .replace(/^(00)+(?=.)/, ""),
    );
  });
});
