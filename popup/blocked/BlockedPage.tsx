import { commonName, ROLE_NAME, SOURCE_NAME } from "../../src/names";
import type { CertificateRole } from "../../src/verdict";
import { CopyButton } from "../ui/CopyButton";
import { PlainExternalLink } from "../ui/ExternalLink";
import { crtShUrl, formatTime, hostOf } from "../ui/format";
import { blockedInfoFromSearch } from "./blockedInfo";

/** What Chain Sentry blocked and why, from the page's own URL: it never asks the background. */
export function BlockedPage({ search }: { search: string }) {
  const info = blockedInfoFromSearch(search);
  if (!info) {
    return (
      <main class="blocked-page">
        <h1>Chain Sentry blocked a page</h1>
        <p class="lead" role="alert">
          The site's content was not loaded. This page was opened without the details of what was blocked; the
          Chain Sentry popup and history list them.
        </p>
      </main>
    );
  }
  const host = hostOf(info.url);
  const role = ROLE_NAME[info.role as CertificateRole] ?? info.role;
  const https = /^https?:/i.test(info.reference);
  return (
    <main class="blocked-page">
      <h1>Chain Sentry blocked {host}</h1>
      <div class="banner tone-blocked" role="alert">
        <p class="banner-headline">The site's content was not loaded.</p>
        <p class="banner-detail">
          The connection to {host} presented {/^[aeiou]/i.test(role) ? "an" : "a"} {role} that is on a blocklist: {info.label}. Chain Sentry stopped it before any of the
          page's content arrived, so nothing from this site ran in your browser.
        </p>
      </div>

      <section class="section" aria-labelledby="why-heading">
        <h2 id="why-heading">Why</h2>
        <p>{info.incident}</p>
        <p>
          A server hands its intermediate certificates to the browser during the TLS handshake, so a certificate that was compromised or
          misused can reach you even after it was removed from a certificate store. Chain Sentry checks every certificate of every chain
          against a blocklist of such certificates and keys, and a match is blocked wherever it appears.
        </p>
        {https && (
          <p>
            <PlainExternalLink href={info.reference}>Read about this incident</PlainExternalLink>
          </p>
        )}
      </section>

      <section class="section" aria-labelledby="what-heading">
        <h2 id="what-heading">What was blocked</h2>
        <dl class="fields">
          <div class="field">
            <dt>Page</dt>
            <dd class="url">{info.url}</dd>
          </div>
          <div class="field">
            <dt>Certificate</dt>
            <dd>
              {info.subject} <span class="muted">({role})</span>
            </dd>
          </div>
          <div class="field">
            <dt>SHA-256</dt>
            <dd>
              <span class="hash">
                <code>{info.sha256}</code>
                <CopyButton text={info.sha256} label="SHA-256" />
              </span>
            </dd>
          </div>
          <div class="field">
            <dt>Matched by</dt>
            <dd>{info.keyLabel}</dd>
          </div>
          <div class="field">
            <dt>Blocklist entry</dt>
            <dd>{info.label}</dd>
          </div>
          <div class="field">
            <dt>Listed by</dt>
            <dd>{SOURCE_NAME[info.source] ?? info.source}</dd>
          </div>
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
        <PlainExternalLink href={crtShUrl(info.sha256)}>Look up {commonName(info.subject)} on crt.sh</PlainExternalLink>
      </div>
    </main>
  );
}
