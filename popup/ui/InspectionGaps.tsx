import type { ProblemArea } from "../../src/protocol";
import { formatTime } from "./format";
import { Notice } from "./Notice";
import { useRequest } from "./useRequest";

const AREA_NAME: Record<ProblemArea, string> = {
  "tab-state": "Tab state",
  history: "Alert history",
  settings: "Settings",
  capture: "Checking responses",
  quarantine: "Stopping blocked sites",
  reporting: "Reporting to your organisation",
  feeds: "Signed list feeds",
};

/**
 * What Chain Sentry is not inspecting, or not doing as configured, right now: private windows it is
 * not allowed in, host permissions the user revoked, background failures. Nothing when all is well.
 */
export function InspectionGaps() {
  const [status] = useRequest("ui-bg-get-status", {});
  if (status.status !== "ready") return null;
  const { coverage, problems } = status.data;
  const gaps: string[] = [];
  if (!coverage.hostPermissions) {
    gaps.push(
      "Chain Sentry may not access websites (its permission to access your data for all websites was turned off in about:addons): no connection is inspected.",
    );
  }
  if (!coverage.privateBrowsing) {
    gaps.push(
      "Private windows are not inspected: Chain Sentry is not allowed to run in them (about:addons → Chain Sentry → Run in Private Windows, or the ExtensionSettings policy's private_browsing).",
    );
  }
  if (gaps.length === 0 && problems.length === 0) return null;
  return (
    <Notice tone={!coverage.hostPermissions || problems.length ? "warning" : "info"} title="Not everything is being inspected" role="status">
      <ul class="plain">
        {gaps.map((gap) => (
          <li key={gap}>{gap}</li>
        ))}
        {problems.map((p) => (
          <li key={p.area}>
            <strong>{AREA_NAME[p.area] ?? p.area}:</strong> {p.message}{" "}
            <span class="muted">
              ({formatTime(p.time)}
              {p.count > 1 ? `, ${p.count} times` : ""})
            </span>
          </li>
        ))}
      </ul>
    </Notice>
  );
}
