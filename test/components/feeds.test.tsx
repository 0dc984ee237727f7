import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { BlockedPage } from "../../popup/blocked/BlockedPage";
import { OptionsPage } from "../../popup/options/OptionsPage";
import { formatTime } from "../../popup/ui/format";
import type { FeedStatus } from "../../src/feeds/model";
import type { BlockedPageInfo } from "../../src/protocol";
import { bundledCounts, fixtures, renderWithMock } from "./support";

type Options = Parameters<typeof renderWithMock>[1];

/** The fixture: Contoso's feed is healthy; the partner's document expired and its last check found a document signed with another key. */
const [contoso, partner] = fixtures.status.feeds;

function renderFeeds(feeds: FeedStatus[] = fixtures.status.feeds, options: Options = {}) {
  return renderWithMock(<OptionsPage />, { data: { ...fixtures, status: { ...fixtures.status, feeds } }, ...options });
}

const section = async () => (await screen.findByRole("heading", { name: "Signed list feeds" })).closest("section") as HTMLElement;
const feed = (label: string) => screen.findByRole("article", { name: label });
/** The value shown beside a label, within one feed. */
const field = (scope: HTMLElement, label: string) => within(scope).getByText(label, { selector: "dt" }).nextElementSibling!.textContent;
const signed = (iso: string) => formatTime(Date.parse(iso));

test("each feed shows its address, pinned algorithm, interval, schedule and the document in force", async () => {
  renderFeeds();
  const s = await section();
  expect(within(s).getByText(/names 2 signed feeds/)).toBeTruthy();
  const article = await feed("Contoso security blocklist");
  expect(field(article, "Address")).toBe("https://pki.contoso.example/chain-sentry/feed.jws");
  expect(field(article, "Signature algorithm")).toBe("ES256 (ECDSA with P-256 and SHA-256), pinned by the policy");
  expect(field(article, "Checked every")).toBe("1 hour");
  expect(field(article, "Last check")).toBe(formatTime(contoso.lastCheck!));
  expect(field(article, "Last success")).toBe(formatTime(contoso.lastSuccess!));
  expect(field(article, "Next check")).toBe(formatTime(contoso.nextCheck!));

  const doc = contoso.document!;
  expect(field(article, "Document")).toBe("Contoso PKI security (production)");
  expect(field(article, "Sequence")).toBe("42");
  expect(field(article, "Issued")).toBe(signed(doc.issuedAt));
  expect(field(article, "Expires")).toBe(signed(doc.expiresAt));
  expect(field(article, "Entries")).toBe("2 blocklist entries, 1 allowlist entry, 3 known intermediates");
  expect(field(article, "Accepted")).toBe(formatTime(doc.acceptedAt));
  // Healthy: nothing alarming.
  expect(within(article).queryByRole("alert")).toBeNull();
  expect(within(article).queryByText(/expired/i)).toBeNull();
  expect(within(article).queryByText("Ignored entries")).toBeNull();
});

test("an expired document says its blocks still apply but its allowlist and known intermediates do not", async () => {
  renderFeeds();
  const article = await feed("Partner SOC TLS intelligence");
  expect(within(article).getByText("This document has expired")).toBeTruthy();
  expect(within(article).getByText(/^Its blocks still apply, but its allowlist entries and known intermediates no longer do/)).toBeTruthy();
  expect(field(article, "Expires")).toBe(`${signed(partner.document!.expiresAt)}Expired`);
  expect(field(article, "Checked every")).toBe("15 minutes");
  expect(field(article, "Signature algorithm")).toMatch(/^EdDSA \(Ed25519\)/);
  expect(field(article, "Ignored entries")).toMatch(/blocklist\[1\]\.sha256: .*"not-a-fingerprint"/);
});

test("the last error is named in words, with its message and time, and the last good document stays in force", async () => {
  renderFeeds();
  const article = await feed("Partner SOC TLS intelligence");
  const alert = within(article).getByRole("alert");
  expect(within(alert).getByText("Last check failed: signed by another key or altered — refused")).toBeTruthy();
  expect(alert.textContent).toContain(`${formatTime(partner.lastError!.time)}: ${partner.lastError!.message}`);
  expect(within(alert).getByText("The last good document (sequence 7) stays in force.")).toBeTruthy();
  expect(field(article, "Sequence")).toBe("7");
  expect(field(article, "Last success")).toBe(formatTime(partner.lastSuccess!));
});

