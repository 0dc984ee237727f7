/**
 * One TLS handshake with a host, and what it tells: the certificates the server itself sent, the
 * chain a client store completes from them, and whether that store verifies it.
 *
 * Why the server's certificates are read from the wire rather than from Node's API: Node's
 * `getPeerCertificate(true)` links `issuerCertificate`s from what the server sent AND from the
 * context's trust store, with nothing saying which is which. Checked on Node 20.20 / OpenSSL 3.0:
 * - a server sending only its leaf, with root and intermediate in `ca`, yields leaf → intermediate
 *   → root, exactly as if the server had sent all three;
 * - with an empty store (`ca: []`), a server sending [leaf, unrelated, root, intermediate] yields
 *   leaf → intermediate only: the walk over the sent certificates stops when the issuer it found
 *   was the last one left (it drops the root the server did send) and extras never appear;
 * - `getPeerX509Certificate()` is the leaf alone.
 * So the scanner keeps the bytes the server sent and reads its Certificate message itself
 * (src/scan/serverCertificates.ts): in clear in TLS 1.2; in TLS 1.3 opened with the server's
 * handshake traffic secret, which Node hands out through the socket's `keylog` event. That is the
 * exact list, in wire order, from the same handshake that is verified — a second handshake with
 * an empty store could reach another server behind the same name.
 *
 * The completed chain is then built here, the way OpenSSL builds it: from the leaf, each issuer is
 * looked for first in the trust store (X509_V_FLAG_TRUSTED_FIRST, OpenSSL's default) and then
 * among the certificates the server sent, matched by X509_check_issued (names, key identifiers,
 * key usage) and a valid signature; it ends at a self-signed certificate or where no issuer is
 * found. Whether OpenSSL verified the chain, and the host name, is reported beside it.
 */
import { createDecipheriv, createHmac, X509Certificate, type CipherGCMTypes } from "node:crypto";
import { connect as tcpConnect, isIP, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { checkServerIdentity, connect as tlsConnect, createSecureContext, rootCertificates, type SecureContext, type TLSSocket } from "node:tls";
import { errorMessage } from "../src/errorMessage";
import type { TlsSummary, Verification } from "../src/scan/report";
import { MAX_SENT_CERTIFICATES, sentCertificates, type OpenRecord } from "../src/scan/serverCertificates";
import type { ScanError, ScanTarget } from "../src/scan/targets";

/** The roots a client trusts: Node's bundled ones (Mozilla's, as Firefox ships) plus `--ca` extras. */
export interface TrustStore {
  context: SecureContext;
  certificates: X509Certificate[];
  /** SHA-256 fingerprints (Node's "AB:CD:…" form) of Node's bundled roots: these count as built-in. */
  bundled: Set<string>;
  /** In words, for the output. */
  description: string;
}

/** `extraPems`: one certificate each. */
export function trustStore(extraPems: readonly string[]): TrustStore {
  const bundled = rootCertificates.map((pem) => new X509Certificate(pem));
  const extras = extraPems.map((pem) => new X509Certificate(pem));
  return {
    context: createSecureContext({ ca: [...rootCertificates, ...extraPems] }),
    certificates: [...bundled, ...extras],
    bundled: new Set(bundled.map((c) => c.fingerprint256)),
    description: `Node ${process.versions.node} bundled roots (${bundled.length})${extras.length ? ` + ${extras.length} from --ca` : ""}`,
  };
}

export interface Probed {
  address: string;
  tls: TlsSummary;
  verification: Verification;
  /** DER, in the order the server sent them. */
  sent: Uint8Array[];
  /** DER, leaf first: the chain completed from `sent` and the store. */
  chain: Uint8Array[];
  /** The chain ends at a self-signed certificate among Node's bundled roots. */
  endsAtBundledRoot: boolean;
}

/**
 * What is kept of the server's bytes: its Certificate message comes early, and OpenSSL refuses
 * one over 100 KiB (max_cert_list) anyway.
 */
const MAX_FLIGHT_BYTES = 256 * 1024;
const ALPN = ["h2", "http/1.1"];

/** The TLS 1.3 cipher suites Node offers by default (RFC 8446 B.4). */
const TLS13_SUITES: Record<string, { cipher: CipherGCMTypes | "chacha20-poly1305"; keyLength: number; hash: "sha256" | "sha384" }> = {
  TLS_AES_128_GCM_SHA256: { cipher: "aes-128-gcm", keyLength: 16, hash: "sha256" },
  TLS_AES_256_GCM_SHA384: { cipher: "aes-256-gcm", keyLength: 32, hash: "sha384" },
  TLS_CHACHA20_POLY1305_SHA256: { cipher: "chacha20-poly1305", keyLength: 32, hash: "sha256" },
};
const AEAD_TAG_BYTES = 16;
const NONCE_BYTES = 12;

/** HKDF-Expand-Label (RFC 8446 7.1) for an output no longer than one hash block, as keys and IVs are. */
function expandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, fullLabel.length]), fullLabel, Buffer.from([0, 1])]);
  return createHmac(hash, secret).update(info).digest().subarray(0, length);
}

