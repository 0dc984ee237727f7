import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { csvCell } from "../../popup/history/csv";
import { HistoryPage } from "../../popup/history/HistoryPage";
import { HISTORY_KEPT_BY_POLICY } from "../../src/protocol";
import type { HistoryEvent } from "../../src/protocol";
import { captureDownloads, fixtures, renderWithMock } from "./support";

const events = fixtures.history.events;

async function renderHistory() {
  const rendered = renderWithMock(<HistoryPage />);
  await screen.findByRole("table");
  return rendered;
}

/** Body rows of the events table. */
const rows = () => within(screen.getAllByRole("rowgroup")[1]).queryAllByRole("row");
const select = (name: string, value: string) => fireEvent.change(screen.getByRole("combobox", { name }), { target: { value } });

afterEach(() => jest.restoreAllMocks());

test("every event with time, page, origin, rule, subject and SHA-256, and the bound stated", async () => {
  await renderHistory();
  expect(screen.getByText("Chain Sentry keeps the latest 5,000 events; oldest are dropped first.")).toBeTruthy();
  expect(rows()).toHaveLength(events.length);
  expect(screen.getByRole("status").textContent).toBe(`Showing ${events.length} of ${events.length} events`);
  const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
  expect(headers).toEqual(["Time", "Level", "Page", "Origin", "Rule", "Certificate", "SHA-256"]);
  const flame = events.find((e) => e.ruleId === "blocked-certificate" && e.subject.includes("Microsoft Enforced Licensing"))!;
  const row = screen.getAllByText(flame.sha256)[0].closest("tr")!;
  expect(within(row).getByText(flame.pageUrl)).toBeTruthy();
  expect(within(row).getByText(flame.origin)).toBeTruthy();
  expect(within(row).getByText("blocked-certificate")).toBeTruthy();
  expect(within(row).getByText(flame.subject)).toBeTruthy();
  expect(within(row).getByText("Blocked")).toBeTruthy();
});

test("filters by level, host and rule", async () => {
  await renderHistory();
  select("Level", "blocked");
  const blocked = events.filter((e) => e.level === "blocked");
  expect(rows()).toHaveLength(blocked.length);
  expect(rows().every((r) => within(r).queryByText("Blocked"))).toBe(true);

  select("Level", "all");
  fireEvent.input(screen.getByRole("searchbox", { name: "Host" }), { target: { value: "LOCALHOST" } });
  const local = events.filter((e) => e.origin.includes("localhost") || e.pageUrl.includes("localhost"));
  expect(local.length).toBeGreaterThan(0);
  expect(rows()).toHaveLength(local.length);

  fireEvent.input(screen.getByRole("searchbox", { name: "Host" }), { target: { value: "" } });
  select("Rule", "chain-changed");
  expect(rows()).toHaveLength(1);
  expect(screen.getByRole("status").textContent).toBe(`Showing 1 of ${events.length} events`);
});

