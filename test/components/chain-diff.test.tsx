import { fireEvent, screen, within } from "@testing-library/preact";
import { HistoryPage } from "../../popup/history/HistoryPage";
import { diffChains } from "../../src/chainDiff";
import type { HistoryEvent } from "../../src/protocol";
import { fixtures, renderWithMock } from "./support";

/** The fixture's change, recorded by the background's History (see fixtures/generate.ts). */
const changed = fixtures.history.events.find((e) => e.ruleId === "chain-changed")!;

async function openDiff(events: HistoryEvent[] = fixtures.history.events) {
  renderWithMock(<HistoryPage />, { data: { ...fixtures, history: { ...fixtures.history, events } } });
  await screen.findByRole("table");
  const toggles = screen.getAllByRole("button", { name: "Compare the chains" });
  // Only chain-changed events with details have one.
  expect(toggles).toHaveLength(events.filter((e) => e.change).length);
  fireEvent.click(toggles[0]);
  expect(toggles[0].getAttribute("aria-expanded")).toBe("true");
  return document.querySelector(".chain-diff") as HTMLElement;
}

/** A diff table's rows as [field, before, after, changed]. */
function tableRows(section: HTMLElement): [string, string, string, boolean][] {
  return within(section)
    .getAllByRole("row")
    .slice(1)
    .map((row) => {
      const [field, ...cells] = [...row.children].map((c) => c.textContent ?? "");
      return [field.replace(" (changed)", ""), cells[0], cells[1], row.classList.contains("changed")];
    });
}

test("a chain-changed entry opens the old and the new chain side by side, changed fields marked, with the hints", async () => {
  const { before, after } = changed.change!;
  expect(before).not.toBeNull();
  const diff = await openDiff();

  const hints = within(within(diff).getByRole("list", { name: "What this change suggests" })).getAllByRole("listitem");
  const expected = diffChains(changed.change!, changed.time).hints;
  // The fixture's change is a renewal (old leaf near its end, same key) into an intercepting chain.
  expect(expected.map((h) => h.id).sort()).toEqual(["old-leaf-expiring", "root-not-built-in", "same-leaf-key", "unknown-issuer"]);
  expect(hints.map((h) => h.textContent)).toEqual(expected.map((h) => h.text));
  expect(hints[0].className).toContain("tone-warning");

  const sections = within(diff).getAllByRole("region");
  const { rows } = diffChains(changed.change!, changed.time);
  // The same name and key for the site; the CAs differ in all but, perhaps, their validity (issued alike).
  expect(rows[0].changed.sort()).toEqual(["issuer", "serialNumber", "sha1", "sha256", "validity"]);
  expect(sections.map((s) => within(s).getByRole("heading").textContent)).toEqual([
    "Site certificate — 5 of 7 fields changed",
    `Intermediate certificate 1 — ${rows[1].changed.length} of 7 fields changed`,
    `Root certificate — ${rows[2].changed.length} of 7 fields changed`,
  ]);
  const leaf = tableRows(sections[0]);
  expect(leaf.find(([field]) => field === "Key (SPKI SHA-256)")).toEqual(["Key (SPKI SHA-256)", before![0].spkiSha256, after[0].spkiSha256, false]);
  expect(leaf.find(([field]) => field === "SHA-256")).toEqual(["SHA-256", before![0].sha256, after[0].sha256, true]);
  expect(leaf.find(([field]) => field === "Issuer")).toEqual(["Issuer", before![0].issuer, after[0].issuer, true]);
  expect(within(sections[0]).getAllByText("(changed)")).toHaveLength(5);
  const root = tableRows(sections[2]);
  expect(root.find(([field]) => field === "Subject")).toEqual(["Subject", before![2].subject, after[2].subject, true]);
  expect(root.find(([field]) => field === "Status")).toEqual(["Status", "built into Firefox", "not built into Firefox", false]);

  fireEvent.click(screen.getByRole("button", { name: "Hide the chains" }));
  expect(document.querySelector(".chain-diff")).toBeNull();
});

test("a change recorded after an upgrade, without the old chain's details, says so and shows the new chain", async () => {
  const upgraded: HistoryEvent = { ...changed, change: { before: null, after: changed.change!.after } };
  const diff = await openDiff(fixtures.history.events.map((e) => (e.id === changed.id ? upgraded : e)));
  expect(within(diff).getByRole("note").textContent).toMatch(/earlier version of Chain Sentry.*details were not recorded/);
  const hints = within(diff)
    .getAllByRole("listitem")
    .map((h) => h.textContent);
  expect(hints).toEqual(diffChains(upgraded.change!, upgraded.time).hints.map((h) => h.text));
  expect(hints.join(" ")).not.toMatch(/old site certificate/);
  const leaf = tableRows(within(diff).getAllByRole("region")[0]);
  expect(leaf.find(([field]) => field === "Subject")).toEqual(["Subject", "not recorded", upgraded.change!.after[0].subject, false]);
});

test("events recorded before chains were summarised have no diff to open; server-chosen names stay text", async () => {
  const { change: _dropped, ...legacy } = changed;
  const hostile: HistoryEvent = {
    ...changed,
    id: "hostile",
    change: { ...changed.change!, after: changed.change!.after.map((c, i) => (i === 1 ? { ...c, subject: '<img src=x onerror="alert(1)">' } : c)) },
  };
  const diff = await openDiff([legacy, hostile]);
  expect(diff.querySelector("img")).toBeNull();
  expect(within(diff).getAllByText('<img src=x onerror="alert(1)">').length).toBeGreaterThan(0);
});
