import { screen, waitFor } from "@testing-library/preact";
import { BlockedPage } from "../../popup/blocked/BlockedPage";
import { blockedCertificate } from "../../src/enforcement";
import type { BlockedPageInfo } from "../../src/protocol";
import { fixtures, mockClipboard, renderWithMock, TAB } from "./support";

const ID = "0f8e2c6a-1b2d-4e5f-8a9b-0c1d2e3f4a5b";

/** The details the background keeps for the Flame fixture's block page, from the fixture's real verdict. */
function flamePage(overrides: Partial<BlockedPageInfo> = {}): BlockedPageInfo {
  const top = fixtures.tabs[String(TAB.flame)].top!;
  return {
    id: ID,
    kind: "blocked",
    url: top.url,
    origin: new URL(top.url).origin,
    certificate: blockedCertificate(top.verdict),
    reason: null,
    time: top.firstSeen,
    blockedUntil: top.firstSeen + 600_000,
    ...overrides,
  };
}

function renderPage(search: string, page: BlockedPageInfo | null = flamePage()) {
  return renderWithMock(<BlockedPage search={search} />, { data: { ...fixtures, blockedPages: page ? { [page.id]: page } : {} } });
}

const field = (label: string) => screen.getByText(label, { selector: "dt" }).nextElementSibling!.textContent;

test("shows what was blocked, why, and what reached the site, from the details behind its id", async () => {
  const info = flamePage();
  const { connector } = renderPage(`?id=${ID}`);
  await screen.findByRole("heading", { level: 1, name: "Chain Sentry blocked update.flame-demo.example" });
  expect(connector.calls).toEqual([{ type: "ui-bg-get-blocked-page", request: { id: ID } }]);
  const alert = screen.getByRole("alert").textContent!;
  expect(alert).toMatch(/^The site's content was not loaded\./);
  expect(alert).toMatch(/presented an intermediate certificate that is on a blocklist: Microsoft Enforced Licensing Intermediate PCA/);
  // Accurate about what was sent: the one request went out before the chain could be seen.
  expect(alert).toMatch(/already sent this one request to update\.flame-demo\.example \(its address, cookies and any form data\)/);
  expect(alert).toMatch(/Further requests to https:\/\/update\.flame-demo\.example are stopped before they are sent until/);

  const cert = info.certificate!;
  expect(field("Page")).toBe("https://update.flame-demo.example/windowsupdate/v6/");
  expect(field("Certificate")).toBe(`${cert.subject} (intermediate certificate)`);
  expect(field("SHA-256")).toMatch(cert.sha256);
  expect(field("Matched by")).toBe("certificate SHA-1 fingerprint");
  expect(field("Blocklist entry")).toBe("Microsoft Enforced Licensing Intermediate PCA");
  expect(field("Listed by")).toBe("Flame (Microsoft Security Advisory 2718704)");
  expect(screen.getByText(/^Flame malware \(2012\): Microsoft Enforced Licensing intermediate misused to sign Flame/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "Read about this incident" }).getAttribute("href")).toBe(cert.reference);
  expect(screen.getByRole("link", { name: /on crt\.sh/ }).getAttribute("href")).toBe(`https://crt.sh/?sha256=${cert.sha256.replaceAll(":", "")}`);
});

test("a request stopped before it was sent says nothing was sent", async () => {
  renderPage(`?id=${ID}`, flamePage({ kind: "origin-blocked", url: "https://update.flame-demo.example" }));
  await screen.findByRole("heading", { level: 1 });
  const alert = screen.getByRole("alert").textContent!;
  expect(alert).toMatch(/Nothing was sent to update\.flame-demo\.example/);
  expect(alert).toMatch(/presented a certificate on a blocklist \(Microsoft Enforced Licensing Intermediate PCA\)/);
  expect(alert).not.toMatch(/already sent/);
  expect(field("Site")).toBe("https://update.flame-demo.example");
});

test("a chain that could not be checked says so, with the reason, and names no certificate", async () => {
  renderPage(
    `?id=${ID}`,
    flamePage({
      kind: "undecided",
      certificate: null,
      reason: "Chain Sentry could not finish checking this chain: certificate 1 could not be analysed (missing fingerprint.sha256).",
    }),
  );
  await screen.findByRole("heading", { level: 1 });
  const alert = screen.getByRole("alert").textContent!;
  expect(alert).toMatch(/^The site's content was not loaded: its certificate chain could not be checked\./);
  expect(alert).toMatch(/block mode, where a chain that cannot be checked is not let through\. Chain Sentry could not finish checking this chain/);
  expect(screen.queryByText("SHA-256", { selector: "dt" })).toBeNull();
});

test("the SHA-256 can be copied", async () => {
  const writeText = mockClipboard();
  const info = flamePage();
  renderPage(`?id=${ID}`);
  (await screen.findByRole("button", { name: "Copy SHA-256" })).click();
  expect(writeText).toHaveBeenCalledWith(info.certificate!.sha256);
  await waitFor(() => expect(screen.getByRole("button", { name: "Copy SHA-256" }).textContent).toBe("Copied"));
});

test("without usable details it still says the content was not loaded, and asks nothing for an id it could not have made", async () => {
  for (const query of ["", "?d=%7B%22url%22%3A1%7D", "?id=<script>", `?id=${"a".repeat(65)}`]) {
    const { unmount, connector } = renderPage(query);
    expect(screen.getByRole("alert").textContent).toMatch(/^The site's content was not loaded\.This page was opened without the details/);
    expect(connector.calls).toEqual([]);
    unmount();
  }
  // An id the background does not know (a page from before a browser restart).
  renderPage("?id=aaaaaaaa-0000-0000-0000-000000000000");
  await waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/opened without the details/));
});

test("a reference that is not a web link is not made a link", async () => {
  const page = flamePage();
  renderPage(`?id=${ID}`, { ...page, certificate: { ...page.certificate!, reference: "javascript:alert(1)" } });
  await screen.findByRole("heading", { level: 1, name: /blocked update/ });
  expect(screen.queryByRole("link", { name: "Read about this incident" })).toBeNull();
});