test("CSV export quotes commas, quotes and line breaks, and defuses spreadsheet formulas", async () => {
  const downloads = captureDownloads();
  // A server chooses its CA's subject: one with quotes, commas and a line break.
  const changed = { ...events.find((e) => e.ruleId === "chain-changed")!, subject: 'CN=Shop "Secure" CA, O=Demo, Inc.\nOU=Line two' };
  renderWithMock(<HistoryPage />, { data: { ...fixtures, history: { ...fixtures.history, events: events.map((e) => (e.id === changed.id ? changed : e)) } } });
  await screen.findByRole("table");
  select("Rule", "chain-changed");
  fireEvent.click(screen.getByRole("button", { name: "Export shown as CSV" }));
  expect(downloads[0].filename).toMatch(/^chain-sentry-history-\d{8}-\d{6}\.csv$/);
  expect(downloads[0].type).toBe("text/csv");
  const chain = (which: "before" | "after") => changed.change![which]!.map((c) => c.sha256);
  expect(chain("before")).toHaveLength(3);
  expect(changed.title).toMatch(/,/); // the new issuer's name, quoted too
  expect(await downloads[0].text()).toBe(
    "time,level,page_url,origin,rule,finding,certificate_subject,sha256,id,chain_before_sha256,chain_after_sha256\r\n" +
      `${new Date(changed.time).toISOString()},notice,"https://shop.ok-demo.example/cart?item=1,2",https://shop.ok-demo.example,chain-changed,` +
      `"${changed.title}","CN=Shop ""Secure"" CA, O=Demo, Inc.\nOU=Line two",${changed.sha256},${changed.id},${chain("before").join(" ")},${chain("after").join(" ")}\r\n`,
  );

  select("Rule", "non-built-in-root");
  fireEvent.input(screen.getByRole("searchbox", { name: "Host" }), { target: { value: "intercept" } });
  fireEvent.click(screen.getByRole("button", { name: "Export shown as CSV" }));
  const csv = await downloads[1].text();
  expect(csv.split("\r\n")[1]).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",`);

  expect(csvCell("plain")).toBe("plain");
  expect(csvCell("-1+2")).toBe("'-1+2");
});

test("JSON export holds the events shown", async () => {
  const downloads = captureDownloads();
  await renderHistory();
  select("Level", "warning");
  fireEvent.click(screen.getByRole("button", { name: "Export shown as JSON" }));
  const exported = JSON.parse(await downloads[0].text()) as HistoryEvent[];
  expect(exported).toEqual(events.filter((e) => e.level === "warning"));
});

test("clearing asks for confirmation first", async () => {
  const { connector } = await renderHistory();
  fireEvent.click(screen.getByRole("button", { name: "Clear history…" }));
  const dialog = screen.getByRole("alertdialog");
  expect(dialog.textContent).toMatch(`Delete all ${events.length} events? This cannot be undone.`);
  fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
  expect(screen.queryByRole("alertdialog")).toBeNull();
  expect(connector.calls.some((c) => c.type === "ui-bg-clear-history")).toBe(false);
  expect(rows()).toHaveLength(events.length);

  fireEvent.click(screen.getByRole("button", { name: "Clear history…" }));
  fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete all events" }));
  await waitFor(() => expect(screen.getByText("No events.")).toBeTruthy());
  expect(connector.calls.filter((c) => c.type === "ui-bg-clear-history")).toHaveLength(1);
  expect((screen.getByRole("button", { name: "Clear history…" }) as HTMLButtonElement).disabled).toBe(true);
});

test("under lockSettings the Clear button is disabled and the page says the organisation's policy keeps the history", async () => {
  const locked = { ...fixtures, settings: { ...fixtures.settings, policy: { ...fixtures.settings.policy, locked: true } } };
  renderWithMock(<HistoryPage />, { data: locked });
  await screen.findByRole("table");
  const clear = await waitFor(() => {
    const button = screen.getByRole("button", { name: "Clear history…" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    return button;
  });
  expect(clear.getAttribute("aria-describedby")).toBeTruthy();
  expect(document.getElementById(clear.getAttribute("aria-describedby")!)!.textContent).toBe(HISTORY_KEPT_BY_POLICY);
  expect(HISTORY_KEPT_BY_POLICY).toMatch(/organisation's policy/);
  expect(rows()).toHaveLength(events.length);
});

test("a refusal from the background is shown in the dialog, and the events stay", async () => {
  // The policy locked the history after the page loaded.
  renderWithMock(<HistoryPage />, { override: { "ui-bg-clear-history": () => ({ ok: false, error: HISTORY_KEPT_BY_POLICY }) } });
  await screen.findByRole("table");
  fireEvent.click(screen.getByRole("button", { name: "Clear history…" }));
  fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete all events" }));
  expect((await screen.findByRole("alert")).textContent).toBe(HISTORY_KEPT_BY_POLICY);
  expect(screen.getByRole("alertdialog")).toBeTruthy();
  expect(rows()).toHaveLength(events.length);
});
