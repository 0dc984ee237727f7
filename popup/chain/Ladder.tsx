import type { Verdict } from "../../src/verdict";
import { CertificateRung } from "./CertificateRung";

/** The presented chain as a ladder: site certificate at the top, root at the bottom. */
export function Ladder({ tabId, verdict, usedOcsp }: { tabId: number; verdict: Verdict; usedOcsp?: boolean }) {
  if (verdict.chain.length === 0) return <p class="muted">Firefox reported no certificates for this connection.</p>;
  return (
    <ol class="ladder" aria-label="Certificate chain, site certificate first">
      {verdict.chain.map((cert) => (
        <CertificateRung key={`${cert.index}:${cert.sha256}`} tabId={tabId} cert={cert} findings={verdict.findings} usedOcsp={usedOcsp} />
      ))}
    </ol>
  );
}
