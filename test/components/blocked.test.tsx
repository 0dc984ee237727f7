import { render, screen, waitFor, within } from "@testing-library/preact";
import { BlockedPage } from "../../popup/blocked/BlockedPage";
import type { BlockedPageInfo } from "../../src/protocol";
import { fixtures, mockClipboard, TAB } from "./support";

// The block page may open while the background restarts: it must not even load the runtime.
const polyfillLoaded = jest.fn();
jest.mock("webextension-polyfill", () => {
  polyfillLoaded();
  throw new Error("the block page must not load webextension-polyfill");
});

function flameInfo(): BlockedPageInfo {
  const top = fixtures.tabs[String(TAB.flame)].top!;
  const finding = top.verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
  const cert = top.verdict.chain[finding.certIndex!];
  const { label, source, key, keyLabel, incident, reference } = finding.match!;
  return { url: top.url, subject: cert.subject, sha256: cert.sha256, role: cert.role, label, source, key, keyLabel, incident, reference, time: top.firstSeen };
}

const search = (info: unknown) => `?d=${encodeURIComponent(JSON.stringify(info))}`;

test("shows what was blocked, and why, from its URL alone", () => {
  const info = flameInfo();
  render(<BlockedPage search={search(info)} />);
  expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Chain Sentry blocked update.flame-demo.example");
  const alert = screen.getByRole("alert");
  expect(alert.textContent).toMatch(/^The site's content was not loaded\./);
  expect(alert.textContent).toMatch(/presented an intermediate certificate that is on a blocklist: Microsoft Enforced Licensing Intermediate PCA/);

  const field = (label: string) => screen.getByText(label, { selector: "dt" }).nextElementSibling!.textContent;
  expect(field("Page")).toBe("https://update.flame-demo.example/windowsupdate/v6/");
  expect(field("Certificate")).toBe(`${info.subject} (intermediate certificate)`);
  expect(field("SHA-256")).toMatch(info.sha256);
  expect(field("Matched by")).toBe("certificate SHA-1 fingerprint");
  expect(field("Blocklist entry")).toBe("Microsoft Enforced Licensing Intermediate PCA");
  expect(field("Listed by")).toBe("Flame (Microsoft Security Advisory 2718704)");
  expect(screen.getByText(/^Flame malware \(2012\): Microsoft Enforced Licensing intermediate misused to sign Flame/)).toBeTruthy();
  expect(screen.getByRole("link", { name: "Read about this incident" }).getAttribute("href")).toBe(info.reference);
  expect(screen.getByRole("link", { name: /on crt\.sh/ }).getAttribute("href")).toBe(`https://crt.sh/?sha256=${info.sha256.replaceAll(":", "")}`);
  expect(screen.getByRole("button", { name: "Go back" })).toBeTruthy();
});

test("the SHA-256 can be copied", async () => {
  const writeText = mockClipboard();
  const info = flameInfo();
  render(<BlockedPage search={search(info)} />);
  screen.getByRole("button", { name: "Copy SHA-256" }).click();
  expect(writeText).toHaveBeenCalledWith(info.sha256);
  await waitFor(() => expect(screen.getByRole("button", { name: "Copy SHA-256" }).textContent).toBe("Copied"));
});

test("without usable details it still says the content was not loaded", () => {
  for (const query of ["", "?d=not-json", search({ url: "https://x.example/" }), search([1, 2])]) {
    const { unmount } = render(<BlockedPage search={query} />);
    expect(screen.getByRole("alert").textContent).toMatch(/^The site's content was not loaded\. This page was opened without the details/);
    unmount();
  }
});

test("a reference that is not a web link is not made a link", () => {
  render(<BlockedPage search={search({ ...flameInfo(), reference: "javascript:alert(1)" })} />);
  expect(screen.queryByRole("link", { name: "Read about this incident" })).toBeNull();
});

test("the page's entry renders from location alone, without the runtime", async () => {
  const info = flameInfo();
  window.history.replaceState(null, "", `/popup/blocked.html${search(info)}`);
  document.body.innerHTML = '<div id="app"></div>';
  await import("../../popup/entries/blocked");
  const app = document.getElementById("app")!;
  expect(within(app).getByRole("alert").textContent).toMatch(/^The site's content was not loaded\./);
  expect(within(app).getByText(info.sha256)).toBeTruthy();
  expect(polyfillLoaded).not.toHaveBeenCalled();
});