/** Opens records protected with the server's handshake traffic secret (RFC 8446 5.2, 5.3). */
function handshakeRecordOpener(suite: string, secret: Buffer): OpenRecord | ScanError {
  const params = TLS13_SUITES[suite];
  if (!params) return { code: "EUNSUPPORTEDSUITE", message: `cannot read the certificates of a ${suite} handshake` };
  const key = expandLabel(params.hash, secret, "key", params.keyLength);
  const iv = expandLabel(params.hash, secret, "iv", NONCE_BYTES);
  return (header, body, sequence) => {
    const nonce = Buffer.from(iv);
    for (let i = 0, n = sequence; i < 8 && n > 0; i++, n = Math.floor(n / 256)) nonce[NONCE_BYTES - 1 - i] ^= n & 0xff;
    if (body.length < AEAD_TAG_BYTES) return null;
    const decipher = createDecipheriv(params.cipher as CipherGCMTypes, key, nonce, { authTagLength: AEAD_TAG_BYTES });
    decipher.setAAD(header);
    decipher.setAuthTag(body.subarray(body.length - AEAD_TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - AEAD_TAG_BYTES)), decipher.final()]);
    } catch {
      return null; // protected with a later key: the handshake part is over
    }
  };
}

const isSelfSigned = (c: X509Certificate) => signedBy(c, c);

function signedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false; // a key type OpenSSL cannot verify with is no issuer
  }
}

/** The chain a client completes (see the file's comment), leaf first. */
function completeChain(sent: X509Certificate[], store: TrustStore): X509Certificate[] {
  const chain = [sent[0]];
  const used = new Set([sent[0].fingerprint256]);
  const candidates = [...store.certificates, ...sent.slice(1)];
  while (chain.length < MAX_SENT_CERTIFICATES && !isSelfSigned(chain[chain.length - 1])) {
    const last = chain[chain.length - 1];
    const issuer = candidates.find((c) => !used.has(c.fingerprint256) && signedBy(last, c));
    if (!issuer) break;
    chain.push(issuer);
    used.add(issuer.fingerprint256);
  }
  return chain;
}

function errorOf(error: unknown): ScanError {
  const e = error as NodeJS.ErrnoException;
  return { code: typeof e?.code === "string" ? e.code : "ERROR", message: errorMessage(error) };
}

/**
 * Connects (DNS, TCP, TLS with SNI and ALPN) within `timeoutMs`, and reports what the handshake
 * showed. Never rejects: every failure is a ScanError.
 */
