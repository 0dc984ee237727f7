import type { ReportFormat, UrlDetail } from "../../src/reporting/model";
import type { ReportingStatus } from "../../src/protocol";
import { Field, Fields } from "../ui/Fields";
import { formatTime, plural } from "../ui/format";
import { BackgroundError } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";

const FORMAT_NAME: Record<ReportFormat, string> = {
  otlp: "OpenTelemetry (OTLP/HTTP JSON logs)",
  "splunk-hec": "Splunk HTTP Event Collector",
  ndjson: "NDJSON (one JSON object per line)",
};

const URL_DETAIL: Record<UrlDetail, string> = {
  full: "the full page address (without user name, password and #fragment)",
  origin: "only the site's origin (scheme and host), no path or query",
  none: "no page address, only the host that presented the certificate",
};

/**
 * Whether anything leaves this browser, and what: reporting is turned on by the organisation's
 * policy only, so the user sees it here but cannot change it.
 */
export function ReportingSection() {
  const [status, reload] = useRequest("ui-bg-get-status", {});
  return (
    <section class="section" aria-labelledby="reporting-heading">
      <h2 id="reporting-heading">Reporting to your organisation</h2>
      {status.status === "failed" && <BackgroundError error={status.error} onRetry={reload} />}
      {status.status === "loading" && <div class="skeleton" aria-hidden="true" />}
      {status.status === "ready" &&
        (status.data.reporting ? <ReportingOn status={status.data.reporting} /> : <p>Reporting is off: nothing leaves this browser.</p>)}
    </section>
  );
}

function ReportingOn({ status }: { status: ReportingStatus }) {
  return (
    <>
      <p>
        Reporting is on: your organisation's policy sends the findings Chain Sentry makes ({status.minLevel} and above) to its collector
        {status.includeChain ? ", with the certificate chain" : ""}.
      </p>
      <Fields label="Reporting">
        <Field label="Sent to">
          <code>{status.endpoint}</code>
        </Field>
        <Field label="Format">{FORMAT_NAME[status.format] ?? status.format}</Field>
        <Field label="Page addresses">{URL_DETAIL[status.url] ?? status.url}</Field>
        <Field label="Waiting to be sent">
          {plural(status.queued, "event")}
          {status.queued > 0 && status.nextAttempt !== null && <span class="muted"> (next attempt {formatTime(status.nextAttempt)})</span>}
        </Field>
        {status.dropped > 0 && <Field label="Dropped (queue full)">{plural(status.dropped, "event")}</Field>}
        {status.rejected > 0 && <Field label="Refused by the collector">{plural(status.rejected, "event")}</Field>}
        <Field label="Last delivered">{status.lastSuccess === null ? <span class="muted">never</span> : formatTime(status.lastSuccess)}</Field>
        <Field label="Last error">
          {status.lastError === null ? (
            <span class="muted">none</span>
          ) : (
            <>
              {formatTime(status.lastError.time)}: {status.lastError.message}
            </>
          )}
        </Field>
      </Fields>
    </>
  );
}
