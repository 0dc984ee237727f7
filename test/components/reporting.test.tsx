import { screen, within } from "@testing-library/preact";
import { OptionsPage } from "../../popup/options/OptionsPage";
import type { ReportingStatus } from "../../src/protocol";
import { fixtures, renderWithMock } from "./support";

const T = Date.UTC(2026, 10, 24, 15, 0, 0);

function renderWith(reporting: ReportingStatus | null) {
  return renderWithMock(<OptionsPage />, { data: { ...fixtures, status: { ...fixtures.status, reporting } } });
}

const section = async () => (await screen.findByRole("heading", { name: "Reporting to your organisation" })).closest("section") as HTMLElement;

test("without a reporting policy the options page says nothing leaves the browser", async () => {
  renderWith(null);
  expect(within(await section()).getByText("Reporting is off: nothing leaves this browser.")).toBeTruthy();
});

test("with one, it says reporting is on, where to, in which format, how much of URLs, the queue, last success and last error", async () => {
  renderWith({
    endpoint: "https://otel.corp.example:4318/",
    format: "otlp",
    url: "origin",
    minLevel: "warning",
    includeChain: false,
    queued: 42,
    dropped: 0,
    rejected: 3,
    lastSuccess: T - 60_000,
    lastError: { time: T, message: "https://otel.corp.example:4318/v1/logs answered HTTP 503" },
    nextAttempt: T + 30_000,
  });
  const s = await section();
  const field = (label: string) => within(s).getByText(label).nextElementSibling as HTMLElement;
  expect(within(s).getByText(/^Reporting is on/)).toBeTruthy();
  expect(field("Sent to").textContent).toBe("https://otel.corp.example:4318/");
  expect(field("Format").textContent).toMatch(/OpenTelemetry/);
  expect(field("Page addresses").textContent).toMatch(/only the site's origin/);
  expect(field("Waiting to be sent").textContent).toMatch(/^42 events \(next attempt \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/);
  expect(field("Refused by the collector").textContent).toBe("3 events");
  expect(within(s).queryByText("Dropped (queue full)")).toBeNull();
  expect(field("Last delivered").textContent).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  expect(field("Last error").textContent).toMatch(/answered HTTP 503$/);
});
