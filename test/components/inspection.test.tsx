// What Chain Sentry does not inspect is said where the user looks: the popup and the settings.
import { screen, waitFor } from "@testing-library/preact";
import { TabView } from "../../popup/chain/TabView";
import { OptionsPage } from "../../popup/options/OptionsPage";
import type { MockData } from "../../popup/connect/mock";
import type { Status, TabState } from "../../src/protocol";
import { fixtures, renderWithMock, TAB } from "./support";

function withStatus(status: Partial<Status>, tabs: Record<string, TabState> = fixtures.tabs): MockData {
  return { ...fixtures, tabs, status: { ...fixtures.status, ...status } };
}

const popup = (tabId: number, data: MockData) => renderWithMock(<TabView requestedTabId={tabId} layout="popup" refreshMs={0} />, { data });

test("a browser inspecting everything shows no gap notice", async () => {
  popup(TAB.ok, fixtures);
  await screen.findByText(/No problems found/);
  expect(screen.queryByText("Not everything is being inspected")).toBeNull();
});

test("private windows not allowed, host permissions revoked and background problems are listed in the popup", async () => {
  const data = withStatus({
    coverage: { privateBrowsing: false, hostPermissions: false },
    problems: [{ area: "tab-state", message: "the tabs' state could not be saved for a background restart: QuotaExceededError", time: 0, count: 3 }],
  });
  popup(TAB.ok, data);
  const notice = (await screen.findByText("Not everything is being inspected")).parentElement!;
  expect(notice.textContent).toMatch(/Private windows are not inspected/);
  expect(notice.textContent).toMatch(/permission to access your data for all websites was turned off in about:addons\): no connection is inspected/);
  expect(notice.textContent).toMatch(/Tab state: the tabs' state could not be saved for a background restart: QuotaExceededError.*3 times/);
});

test("the settings page lists the same gaps", async () => {
  renderWithMock(<OptionsPage />, { data: withStatus({ coverage: { privateBrowsing: false, hostPermissions: true }, problems: [] }) });
  const notice = (await screen.findByText("Not everything is being inspected")).parentElement!;
  expect(notice.textContent).toMatch(/Private windows are not inspected/);
  expect(notice.textContent).not.toMatch(/no connection is inspected/);
});

test("a page its service worker answered says it was not inspected, and why", async () => {
  const tab: TabState = {
    tabId: 40,
    url: "https://app.example/",
    top: null,
    origins: [],
    failures: [],
    level: "ok",
    updatedAt: 1,
    unchecked: [
      { url: "https://app.example/", origin: "https://app.example", type: "main_frame", reason: "handled by the site's service worker: no chain", time: 1 },
    ],
  };
  popup(40, withStatus({}, { ...fixtures.tabs, "40": tab }));
  await waitFor(() => expect(screen.getByText(/Not inspected: app\.example answered without a certificate chain to check/)).toBeTruthy());
  expect(screen.getByText(/This page's document was handled by the site's service worker/)).toBeTruthy();
  expect(screen.getByRole("heading", { name: "Responses without a chain to check (1)" })).toBeTruthy();
});

test("the settings say when the organisation also stops sites with an overridden certificate error", async () => {
  const settings = { ...fixtures.settings, effective: { ...fixtures.settings.effective, blockUnverifiableChains: true } };
  renderWithMock(<OptionsPage />, { data: { ...fixtures, settings } });
  expect(await screen.findByText(/Your organisation also stops, in block mode, sites for which a certificate error was overridden/)).toBeTruthy();
  const { unmount } = renderWithMock(<OptionsPage />);
  await screen.findAllByText(/Block: stop the request/);
  expect(screen.getAllByText(/certificate error was overridden/)).toHaveLength(1);
  unmount();
});