export function probe(target: ScanTarget, store: TrustStore, timeoutMs: number): Promise<Probed | ScanError> {
  return new Promise((resolve) => {
    let handshakeSecret: Buffer | null = null;
    const tcp = tcpConnect({ host: target.host, port: target.port });
    const { wire, received } = recordingWire(tcp);
    tcp.on("error", (error) => finish(errorOf(error)));

    const socket = tlsConnect({
      socket: wire,
      secureContext: store.context,
      // RFC 6066 3: no SNI for an IP address.
      ...(isIP(target.host) === 0 && { servername: target.host }),
      ALPNProtocols: ALPN,
      // Verification is reported, not enforced: an unverifiable chain is exactly what is looked for.
      rejectUnauthorized: false,
    });
    socket.on("keylog", (line: Buffer) => {
      const [label, , secret] = line.toString("latin1").trim().split(" ");
      if (label === "SERVER_HANDSHAKE_TRAFFIC_SECRET" && secret) handshakeSecret = Buffer.from(secret, "hex");
    });
    socket.on("error", (error) => finish(errorOf(error)));
    socket.on("secureConnect", () => {
      try {
        finish(handshakeFacts(socket, target.host, store, received(), handshakeSecret, tcp.remoteAddress ?? ""));
      } catch (error) {
        finish(errorOf(error));
      }
    });

    const timer = setTimeout(() => finish({ code: "ETIMEDOUT", message: `no TLS handshake within ${timeoutMs / 1000} s` }), timeoutMs);
    let settled = false;
    function finish(result: Probed | ScanError): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      tcp.destroy();
      resolve(result);
    }
  });
}

/**
 * A stream over `tcp` for the TLS socket to run over, rather than over the TCP socket itself, so
 * that the bytes the server sent (the first MAX_FLIGHT_BYTES or so) can be kept as well as handed on.
 */
function recordingWire(tcp: Socket): { wire: Duplex; received: () => Buffer } {
  const received: Buffer[] = [];
  let receivedBytes = 0;
  const wire = new Duplex({
    read: () => void tcp.resume(),
    write: (chunk, _encoding, callback) => void tcp.write(chunk, callback),
    final: (callback) => {
      tcp.end();
      callback();
    },
    destroy: (error, callback) => {
      tcp.destroy();
      callback(error);
    },
  });
  tcp.on("data", (chunk: Buffer) => {
    if (receivedBytes < MAX_FLIGHT_BYTES) {
      received.push(chunk);
      receivedBytes += chunk.length;
    }
    if (!wire.push(chunk)) tcp.pause();
  });
  tcp.on("end", () => wire.push(null));
  return { wire, received: () => Buffer.concat(received) };
}

/** What the finished handshake showed: `received` is what the server sent, `handshakeSecret` its TLS 1.3 key log. */
function handshakeFacts(
  socket: TLSSocket,
  host: string,
  store: TrustStore,
  received: Buffer,
  handshakeSecret: Buffer | null,
  address: string,
): Probed | ScanError {
  const version = socket.getProtocol();
  const suite = socket.getCipher().standardName;
  if (version !== "TLSv1.2" && version !== "TLSv1.3") return { code: "EUNSUPPORTEDVERSION", message: `cannot read the certificates of a ${version} handshake` };
  let open: OpenRecord | undefined;
  if (version === "TLSv1.3") {
    if (!handshakeSecret) return { code: "ENOKEYLOG", message: "Node gave no handshake secret for this connection" };
    const opener = handshakeRecordOpener(suite, handshakeSecret);
    if (typeof opener !== "function") return opener;
    open = opener;
  }
  const sent = sentCertificates(received, version, open);
  if (!sent.ok) return sent.error;
  const chain = completeChain(
    sent.certificates.map((der) => new X509Certificate(der)),
    store,
  );
  const root = chain[chain.length - 1];
  return {
    address,
    tls: { version, cipher: suite, alpn: socket.alpnProtocol || null },
    verification: verificationOf(socket, host),
    sent: sent.certificates,
    chain: chain.map((c) => new Uint8Array(c.raw)),
    endsAtBundledRoot: store.bundled.has(root.fingerprint256) && isSelfSigned(root),
  };
}

function verificationOf(socket: TLSSocket, host: string): Verification {
  // Node's type says Error; at run time it is OpenSSL's code, e.g. "UNABLE_TO_GET_ISSUER_CERT_LOCALLY".
  if (!socket.authorized) return { ok: false, error: String(socket.authorizationError) };
  const mismatch = checkServerIdentity(host, socket.getPeerCertificate());
  return mismatch ? { ok: false, error: (mismatch as NodeJS.ErrnoException).code ?? mismatch.message } : { ok: true, error: null };
}
