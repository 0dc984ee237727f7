/**
 * Certificate fields come from whoever made the certificate. Every view renders them as text: a
 * subject written as markup must show up as those characters and create no element.
 */
import { fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { BlockedPage } from "../../popup/blocked/BlockedPage";
import { TabView } from "../../popup/chain/TabView";
import { HistoryPage } from "../../popup/history/HistoryPage";
import type { MockData } from "../../popup/connect/mock";
import { fixtures, renderWithMock, TAB } from "./support";

const PAYLOAD = "<img src=x onerror=alert(1)>";
const SAN = 'DNS:"><svg onload=alert(2)>';

function hostileFixtures(): MockData {
  const data = JSON.parse(JSON.stringify(fixtures)) as MockData;
  const state = data.tabs[String(TAB.interception)];
  const top = state.top!;
  top.verdict.chain[0].subject = PAYLOAD;
  top.verdict.chain[1].issuer = PAYLOAD;
  top.verdict.findings[0].explanation = `The intermediate "${PAYLOAD}" is not known.`;
  top.verdict.findings[0].title = PAYLOAD;
  top.connection.cipherSuite = PAYLOAD;
  state.failures[0].error = PAYLOAD;
  const details = data.certificates[top.verdict.chain[0].sha256];
  details.subject = PAYLOAD;
  details.subjectAltNames = [SAN];
  details.extensions[0].name = PAYLOAD;
  data.history.events[0].subject = PAYLOAD;
  data.history.events[0].pageUrl = `https://x.example/${PAYLOAD}`;
  return data;
}

const noInjectedElements = () => {
  expect(document.querySelector("img, svg, script, iframe")).toBeNull();
  expect(document.querySelector("[onerror], [onload]")).toBeNull();
};

test("the popup renders a hostile subject, SAN, title and error as text", async () => {
  renderWithMock(<TabView requestedTabId={TAB.interception} layout="popup" refreshMs={0} />, { data: hostileFixtures() });
  const [ladder] = await screen.findAllByRole("list", { name: "Certificate chain, site certificate first" });
  const leaf = ladder.children[0] as HTMLElement;
  expect(within(leaf).getAllByText(PAYLOAD).length).toBeGreaterThan(0);
  fireEvent.click(within(leaf).getByRole("button", { name: new RegExp("img src=x") }));
  fireEvent.click(screen.getAllByRole("button", { name: "Connection details" })[0]);
  const decoded = await within(leaf).findByRole("group", { name: "Decoded certificate" });
  expect(within(decoded).getByText(SAN)).toBeTruthy();
  expect(screen.getAllByText(PAYLOAD).length).toBeGreaterThanOrEqual(5);
  noInjectedElements();
});

test("the history page renders a hostile subject as text", async () => {
  renderWithMock(<HistoryPage />, { data: hostileFixtures() });
  await waitFor(() => expect(screen.getByText(PAYLOAD)).toBeTruthy());
  noInjectedElements();
});

test("the block page renders a hostile subject and label from its URL as text", () => {
  const info = {
    url: `https://evil.example/${PAYLOAD}`, subject: PAYLOAD, sha256: "AB:CD", role: "intermediate", label: PAYLOAD, source: "user",
    key: "sha256", keyLabel: PAYLOAD, incident: PAYLOAD, reference: "https://example.com/", time: 0,
  };
  render(<BlockedPage search={`?d=${encodeURIComponent(JSON.stringify(info))}`} />);
  expect(screen.getAllByText(PAYLOAD).length).toBeGreaterThanOrEqual(3);
  noInjectedElements();
});
