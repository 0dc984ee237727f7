/**
 * Hostile but well-formed certificates: valid DER that stresses whoever decodes it (sizes, depth,
 * keys and algorithms nobody expects). Built by hand with derWriter, since no CA library emits them.
 */
import { algorithm, bits, certificate, concat, extension, int, name, nested, nul, oid, OID, P256_SPKI, seq, explicit } from "./derWriter";

export interface HostileCertificate {
  name: string;
  der: Uint8Array;
}

/** An OID of `count` arcs (1.2.3.4.…), each arc a multi-byte base-128 number. */
export function longOid(count: number): Uint8Array {
  return oid(Array.from({ length: count }, (_, i) => (i < 2 ? i + 1 : 100_000 + i)));
}

const rsaKey = (modulus: Uint8Array | readonly number[], keyAlgorithm = algorithm(OID.rsaEncryption, nul())) =>
  seq(keyAlgorithm, bits(seq(int(modulus), int([0x01, 0x00, 0x01]))));

const ecKey = (params: Uint8Array | undefined, point: Uint8Array) => seq(algorithm(OID.ecPublicKey, params), bits(point));

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

/** RSASSA-PSS-params with a SHA-256 hash (RFC 4055). */
const pssSha256 = seq(explicit(0, algorithm(OID.sha256, nul())));

const built = new Map<number, HostileCertificate[]>();

/**
 * The catalogue; `scale` shrinks the counts (arcs, RDNs, depth, bytes), for decoders that are
 * linear but slow. Built once per scale.
 */
export function hostileCertificates({ scale = 1 } = {}): HostileCertificate[] {
  const n = (count: number) => Math.max(2, Math.round(count * scale));
  if (!built.has(scale)) built.set(scale, catalogue(n));
  return built.get(scale)!;
}

