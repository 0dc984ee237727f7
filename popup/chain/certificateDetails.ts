/**
 * Decoded certificates for the pages. The background only hands out bytes: decoding runs here, in
 * the page that shows the certificate, so a hostile certificate cannot stall the background's event
 * loop, which every HTTPS response waits on. The decoder (@peculiar/x509) is loaded on first use,
 * so the popup's first render does not pay for it.
 */
import type { CertificateDetails } from "../../src/certificateView";
import { base64ToBytes } from "../../src/encoding";
import { errorMessage } from "../../src/errorMessage";
import { LruCache } from "../../src/lru";
import { certificateTooLarge, MAX_CERTIFICATE_BYTES, type Connector } from "../../src/protocol";

/** Certificates a user opens in one page: a handful, rarely more than a few dozen. */
const CACHE_SIZE = 32;

/** Keyed by connector because a page has exactly one (the tests' pages each have their own). */
const caches = new WeakMap<Connector, LruCache<string, CertificateDetails>>();

/**
 * The decoded fields of one of a tab's certificates. Rejects with the message to show: the
 * background's refusal, the size cap, or the decoder's error.
 */
export async function loadCertificateDetails(connector: Connector, tabId: number, sha256: string): Promise<CertificateDetails> {
  let cache = caches.get(connector);
  if (!cache) caches.set(connector, (cache = new LruCache(CACHE_SIZE)));
  const cached = cache.get(sha256);
  if (cached) return cached;

  const answer = await connector.send("ui-bg-get-certificate", { tabId, sha256 });
  if ("error" in answer) throw new Error(answer.error);
  const der = base64ToBytes(answer.der);
  // The background refuses these too; checked again so no source of bytes can make this page spin.
  if (der.length > MAX_CERTIFICATE_BYTES) throw new Error(certificateTooLarge(der.length));
  const { describeCertificate } = await import("../../src/certificateView");
  let details: CertificateDetails;
  try {
    details = await describeCertificate(der);
  } catch (error) {
    throw new Error(`The certificate could not be decoded: ${errorMessage(error)}`);
  }
  // Only successes are kept: bytes that were missing may be there after a reload.
  cache.set(sha256, details);
  return details;
}
