import type { ComponentChildren } from "preact";
import { commonName, ROLE_NAME, SOURCE_NAME } from "../../src/names";
import type { BlockedCertificate, BlockedPageInfo } from "../../src/protocol";
import type { CertificateRole } from "../../src/verdict";
import { CopyButton } from "../ui/CopyButton";
import { PlainExternalLink } from "../ui/ExternalLink";
import { crtShUrl, formatTime, hostOf } from "../ui/format";
import { useRequest } from "../ui/useRequest";
import { blockedPageId } from "./blockedInfo";

/** What Chain Sentry stopped and why. The address holds an id; the background keeps the details. */
export function BlockedPage({ search }: { search: string }) {
  const id = blockedPageId(search);
  const [details] = useRequest("ui-bg-get-blocked-page", id === null ? null : { id });
  if (id === null || details.status === "failed" || (details.status === "ready" && details.data === null)) {
    return (
      <Shell title="Chain Sentry blocked a page" headline="The site's content was not loaded.">
        This page was opened without the details of what was blocked; the Chain Sentry popup and history list them.
      </Shell>
    );
  }
  if (details.status === "loading") {
    return <Shell title="Chain Sentry blocked a page" headline="The site's content was not loaded." />;
  }
  return <BlockedDetails info={details.data!} />;
}

function Shell({ title, headline, children }: { title: string; headline: string; children?: ComponentChildren }) {
  return (
    <main class="blocked-page">
      <h1>{title}</h1>
      <div class="banner tone-blocked" role="alert">
        <p class="banner-headline">{headline}</p>
        {children && <p class="banner-detail">{children}</p>}
      </div>
    </main>
  );
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");

function roleName(c: BlockedCertificate): string {
  return ROLE_NAME[c.role as CertificateRole] ?? c.role;
}

/** One sentence on what reached the site, which the kind decides. */
function whatWasSent(info: BlockedPageInfo, host: string): string {
  if (info.kind === "origin-blocked") return `Nothing was sent to ${host}: Chain Sentry stopped the request before it left your browser.`;
  return (
    `Your browser had already sent this one request to ${host} (its address, cookies and any form data) when the certificate ` +
    "chain arrived with the response; Chain Sentry discarded the response, so nothing from this site ran in your browser."
  );
}

function BlockedDetails({ info }: { info: BlockedPageInfo }) {
  const host = hostOf(info.url) || info.origin;
  const cert = info.certificate;
  const headline: Record<BlockedPageInfo["kind"], string> = {
    blocked: "The site's content was not loaded.",
    "origin-blocked": "The site's content was not loaded.",
    undecided: "The site's content was not loaded: its certificate chain could not be checked.",
    unverifiable: "The site's content was not loaded: its certificate chain could not be seen.",
  };
  const why: Record<BlockedPageInfo["kind"], string> = {
    blocked: cert
      ? `The connection to ${host} presented ${article(roleName(cert))} ${roleName(cert)} that is on a blocklist: ${cert.label}.`
      : `The connection to ${host} presented a blocked certificate.`,
    "origin-blocked": `${info.origin} presented a certificate on a blocklist${cert ? ` (${cert.label})` : ""} at ${formatTime(info.time)}, so Chain Sentry stops every request to it for a while.`,
    undecided: `Chain Sentry is in block mode, where a chain that cannot be checked is not let through. ${info.reason ?? ""}`,
    unverifiable: `${info.reason ?? ""} Your organisation's policy stops such connections in block mode.`,
  };
  const https = cert !== null && /^https?:/i.test(cert.reference);
  return (
    <main class="blocked-page">
      <h1>Chain Sentry blocked {host}</h1>
      <div class="banner tone-blocked" role="alert">
        <p class="banner-headline">{headline[info.kind]}</p>
        <p class="banner-detail">
          {why[info.kind]} {whatWasSent(info, host)}
          {info.blockedUntil !== null &&
            info.kind !== "origin-blocked" &&
            ` Further requests to ${info.origin} are stopped before they are sent until ${formatTime(info.blockedUntil)}.`}
          {info.blockedUntil !== null &&
            info.kind === "origin-blocked" &&
            ` Requests to it are stopped until ${formatTime(info.blockedUntil)}; the next one after that checks its certificates again.`}
        </p>
      </div>

      {cert && (
        <section class="section" aria-labelledby="why-heading">
          <h2 id="why-heading">Why</h2>
          <p>{cert.incident}</p>
          <p>
            A server hands its intermediate certificates to the browser during the TLS handshake, so a certificate that was compromised or misused can reach you
            even after it was removed from a certificate store. Chain Sentry checks every certificate of every chain against a blocklist of such certificates
            and keys, and a match is blocked wherever it appears.
          </p>
          {https && (
            <p>
              <PlainExternalLink href={cert.reference}>Read about this incident</PlainExternalLink>
            </p>
          )}
        </section>
      )}

      <section class="section" aria-labelledby="what-heading">
        <h2 id="what-heading">What was blocked</h2>
        <dl class="fields">
          <div class="field">
            <dt>{info.kind === "origin-blocked" ? "Site" : "Page"}</dt>
            <dd class="url">{info.url}</dd>
          </div>
          {cert && <CertificateFields cert={cert} />}
          <div class="field">
            <dt>Blocked at</dt>
            <dd>{formatTime(info.time)}</dd>
          </div>
        </dl>
      </section>

      <div class="actions">
        <button type="button" onClick={() => history.back()}>
          Go back
        </button>
        {cert && <PlainExternalLink href={crtShUrl(cert.sha256)}>Look up {commonName(cert.subject)} on crt.sh</PlainExternalLink>}
      </div>
    </main>
  );
}

function CertificateFields({ cert }: { cert: BlockedCertificate }) {
  return (
    <>
      <div class="field">
        <dt>Certificate</dt>
        <dd>
          {cert.subject} <span class="muted">({roleName(cert)})</span>
        </dd>
      </div>
      <div class="field">
        <dt>SHA-256</dt>
        <dd>
          <span class="hash">
            <code>{cert.sha256}</code>
            <CopyButton text={cert.sha256} label="SHA-256" />
          </span>
        </dd>
      </div>
      <div class="field">
        <dt>Matched by</dt>
        <dd>{cert.keyLabel}</dd>
      </div>
      <div class="field">
        <dt>Blocklist entry</dt>
        <dd>{cert.label}</dd>
      </div>
      <div class="field">
        <dt>Listed by</dt>
        <dd>{SOURCE_NAME[cert.source] ?? cert.source}</dd>
      </div>
    </>
  );
}
