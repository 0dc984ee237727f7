/**
 * The `reporting` policy key, field by field: a bad field is reported and the default (or nothing)
 * used. Without a valid endpoint and format there is nowhere to send to, so reporting stays off.
 * Tokens and header values are never quoted back: the messages are shown to users.
 */
import { HEADER_NAME, REPORT_FORMATS } from "../reporting/formats";
import type { ReportFormat, ReportingConfig, UrlDetail } from "../reporting/model";
import type { Severity } from "../verdict";
import { describeValue, isRecord, issueAt, type Check, type Checked, type SettingsIssue } from "./issues";
import { checkBoolean, checkLabel, checkOneOf, checkServiceUrl, checkWholeNumber, CONTROL } from "./values";

export const REPORTING_FIELDS = [
  "endpoint",
  "format",
  "token",
  "headers",
  "minLevel",
  "url",
  "includeChain",
  "deviceLabel",
  "batchSize",
  "intervalSeconds",
] as const;
const URL_DETAILS: readonly UrlDetail[] = ["full", "origin", "none"];
const SEVERITIES: readonly Severity[] = ["notice", "warning", "blocked"];
/** Set by the request itself: a policy's value would contradict the body or the URL. */
const RESERVED_HEADERS = ["content-type", "host", "content-length"];
const FORMAT_PATH: Record<ReportFormat, string> = { otlp: "/v1/logs", "splunk-hec": "/services/collector/event", ndjson: "" };

/** Paths are relative to the key: `["headers", { name: "X-Key" }]`. */
export function checkReporting(raw: unknown): Checked<ReportingConfig> {
  if (!isRecord(raw)) {
    return {
      issues: [
        issueAt(
          [],
          `expected an object such as { "endpoint": "https://collector.example.com:4318", "format": "otlp" }, got ${describeValue(raw)}; nothing is reported`,
        ),
      ],
    };
  }
  const issues: SettingsIssue[] = [];
  const field = <T>(name: (typeof REPORTING_FIELDS)[number], check: (v: unknown) => Check<T>): T | undefined => {
    if (raw[name] === undefined) return undefined;
    const result = check(raw[name]);
    if (result.ok) return result.value;
    issues.push(issueAt([name], result.error));
    return undefined;
  };

  for (const key of Object.keys(raw)) {
    if (!(REPORTING_FIELDS as readonly string[]).includes(key))
      issues.push(issueAt([], `unknown field ${describeValue(key)} ignored (expected ${REPORTING_FIELDS.join(", ")})`));
  }
  const format = field("format", (v) => checkOneOf(v, REPORT_FORMATS));
  const endpoint = field("endpoint", (v) => checkEndpoint(v, format));
  const token = field("token", (v) =>
    typeof v === "string" && v !== "" && !CONTROL.test(v)
      ? { ok: true, value: v }
      : {
          ok: false,
          error: typeof v === "string" ? "expected one line of text (no line breaks or other control characters)" : `expected text, got ${describeValue(v)}`,
        },
  );
  const headers =
    field("headers", (v) =>
      isRecord(v)
        ? { ok: true, value: checkHeaders(v, token !== undefined, issues) }
        : { ok: false, error: `expected an object of header names and text values, got ${describeValue(v)}` },
    ) ?? {};
  const minLevel = field("minLevel", (v) => checkOneOf(v, SEVERITIES)) ?? "warning";
  const url = field("url", (v) => checkOneOf(v, URL_DETAILS)) ?? "origin";
  const includeChain = field("includeChain", (v) => checkBoolean(v, true)) ?? false;
  const deviceLabel = field("deviceLabel", checkLabel);
  const batchSize = field("batchSize", (v) => checkWholeNumber(v, 1, 1000)) ?? 100;
  const intervalSeconds = field("intervalSeconds", (v) => checkWholeNumber(v, 5, 3600)) ?? 30;

  if (format === "splunk-hec" && token === undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
    issues.push(issueAt(["token"], `missing; Splunk HEC refuses events without "Authorization: Splunk <token>"`));
  }
  if (endpoint === undefined || format === undefined) {
    const lacking = [
      endpoint === undefined && `${raw.endpoint === undefined ? "no" : "no valid"} endpoint`,
      format === undefined && `${raw.format === undefined ? "no" : "no valid"} format`,
    ].filter(Boolean);
    issues.push(issueAt([], `not applied, nothing is reported: ${lacking.join(" and ")}`));
    return { issues };
  }
  return {
    value: {
      endpoint,
      format,
      ...(token !== undefined && { token }),
      headers,
      minLevel,
      url,
      includeChain,
      ...(deviceLabel !== undefined && { deviceLabel }),
      batchSize,
      intervalSeconds,
    },
    issues,
  };
}

function checkEndpoint(value: unknown, format: ReportFormat | undefined): Check<string> {
  const url = checkServiceUrl(value);
  if (!url.ok) return url;
  if (new URL(url.value).search && format !== "ndjson") {
    return {
      ok: false,
      error: `must not have a query (?...)${format ? `: the ${format} path ${FORMAT_PATH[format]} is appended to it` : ""}, got ${describeValue(value)}`,
    };
  }
  return url;
}

/** Each bad header is reported and left out; the others are sent. */
function checkHeaders(raw: Record<string, unknown>, hasToken: boolean, issues: SettingsIssue[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const at = ["headers", { name }];
    if (!HEADER_NAME.test(name)) issues.push(issueAt(at, "not a valid header name (letters, digits and !#$%&'*+.^_`|~-), ignored"));
    else if (RESERVED_HEADERS.includes(name.toLowerCase())) issues.push(issueAt(at, "set by Chain Sentry for the format, ignored"));
    else if (hasToken && name.toLowerCase() === "authorization") issues.push(issueAt(at, "ignored, token sets the Authorization header"));
    else if (typeof value !== "string") issues.push(issueAt(at, `expected text, got ${describeValue(value)}; ignored`));
    else if (CONTROL.test(value)) issues.push(issueAt(at, "the value must be one line (no line breaks or other control characters); ignored"));
    else headers[name] = value;
  }
  return headers;
}
