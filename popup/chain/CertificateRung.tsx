import { useState } from "preact/hooks";
import type { CertificateDetails } from "../../src/certificateView";
import { errorMessage } from "../../src/errorMessage";
import { commonName, ROLE_NAME } from "../../src/names";
import type { ChainCertificate, Finding } from "../../src/verdict";
import { useConnector } from "../connect/context";
import { ExternalLink } from "../ui/ExternalLink";
import { Expander } from "../ui/Expander";
import { Field, Fields, HashField } from "../ui/Fields";
import { crtShUrl, formatTime } from "../ui/format";
import { Badge } from "./Badge";
import { badgesFor } from "./badges";
import { loadCertificateDetails } from "./certificateDetails";
import { CertificateDetailsView } from "./CertificateDetailsView";

type DetailsState = { status: "idle" } | { status: "loading" } | { status: "ready"; details: CertificateDetails } | { status: "failed"; error: string };

const capitalised = (s: string) => s[0].toUpperCase() + s.slice(1);

/** One certificate of the ladder: name and badges at a glance, everything else on demand. */
/** `usedOcsp`: the connection's, shown against the leaf's must-staple. */
export function CertificateRung({
  tabId,
  cert,
  findings,
  usedOcsp,
}: {
  tabId: number;
  cert: ChainCertificate;
  findings: readonly Finding[];
  usedOcsp?: boolean;
}) {
  const connector = useConnector();
  const [details, setDetails] = useState<DetailsState>({ status: "idle" });
  const badges = badgesFor(cert, findings);
  const mine = findings.filter((f) => f.certIndex === cert.index);

  // Decoding happens in this page and only for certificates someone opens.
  const loadDetails = () => {
    if (details.status === "ready" || details.status === "loading") return;
    setDetails({ status: "loading" });
    loadCertificateDetails(connector, tabId, cert.sha256).then(
      (decoded) => setDetails({ status: "ready", details: decoded }),
      (error) => setDetails({ status: "failed", error: errorMessage(error) }),
    );
  };

  return (
    <li class={`rung role-${cert.role}`} data-worst={badges.find((b) => b.tone === "blocked") ? "blocked" : undefined}>
      <Expander
        onOpen={loadDetails}
        summary={
          <span class="rung-title">
            <span class="rung-role">{capitalised(ROLE_NAME[cert.role])}</span>
            <span class="rung-name">{commonName(cert.subject)}</span>
          </span>
        }
      >
        {() => (
          <div class="rung-details">
            {mine.length > 0 && (
              <ul class="plain rung-findings">
                {mine.map((f, i) => (
                  <li key={i} class={`tone-${f.severity}`}>
                    <strong>{f.title}.</strong> {f.explanation} {f.reference && <ExternalLink href={f.reference}>Reference</ExternalLink>}
                  </li>
                ))}
              </ul>
            )}
            <Fields label="As Firefox reported it">
              <Field label="Subject">{cert.subject}</Field>
              <Field label="Issuer">{cert.issuer}</Field>
              <Field label="Valid">{`${formatTime(cert.validity.start)} to ${formatTime(cert.validity.end)}`}</Field>
              <HashField label="SHA-256" value={cert.sha256} />
              <HashField label="SHA-1" value={cert.sha1} />
              <HashField label="SPKI SHA-256" value={cert.spkiSha256} />
              <HashField label="Serial" value={cert.serialNumber} />
            </Fields>
            <p class="actions">
              <ExternalLink href={crtShUrl(cert.sha256)} label={`Look up ${commonName(cert.subject)} on crt.sh`}>
                Look up on crt.sh
              </ExternalLink>
            </p>
            <DetailsPanel state={details} usedOcsp={cert.index === 0 ? usedOcsp : undefined} />
          </div>
        )}
      </Expander>
      <p class="rung-subject">{cert.subject}</p>
      {badges.length > 0 && (
        <ul class="badges" aria-label={`Badges for ${commonName(cert.subject)}`}>
          {badges.map((b) => (
            <li key={b.label}>
              <Badge badge={b} />
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function DetailsPanel({ state, usedOcsp }: { state: DetailsState; usedOcsp?: boolean }) {
  if (state.status === "ready") return <CertificateDetailsView details={state.details} usedOcsp={usedOcsp} />;
  if (state.status === "failed") return <p class="muted">Decoded fields unavailable: {state.error}</p>;
  return (
    <p class="muted skeleton-line" aria-busy="true">
      Decoding the certificate…
    </p>
  );
}