function catalogue(n: (count: number) => number): HostileCertificate[] {
  const count = (c: number) => n(c).toLocaleString("en");
  return [
    {
      name: `${count(100_000)}-arc OID in certificatePolicies`,
      der: certificate({ extensions: [extension(OID.certificatePolicies, seq(seq(longOid(n(100_000)))))] }),
    },
    { name: `${count(100_000)}-arc OID as signature algorithm`, der: certificate({ signature: seq(longOid(n(100_000))) }) },
    { name: `${count(100_000)}-arc OID as key algorithm`, der: certificate({ spki: seq(seq(longOid(n(100_000))), bits(bytes(32, 1))) }) },
    { name: "an OID arc past 2^53", der: certificate({ signature: seq(Uint8Array.of(0x06, 0x0b, 0x2a, ...bytes(9, 0xff), 0x7f)) }) },
    {
      name: `${count(5000)} RDNs in the subject`,
      der: certificate({ subject: name(Array.from({ length: n(5000) }, (_, i) => [OID.commonName, `rdn ${i}`] as const)) }),
    },
    {
      name: `${count(5000)} extensions`,
      der: certificate({ extensions: Array.from({ length: n(5000) }, (_, i) => extension(`1.3.6.1.4.1.99999.${i}`, nul())) }),
    },
    { name: `${count(10_000)}-byte serial`, der: certificate({ serial: int(concat([Uint8Array.of(0x7f), bytes(n(9999), 0xab)])) }) },
    { name: `${count(10_000)}-byte serial of leading zeros`, der: certificate({ serial: int(concat([bytes(n(9999), 0), Uint8Array.of(0x01)])) }) },
    { name: "negative serial", der: certificate({ serial: int([0xff, 0x01]) }) },
    { name: "empty serial", der: certificate({ serial: int([]) }) },
    { name: `${count(100_000)} nested SEQUENCEs in an extension`, der: certificate({ extensions: [extension("1.3.6.1.4.1.99999.1", nested(n(100_000)))] }) },
    {
      name: `${count(10_000)} nested SEQUENCEs as key parameters`,
      der: certificate({ spki: seq(algorithm(OID.ecPublicKey, nested(n(10_000))), bits(bytes(65, 4))) }),
    },
    { name: `${count(10_000)} nested SEQUENCEs as signature parameters`, der: certificate({ signature: algorithm(OID.sha256WithRSA, nested(n(10_000))) }) },
    { name: `${count(100_000)} nested SEQUENCEs as the subject`, der: certificate({ subject: nested(n(100_000)) }) },
    { name: "unknown key algorithm", der: certificate({ spki: seq(algorithm("1.2.3.4.5.6.7"), bits(bytes(100, 7))) }) },
    { name: "EC on an unknown curve, uncompressed point", der: certificate({ spki: ecKey(oid("1.3.132.0.99"), concat([Uint8Array.of(4), bytes(96, 9)])) }) },
    { name: "EC on an unknown curve, compressed point", der: certificate({ spki: ecKey(oid("1.3.132.0.99"), concat([Uint8Array.of(2), bytes(28, 9)])) }) },
    { name: "EC on an unknown curve, 1-byte point", der: certificate({ spki: ecKey(oid("1.3.132.0.99"), Uint8Array.of(4)) }) },
    { name: "EC on an unknown curve, empty point", der: certificate({ spki: ecKey(oid("1.3.132.0.99"), new Uint8Array(0)) }) },
    { name: "EC with explicit curve parameters", der: certificate({ spki: ecKey(seq(int([1]), seq(oid("1.2.840.10045.1.1"), int([0x7f]))), bytes(65, 4)) }) },
    { name: "EC without parameters", der: certificate({ spki: ecKey(undefined, bytes(65, 4)) }) },
    { name: "RSA with a 1-bit modulus", der: certificate({ spki: rsaKey([0x01]) }) },
    { name: "RSA with a zero modulus", der: certificate({ spki: rsaKey([0x00]) }) },
    { name: "RSA with a negative modulus", der: certificate({ spki: rsaKey(concat([Uint8Array.of(0x80), bytes(255, 0xff)])) }) },
    { name: "RSA with an empty modulus", der: certificate({ spki: rsaKey([]) }) },
    { name: `RSA with a ${count(100_000)}-bit modulus`, der: certificate({ spki: rsaKey(concat([Uint8Array.of(0x00), bytes(n(12_500), 0xc3)])) }) },
    { name: "RSA key that is not a SEQUENCE", der: certificate({ spki: seq(algorithm(OID.rsaEncryption, nul()), bits(bytes(20, 3))) }) },
    {
      name: "RSASSA-PSS key and signature",
      der: certificate({
        spki: rsaKey(concat([Uint8Array.of(0x00), bytes(256, 0xc3)]), algorithm(OID.rsassaPss, pssSha256)),
        signature: algorithm(OID.rsassaPss, pssSha256),
      }),
    },
    { name: "RSASSA-PSS signature without parameters (SHA-1)", der: certificate({ signature: algorithm(OID.rsassaPss) }) },
    { name: "RSASSA-PSS signature with empty parameters", der: certificate({ signature: algorithm(OID.rsassaPss, seq()) }) },
    { name: "RSASSA-PSS signature with a broken hash", der: certificate({ signature: algorithm(OID.rsassaPss, seq(explicit(0, seq(int([1]))))) }) },
    {
      name: "DSA key and signature",
      der: certificate({
        spki: seq(
          algorithm(OID.dsa, seq(int(concat([Uint8Array.of(0x00), bytes(256, 0xd1)])), int(bytes(32, 0x11)), int(bytes(256, 0x22)))),
          bits(int(bytes(256, 0x33))),
        ),
        signature: algorithm(OID.dsaWithSha256),
      }),
    },
    { name: "DSA key without parameters", der: certificate({ spki: seq(algorithm(OID.dsa), bits(int(bytes(128, 0x33)))) }) },
    { name: "Ed25519 key and signature", der: certificate({ spki: seq(algorithm(OID.ed25519), bits(bytes(32, 0x44))), signature: algorithm(OID.ed25519) }) },
    { name: "Ed448 key and signature", der: certificate({ spki: seq(algorithm(OID.ed448), bits(bytes(57, 0x44))), signature: algorithm(OID.ed448) }) },
    {
      name: "SHA-1 signature OID with a non-minimal arc",
      der: certificate({ signature: seq(Uint8Array.of(0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x80, 0x05)) }),
    },
    { name: "signature algorithm OID that ends inside an arc", der: certificate({ signature: seq(Uint8Array.of(0x06, 0x03, 0x2a, 0x86, 0x88)) }) },
    { name: "empty signature algorithm OID", der: certificate({ signature: seq(Uint8Array.of(0x06, 0x00)) }) },
    { name: "ordinary hand-built certificate", der: certificate({ signature: algorithm(OID.ecdsaWithSha256), spki: P256_SPKI }) },
  ];
}
