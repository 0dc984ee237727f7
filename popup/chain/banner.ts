/** The verdict banner's words, from the worst finding of everything the tab loaded. */
import { LEVEL_WORD } from "../../src/names";
import type { ChainRecord, TabState } from "../../src/protocol";
import { LEVEL_RANK, type Finding, type Level } from "../../src/verdict";
import { hostOf, lowerFirst, plural } from "../ui/format";

export type BannerTone = Level | "none";

export interface BannerContent {
  tone: BannerTone;
  headline: string;
  detail?: string;
  reference?: string;
}

/** "Flame malware (2012): Microsoft Enforced…" → "Flame malware (2012)". */
export function incidentHeadline(incident: string): string {
  const colon = incident.indexOf(": ");
  return colon > 0 ? incident.slice(0, colon) : incident;
}

function chainsOf(state: TabState): { record: ChainRecord; isTop: boolean }[] {
  return [...(state.top ? [{ record: state.top, isTop: true }] : []), ...state.origins.flatMap((o) => o.chains.map((record) => ({ record, isTop: false })))];
}

/** `pageUrl`: the tab's URL when the browser told us and the background has no state. */
export function bannerFor(state: TabState | null, pageUrl?: string): BannerContent {
  const url = state?.url ?? pageUrl ?? null;
  const chains = state ? chainsOf(state) : [];
  const findings = chains.flatMap(({ record, isTop }) => record.verdict.findings.map((finding) => ({ finding, record, isTop })));
  // Stable sort: on equal severity the page's own chain comes first, as chainsOf lists it first.
  findings.sort((a, b) => LEVEL_RANK[b.finding.severity] - LEVEL_RANK[a.finding.severity]);
  const distinct = new Set(findings.map(({ finding, record }) => `${record.origin}|${finding.ruleId}|${finding.certIndex}`)).size;

  if (findings.length > 0) {
    const { finding, record, isTop } = findings[0];
    const more = distinct > 1 ? ` ${plural(distinct - 1, "more finding")} below.` : "";
    const stopped = record.blockedRequests > 0 ? ` Chain Sentry stopped ${plural(record.blockedRequests, "request")} that presented this chain.` : "";
    return {
      tone: finding.severity,
      headline: headline(finding, isTop, record),
      detail: `${finding.explanation}${stopped}${more}`,
      reference: finding.reference || undefined,
    };
  }
  if (chains.length > 0) {
    const others = new Set(state!.origins.map((o) => o.origin).filter((o) => o !== state!.top?.origin)).size;
    return {
      tone: "ok",
      headline: "No problems found",
      detail: state!.top
        ? others
          ? `The certificate chains of ${hostOf(state!.top.origin)} and of the ${plural(others, "other origin")} this page loaded pass every check.`
          : `The certificate chain of ${hostOf(state!.top.origin)} passes every check.`
        : "Every certificate chain this page used passes every check.",
    };
  }
  const failure = state?.failures.find((f) => f.type === "main_frame") ?? state?.failures[0];
  if (failure) {
    return {
      tone: "warning",
      headline: `Firefox refused the connection to ${hostOf(failure.origin)}: ${failure.error}`,
      detail:
        "Firefox checked the certificate chain itself and stopped the connection, so there was no chain for Chain Sentry to analyse. Firefox's reason is shown below.",
    };
  }
  const unchecked = state?.unchecked?.find((u) => u.type === "main_frame") ?? state?.unchecked?.[0];
  if (unchecked) {
    return {
      tone: "none",
      headline: `Not inspected: ${hostOf(unchecked.origin)} answered without a certificate chain to check`,
      detail: `This page's ${unchecked.type === "main_frame" ? "document was" : "responses were"} ${unchecked.reason}.`,
    };
  }
  if (url?.startsWith("http:")) {
    return {
      tone: "none",
      headline: "Not encrypted: this page was loaded over plain HTTP",
      detail: "There is no certificate chain to check. Anyone on the network path can read and change this page.",
    };
  }
  if (url && !url.startsWith("https:")) {
    return {
      tone: "none",
      headline: "Nothing to check on this page",
      detail: "Browser and extension pages are not loaded over the network, so they have no certificate chain.",
    };
  }
  return {
    tone: "none",
    headline: "No TLS connection seen for this tab",
    detail:
      "Chain Sentry checks a page while it loads. This one may have loaded before Chain Sentry started, or from the cache: reload it to check its certificate chain.",
  };
}

function headline(finding: Finding, isTop: boolean, record: ChainRecord): string {
  const where = isTop ? "this site's chain" : `the chain of ${hostOf(record.origin)}, which this page loaded,`;
  if (finding.severity === "blocked" && finding.match) {
    return `Blocked: ${where} includes ${finding.match.label} — ${incidentHeadline(finding.match.incident)}`;
  }
  return `${LEVEL_WORD[finding.severity]}: ${lowerFirst(finding.title)}${isTop ? "" : ` (${hostOf(record.origin)})`}`;
}
