/** The options page's blocklist search over the real bundled entries: by words, or by a hash as a user pastes it. */
import { Blocklist } from "../../src/blocklist";
import { searchBlocklist } from "../../src/blocklistSearch";
import { bundledIndex, DIGINOTAR_ROOT } from "./support/chains";

const entries = Blocklist.fromIndex(bundledIndex).entries;
const diginotarRoot = entries.find((e) => e.sha256 === DIGINOTAR_ROOT)!;
const labels = (query: string) => searchBlocklist(entries, query).entries.map((e) => e.label);
/** "0d136e43…" as Firefox's certificate viewer shows it: "0D:13:6E:43…". */
const colonHex = (hex: string) => hex.toUpperCase().match(/../g)!.join(":");

test("every word must appear, in any case, in the label, the incident or the source", () => {
  expect(labels("DigiNotar Root")).toContain("DigiNotar Root CA");
  expect(labels("  diginotar   CHROMIUM ")).toContain("DigiNotar Root CA");
  expect(labels("diginotar compromise").length).toBeGreaterThan(0); // "compromise" is in the incident only
  expect(labels("diginotar superfish")).toEqual([]);
});

test("a SHA-256, SHA-1 or SPKI prefix of eight digits or more finds its entry, pasted with colons, spaces or capitals", () => {
  for (const hash of [diginotarRoot.sha256!, diginotarRoot.sha1!, diginotarRoot.spkiSha256!]) {
    expect(searchBlocklist(entries, colonHex(hash.slice(0, 8))).entries).toContainEqual(diginotarRoot);
    expect(searchBlocklist(entries, hash.slice(0, 16).replace(/(.{4})/g, "$1 ")).entries).toContainEqual(diginotarRoot);
  }
  expect(searchBlocklist(entries, DIGINOTAR_ROOT)).toEqual({ total: 1, entries: [diginotarRoot] });
});

test("a hash prefix shorter than eight digits matches nothing by chance", () => {
  expect(searchBlocklist(entries, DIGINOTAR_ROOT.slice(0, 7)).total).toBe(0);
});

test("an empty query lists every entry; the total counts every match and at most `limit` are returned", () => {
  expect(searchBlocklist(entries, "   ")).toEqual({ total: entries.length, entries: entries.slice(0, 50) });
  const chromium = searchBlocklist(entries, "chromium", 3);
  expect(chromium.entries).toHaveLength(3);
  expect(chromium.total).toBe(entries.filter((e) => e.source === "chromium" || `${e.label} ${e.incident}`.toLowerCase().includes("chromium")).length);
  expect(chromium.total).toBeGreaterThan(3);
});