test.each([
  ["rollback", "an older or reused sequence — refused"],
  ["unreachable", "the feed could not be fetched (network error, timeout or an HTTP error)"],
  ["too-large", "larger than the 4 MB a feed may be — refused unread"],
  ["wrong-algorithm", "signed with another algorithm than the pinned key's — refused"],
] as const)("a %s error reads: %s", async (kind, words) => {
  renderFeeds([{ ...contoso, lastError: { kind, message: "detail from the background", time: contoso.lastCheck! } }]);
  const alert = within(await feed("Contoso security blocklist")).getByRole("alert");
  expect(within(alert).getByText(`Last check failed: ${words}`)).toBeTruthy();
  expect(alert.textContent).toContain("detail from the background");
});

test("a feed with no document accepted says nothing from it applies", async () => {
  renderFeeds([
    { ...contoso, document: null, lastSuccess: null, nextCheck: null, lastError: { kind: "unreachable", message: "HTTP 404", time: contoso.lastCheck! } },
  ]);
  const article = await feed("Contoso security blocklist");
  expect(within(article).getByText("No document accepted yet: nothing from this feed applies.")).toBeTruthy();
  expect(within(article).queryByText(/stays in force/)).toBeNull();
  expect(within(article).queryByText("Sequence")).toBeNull();
  expect(field(article, "Last success")).toBe("never");
  expect(field(article, "Next check")).toBe("not scheduled");
});

test("without feeds the section says the policy names none, and offers no check", async () => {
  renderFeeds([]);
  const s = await section();
  expect(within(s).getByText("Your organisation's policy names no signed list feeds.")).toBeTruthy();
  expect(within(s).queryByRole("button", { name: "Check now" })).toBeNull();
});

test("Check now asks the background to check every feed, shows it is busy, then shows the statuses it answered", async () => {
  let answer!: (feeds: FeedStatus[]) => void;
  const checked = new Promise<FeedStatus[]>((resolve) => (answer = resolve));
  const { connector } = renderFeeds(undefined, { override: { "ui-bg-check-feeds": () => checked } });
  const s = await section();
  await feed("Contoso security blocklist");
  const button = within(s).getByRole("button", { name: "Check now" }) as HTMLButtonElement;
  fireEvent.click(button);

  expect(connector.calls.filter((c) => c.type === "ui-bg-check-feeds")).toEqual([{ type: "ui-bg-check-feeds", request: {} }]);
  await waitFor(() => expect(button.disabled).toBe(true));
  expect(within(s).getByRole("status").textContent).toBe("Checking the feeds…");

  const now = contoso.lastCheck! + 3_600_000;
  answer([{ ...contoso, lastCheck: now, lastSuccess: now, document: { ...contoso.document!, sequence: 43, acceptedAt: now } }, partner]);
  const article = await feed("Contoso security blocklist");
  await waitFor(() => expect(field(article, "Sequence")).toBe("43"));
  expect(field(article, "Last check")).toBe(formatTime(now));
  expect(button.disabled).toBe(false);
  expect(within(s).getByRole("status").textContent).toBe("Checked");
});

test("Check now on the mock connector marks every feed checked now and keeps each last error", async () => {
  const now = partner.lastCheck! + 120_000;
  const clock = jest.spyOn(Date, "now").mockReturnValue(now);
  try {
    renderFeeds();
    const s = await section();
    fireEvent.click(within(s).getByRole("button", { name: "Check now" }));
    await waitFor(() => expect(within(s).getByRole("status").textContent).toBe("Checked"));
    for (const label of [contoso.label, partner.label]) expect(field(await feed(label), "Last check")).toBe(formatTime(now));
    expect(within(await feed(partner.label)).getByRole("alert").textContent).toMatch(/^Last check failed: signed by another key/);
  } finally {
    clock.mockRestore();
  }
});

