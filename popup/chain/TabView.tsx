import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import type { TabState } from "../../src/protocol";
import { usePlatform } from "../connect/context";
import { saveFile } from "../ui/download";
import { ExternalLink } from "../ui/ExternalLink";
import { hostOf } from "../ui/format";
import { BackgroundError } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";
import { bannerFor } from "./banner";
import { ChainRecordView } from "./ChainRecordView";
import { analysisFileName, analysisJson } from "./exports";
import { OriginsList } from "./OriginsList";
import { TlsFailures } from "./TlsFailures";
import { UncheckedResponses } from "./UncheckedResponses";
import { InspectionGaps } from "../ui/InspectionGaps";
import { VerdictBanner } from "./VerdictBanner";

type Target = { id: number; url?: string };

export interface TabViewProps {
  /** From ?tabId=N; null: the active tab of the current window. */
  requestedTabId: number | null;
  /** "popup": the toolbar popup's fixed width; "page": chain.html, full width. */
  layout: "popup" | "page";
  /** Ask again this often while open, so a page still loading fills in (0: never). */
  refreshMs?: number;
}

/** Everything Chain Sentry knows about one tab: the verdict, the chains, the origins, Firefox's own errors. */
export function TabView({ requestedTabId, layout, refreshMs = 2000 }: TabViewProps) {
  const platform = usePlatform();
  const [target, setTarget] = useState<Target | null | undefined>(requestedTabId === null ? undefined : { id: requestedTabId });
  // A layout effect, so the question leaves at once (see useRequest).
  useLayoutEffect(() => {
    if (requestedTabId !== null) return;
    platform.activeTab().then(setTarget, () => setTarget(null));
  }, [platform, requestedTabId]);

  const [loaded, reload] = useRequest("ui-bg-get-tab-state", target ? { tabId: target.id } : null);
  useEffect(() => {
    if (!target || !refreshMs) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [target, refreshMs, reload]);

  const state = loaded.status === "ready" ? loaded.data : null;
  const host = hostOf(state?.url ?? target?.url);
  useEffect(() => {
    if (layout === "page") document.title = host ? `Chain Sentry — ${host}` : "Chain Sentry";
  }, [layout, host]);

  let body;
  if (target === null) {
    body = <VerdictBanner banner={{ tone: "none", headline: "No tab to check", detail: "Chain Sentry could not tell which tab this is for." }} />;
  } else if (loaded.status === "failed") {
    body = <BackgroundError error={loaded.error} onRetry={reload} />;
  } else if (loaded.status === "loading") {
    body = (
      <>
        <VerdictBanner banner={null} />
        <LadderSkeleton />
      </>
    );
  } else {
    body = <TabStateView state={loaded.data} pageUrl={target?.url} layout={layout} />;
  }

  return (
    <div class={`tab-view layout-${layout}`}>
      <header class="topbar">
        <h1>Chain Sentry</h1>
        {host && <span class="topbar-host">{host}</span>}
      </header>
      <main>
        {body}
        <InspectionGaps />
      </main>
      <footer class="page-actions">
        <button
          type="button"
          disabled={!state}
          onClick={() => state && analysisJson(state, platform.connector).then((json) => saveFile(analysisFileName(state), json, "application/json"))}
        >
          Download analysis (JSON)
        </button>
        {layout === "popup" && target && (
          <button type="button" onClick={() => platform.openTab(`chain.html?tabId=${target.id}`)}>
            Open in a tab
          </button>
        )}
        <ExternalLink href="history.html">History</ExternalLink>
        <ExternalLink href="workbench.html">Analyse a chain</ExternalLink>
        <ExternalLink href="options.html">Settings</ExternalLink>
      </footer>
    </div>
  );
}

function TabStateView({ state, pageUrl, layout }: { state: TabState | null; pageUrl?: string; layout: TabViewProps["layout"] }) {
  const banner = bannerFor(state, pageUrl);
  if (!state) return <VerdictBanner banner={banner} />;
  const others = state.origins;
  return (
    <>
      <VerdictBanner banner={banner} />
      {state.top && (
        <section class="section" aria-labelledby="top-heading">
          <h2 id="top-heading">This site's chain</h2>
          <ChainRecordView tabId={state.tabId} record={state.top} detailsOpen={layout === "page"} />
        </section>
      )}
      {(others.length > 0 || state.top) && <OriginsList tabId={state.tabId} origins={others} />}
      <TlsFailures failures={state.failures} />
      <UncheckedResponses responses={state.unchecked ?? []} />
    </>
  );
}

/** Reserves the ladder's space while the state arrives, so nothing jumps. */
function LadderSkeleton() {
  return (
    <div class="section skeleton" aria-hidden="true">
      <div class="skeleton-heading" />
      {[0, 1, 2].map((i) => (
        <div key={i} class="skeleton-rung" />
      ))}
    </div>
  );
}
