/**
 * Certificate fields come from whoever made the certificate. Every view renders them as text: a
 * subject written as markup must show up as those characters and create no element.
 */
import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { BlockedPage } from "../../popup/blocked/BlockedPage";
import { TabView } from "../../popup/chain/TabView";
import { HistoryPage } from "../../popup/history/HistoryPage";
import type { MockData } from "../../popup/connect/mock";
import type { BlockedPageInfo } from "../../src/protocol";
import { decoder, fixtures, renderWithMock, TAB } from "./support";

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
  data.history.events[0].subject = PAYLOAD;
  data.history.events[0].pageUrl = `https://x.example/${PAYLOAD}`;
  return data;
}

const noInjectedElements = () => {
  expect(document.querySelector("img, svg, script, iframe")).toBeNull();
  expect(document.querySelector("[onerror], [onload]")).toBeNull();
};

/** The certificate's decoded fields, as a hostile certificate would make the decoder read them. */
function decodeHostile() {
  const { describeCertificate } = jest.requireActual<typeof import("../../src/certificateView")>("../../src/certificateView");
  decoder.mockImplementationOnce(async (der) => {
    const details = await describeCertificate(der);
    return { ...details, subject: PAYLOAD, subjectAltNames: [SAN], extensions: details.extensions.map((e, i) => (i === 0 ? { ...e, name: PAYLOAD } : e)) };
  });
}

test("the popup renders a hostile subject, SAN, title and error as text", async () => {
  decodeHostile();
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

test("the block page renders a hostile URL, subject and label as text", async () => {
  const info: BlockedPageInfo = {
    id: "0f8e2c6a-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
    kind: "blocked",
    url: `https://evil.example/${PAYLOAD}`,
    origin: "https://evil.example",
    reason: null,
    time: 0,
    blockedUntil: null,
    certificate: {
      subject: PAYLOAD,
      sha256: "AB:CD",
      role: "intermediate",
      label: PAYLOAD,
      source: "user",
      key: "sha256",
      keyLabel: PAYLOAD,
      incident: PAYLOAD,
      reference: "https://example.com/",
    },
  };
  renderWithMock(<BlockedPage search={`?id=${info.id}`} />, { data: { ...fixtures, blockedPages: { [info.id]: info } } });
  await waitFor(() => expect(screen.getAllByText(PAYLOAD).length).toBeGreaterThanOrEqual(3));
  noInjectedElements();
});
