/**
 * Every view on the component tests' fixture data in a plain browser tab, through the mock
 * connector: run `npx vite --config test/components/demo/vite.config.ts` and open
 * /test/components/demo/demo.html?view=popup&tabId=11 (views: popup, chain, options, history,
 * blocked; tab ids: see test/components/support.tsx). Not part of the extension: it lives beside
 * the fixtures it shows, so no product file imports from test/.
 */
import { render } from "preact";
import fixtures from "../fixtures/fixtures.json";
import { BlockedPage } from "../../../popup/blocked/BlockedPage";
import { TabView } from "../../../popup/chain/TabView";
import { PlatformProvider } from "../../../popup/connect/context";
import { mockPlatform, type MockData } from "../../../popup/connect/mock";
import { HistoryPage } from "../../../popup/history/HistoryPage";
import { OptionsPage } from "../../../popup/options/OptionsPage";
import { tabIdFromSearch } from "../../../popup/ui/format";

const data = fixtures as unknown as MockData;
const params = new URLSearchParams(location.search);
const view = params.get("view") ?? "popup";
const tabId = tabIdFromSearch(location.search) ?? 11;
const platform = mockPlatform(data, { delayMs: 150, activeTabId: tabId });
// The views open extension pages relative to themselves; here they go through this demo page.
const openTab = platform.openTab;
platform.openTab = (url) => {
  const page = /^(chain|history|options)\.html(\?.*)?$/.exec(url);
  openTab(page ? `demo.html?view=${page[1]}&${(page[2] ?? "").slice(1)}` : url);
};

function blockedSearch(): string {
  const top = data.tabs["11"].top!;
  const finding = top.verdict.findings[0];
  const cert = top.verdict.chain[finding.certIndex!];
  const { label, source, key, keyLabel, incident, reference } = finding.match!;
  const info = {
    url: top.url,
    subject: cert.subject,
    sha256: cert.sha256,
    role: cert.role,
    label,
    source,
    key,
    keyLabel,
    incident,
    reference,
    time: top.firstSeen,
  };
  return `?d=${encodeURIComponent(JSON.stringify(info))}`;
}

document.body.className = view === "popup" ? "popup" : "page";
const page =
  view === "blocked" ? (
    <BlockedPage search={blockedSearch()} />
  ) : view === "options" ? (
    <OptionsPage />
  ) : view === "history" ? (
    <HistoryPage />
  ) : (
    <TabView requestedTabId={tabId} layout={view === "chain" ? "page" : "popup"} />
  );
render(<PlatformProvider platform={platform}>{page}</PlatformProvider>, document.getElementById("app")!);