test("a failed Check now is shown, and the statuses on screen stay", async () => {
  renderFeeds(undefined, {
    override: { "ui-bg-check-feeds": () => Promise.reject(new Error("Could not establish connection. Receiving end does not exist.")) },
  });
  const s = await section();
  fireEvent.click(within(s).getByRole("button", { name: "Check now" }));
  const alert = await within(s).findByText("Could not establish connection. Receiving end does not exist.");
  expect(alert.closest("[role=alert]")).toBeTruthy();
  expect(field(await feed("Contoso security blocklist"), "Sequence")).toBe("42");
  expect((within(s).getByRole("button", { name: "Check now" }) as HTMLButtonElement).disabled).toBe(false);
});

test("what a publisher wrote (labels, ignored-entry messages, error messages) is shown as text, never markup", async () => {
  const markup = "<img src=x onerror=alert(1)>";
  renderFeeds([
    {
      ...partner,
      label: markup,
      document: { ...partner.document!, label: markup, entryErrors: [markup] },
      lastError: { ...partner.lastError!, message: markup },
    },
  ]);
  const article = await feed(markup);
  expect(field(article, "Document")).toBe(markup);
  expect(field(article, "Ignored entries")).toBe(markup);
  expect(within(article).getByRole("alert").textContent).toContain(markup);
  expect(document.querySelector("img, [onerror]")).toBeNull();
});

describe("feed entries in the blocklist in use", () => {
  test("the counts table has a row for the feeds' entries and one for the intermediates they add", async () => {
    renderFeeds();
    const table = await screen.findByRole("table");
    const row = (name: string) => within(table).getByText(name).closest("tr")!;
    expect(within(row("Your organisation's signed feeds")).getByText("3")).toBeTruthy();
    expect(within(row("Known intermediates from your organisation's signed feeds")).getByText("3")).toBeTruthy();
    // The bundled snapshot keeps its own count.
    expect(within(row("Mozilla preloaded intermediates (CCADB)")).getByText(bundledCounts.knownIntermediates)).toBeTruthy();
  });

  test("the search finds a feed entry and names its source and the feed", async () => {
    renderFeeds();
    await screen.findByRole("table");
    fireEvent.input(screen.getByRole("searchbox", { name: "Search the blocklist" }), { target: { value: "contoso inspection" } });
    const label = await screen.findByText("Contoso Inspection CA 2024 (retired TLS inspection appliance)");
    const result = label.closest("li")!;
    expect(within(result).getByText("your organisation's signed feed")).toBeTruthy();
    expect(within(result).getByText('Listed by your organisation\'s signed feed "Contoso PKI security (production)" (sequence 42)')).toBeTruthy();
    expect(within(result).getByText("Enforced")).toBeTruthy();
  });
});

test("the block page says a certificate was listed by the organisation's signed feed", async () => {
  const entry = fixtures.blocklist.find((e) => e.source === "feed")!;
  const page: BlockedPageInfo = {
    id: "3c1f0a2e-5d4b-4c6a-9e8f-7a6b5c4d3e2f",
    kind: "blocked",
    url: "https://intranet.contoso.example/",
    origin: "https://intranet.contoso.example",
    reason: null,
    time: contoso.lastCheck!,
    blockedUntil: null,
    certificate: {
      subject: "CN=Contoso Inspection CA 2024,O=Contoso Ltd,C=GB",
      sha256: entry.sha256!.toUpperCase().match(/../g)!.join(":"),
      role: "intermediate certificate",
      label: entry.label,
      source: "feed",
      key: "sha256",
      keyLabel: "certificate SHA-256 fingerprint",
      incident: entry.incident,
      reference: "",
    },
  };
  renderWithMock(<BlockedPage search={`?id=${page.id}`} />, { data: { ...fixtures, blockedPages: { [page.id]: page } } });
  const listedBy = await screen.findByText("Listed by", { selector: "dt" });
  expect(listedBy.nextElementSibling!.textContent).toBe("your organisation's signed feed");
  expect(screen.getByText(entry.incident)).toBeTruthy();
});
