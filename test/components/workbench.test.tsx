import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { MAX_INPUT_BYTES, MAX_INPUT_CERTIFICATES } from "../../popup/workbench/input";
import { WorkbenchPage } from "../../popup/workbench/WorkbenchPage";
import { ChainAnalyzer } from "../../src/analyzer";
import type { CompiledIndex } from "../../src/blocklist";
import { base64ToBytes, derToPem, pemToDerList } from "../../src/encoding";
import { MAX_CERTIFICATE_BYTES, type TabState } from "../../src/protocol";
import { securityInfoFromDer } from "../../src/securityInfoFromDer";
import { NO_LISTS, type AnalyzerLists } from "../../src/settings";
import type { Verdict } from "../../src/verdict";
import { analysisJson } from "../../popup/chain/exports";
import { createMockConnector } from "../../popup/connect/mock";
import { captureDownloads, clockAt, decoder, fixtures, FIXTURES_TIME, renderWithMock, TAB } from "./support";

const ROOT = join(__dirname, "..", "..");
// The page and the expectations analyse the fixtures' certificates when the fixtures were made: later,
// their leaves expire and the verdicts these tests compare would change with the date.
beforeEach(() => clockAt(FIXTURES_TIME));
afterEach(() => jest.useRealTimers());
const index: CompiledIndex = JSON.parse(readFileSync(join(ROOT, "data", "blocklist.json"), "utf8"));
const loadIndex = async () => index;
const DIGINOTAR_ROOT = pemToDerList(
  readFileSync(join(ROOT, "data", "sources", "chromium-blocklist", "0d136e439f0ab6e97f3a02a540da9f0641aa554e1d66ea51ae2920d51b2f7217.pem"), "utf8"),
)[0];
/** The lists the mock's background applies (the fixture's user settings). */
const mockLists: AnalyzerLists = { allowlist: fixtures.settings.effective.allowlist, blocklist: fixtures.settings.effective.blocklist, knownIntermediates: [] };

/** A fixture tab's page chain as DER, leaf first (the bytes the mock background serves for it). */
const tabDer = (tab: number) => fixtures.tabs[String(tab)].top!.verdict.chain.map((c) => base64ToBytes(fixtures.certificates[c.sha256]));
const pemOf = (der: Uint8Array[]) => der.map(derToPem).join("");

/** What the core says of the same certificates: the page must show exactly this. */
async function expectedVerdict(der: Uint8Array[], { lists = mockLists, builtInRoot = false } = {}): Promise<Verdict> {
  return new ChainAnalyzer(index, lists).analyze(await securityInfoFromDer(der, { builtInRoot }));
}

async function renderWorkbench(options: Parameters<typeof renderWithMock>[1] = {}) {
  const rendered = renderWithMock(<WorkbenchPage loadIndex={loadIndex} />, options);
  const analyse = screen.getByRole("button", { name: "Analyse" });
  await waitFor(() => expect((analyse as HTMLButtonElement).disabled).toBe(false));
  return rendered;
}

async function paste(text: string) {
  fireEvent.input(screen.getByRole("textbox", { name: /PEM chain/ }), { target: { value: text } });
  fireEvent.click(screen.getByRole("button", { name: "Analyse" }));
}

/** The "All findings" list, open on this page as on the chain page. */
const shownFindings = () =>
  within(screen.getAllByRole("list", { name: "Findings" }).at(-1)!)
    .getAllByRole("listitem")
    .map((li) => li.querySelector(".finding-title")!.textContent!);
const ladderNames = () => [...document.querySelectorAll("ol.ladder .rung-name")].map((n) => n.textContent);

test("a pasted PEM chain gets the popup's view: verdict banner, ladder, findings and decoded details", async () => {
  const der = [...tabDer(TAB.ok).slice(0, 2), DIGINOTAR_ROOT];
  const verdict = await expectedVerdict(der);
  expect(verdict.level).toBe("blocked");
  const { connector } = await renderWorkbench();
  await paste(pemOf(der));

  const banner = await screen.findByRole("alert");
  expect(banner.className).toContain("tone-blocked");
  const blocking = verdict.findings.find((f) => f.severity === "blocked")!;
  expect(banner.textContent).toContain(blocking.match!.label);
  expect(ladderNames()).toHaveLength(3);
  expect(screen.getByRole("button", { name: /All findings/ }).getAttribute("aria-expanded")).toBe("true");
  expect(shownFindings()).toEqual(verdict.findings.map((f) => expect.stringContaining(f.title)));

  // A certificate's details come from the pasted bytes, decoded in the page: the background is not asked.
  fireEvent.click(screen.getAllByRole("button", { name: /Root certificate/ })[0]);
  expect(await screen.findByRole("group", { name: "Decoded certificate" })).toBeTruthy();
  expect(decoder).toHaveBeenCalledTimes(1);
  expect(connector.calls.map((c) => c.type)).toEqual(["ui-bg-get-lists"]);
  // Pasted certificates came over no connection: no connection details (which would claim "Secure").
  expect(screen.queryByRole("button", { name: "Connection details" })).toBeNull();
});

test("the workbench's downloads carry the input's own bytes, the PEM and the JSON, with nothing asked of the background", async () => {
  const downloads = captureDownloads();
  const der = tabDer(TAB.ok);
  const { connector } = await renderWorkbench();
  await paste(pemOf(der));
  await screen.findAllByRole("list", { name: "Certificate chain, site certificate first" });
  fireEvent.click(screen.getByRole("button", { name: "Download chain (PEM)" }));
  await waitFor(() => expect(downloads).toHaveLength(1));
  expect(pemToDerList(await downloads[0].text())).toEqual(der);

  fireEvent.click(screen.getByRole("button", { name: "Download analysis (JSON)" }));
  await waitFor(() => expect(downloads).toHaveLength(2));
  const exported = JSON.parse(await downloads[1].text()) as { top: { der: string[] } };
  expect(exported.top.der.map(base64ToBytes)).toEqual(der);
  expect(connector.calls.map((c) => c.type)).toEqual(["ui-bg-get-lists"]);
});

test("the lists the background applies are applied: a chain through the user's blocked CA is blocked here too", async () => {
  const der = tabDer(TAB.notice);
  const withLists = await expectedVerdict(der);
  const bundledOnly = await expectedVerdict(der, { lists: NO_LISTS });
  expect(withLists.level).toBe("blocked");
  expect(bundledOnly.level).not.toBe("blocked");

  await renderWorkbench();
  await paste(pemOf(der));
  expect((await screen.findByRole("alert")).textContent).toMatch(/Rogue test CA/);
  screen.getByRole("alert").remove();

  // Without an answer from the background the page says so, and checks with the bundled list alone.
  document.body.innerHTML = "";
  await renderWorkbench({ override: { "ui-bg-get-lists": () => Promise.reject(new Error("Receiving end does not exist")) } });
  expect(screen.getByText(/Your lists are not applied/)).toBeTruthy();
  await paste(pemOf(der));
  await waitFor(() => expect(document.querySelector(".banner")?.className).toContain(`tone-${bundledOnly.level}`));
});

test("'the last certificate is a built-in root' counts the root as Firefox's own, as npm run analyze --built-in-root does", async () => {
  const der = tabDer(TAB.ok);
  const rules = (v: Verdict) => v.findings.map((f) => f.ruleId);
  const [plain, builtIn] = [await expectedVerdict(der), await expectedVerdict(der, { builtInRoot: true })];
  expect(rules(plain)).toContain("non-built-in-root");
  expect(rules(builtIn)).not.toContain("non-built-in-root");

  await renderWorkbench();
  await paste(pemOf(der));
  await waitFor(() => expect(document.querySelector(".banner")?.className).toContain(`tone-${plain.level}`));
  fireEvent.click(screen.getByRole("checkbox", { name: /built into Firefox/ }));
  fireEvent.click(screen.getByRole("button", { name: "Analyse" }));
  await waitFor(() => expect(document.querySelector(".banner")?.className).toContain(`tone-${builtIn.level}`));
  expect(plain.level).not.toBe(builtIn.level);
});

test("a tab analysis exported by Chain Sentry, and a SecurityInfo JSON, are analysed again, every chain shown", async () => {
  const state = fixtures.tabs[String(TAB.flame)] as TabState;
  // The popup's "Download analysis (JSON)": the tab's state with the bytes it asked the background for.
  const exported = await analysisJson(state, createMockConnector(fixtures));
  await renderWorkbench();
  await paste(exported);
  const banner = await screen.findByRole("alert");
  expect(banner.className).toContain("tone-blocked");
  const chains = 1 + state.origins.reduce((n, o) => n + o.chains.length, 0);
  expect(screen.getAllByRole("region", { name: /^Chain \d+$/ })).toHaveLength(chains);

  const captured = readFileSync(join(ROOT, "test", "fixtures", "captured-event-full.json"), "utf8");
  const verdict = new ChainAnalyzer(index, mockLists).analyze(JSON.parse(captured).si);
  await paste(captured);
  await waitFor(() => expect(document.querySelector(".banner")?.className).toContain(`tone-${verdict.level}`));
  expect(ladderNames()).toHaveLength(verdict.chain.length);
});

test.each([
  ["nothing", "", /Paste a PEM chain/],
  ["text that is no certificate", "hello", /neither PEM .*nor DER, nor JSON/],
  ["base64 without PEM lines", btoa("x".repeat(90)), /Base64 without the PEM header lines/],
  ["a PEM block that is not base64", "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----", /not valid base64/],
  [
    "a PEM block that is not X.509",
    derToPem(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])),
    /Certificate 1 of the pasted text is not a readable X\.509 certificate/,
  ],
  [
    "too many certificates",
    pemOf(Array.from({ length: MAX_INPUT_CERTIFICATES + 1 }, () => DIGINOTAR_ROOT)),
    new RegExp(`holds ${MAX_INPUT_CERTIFICATES + 1} certificates; the workbench reads at most ${MAX_INPUT_CERTIFICATES}`),
  ],
  ["a certificate over the size cap", derToPem(new Uint8Array(MAX_CERTIFICATE_BYTES + 1).fill(0x30)), /more than the 65,536 Chain Sentry decodes/],
  ["more than 1 MiB", "A".repeat(MAX_INPUT_BYTES + 1), /more than the 1,048,576 bytes the workbench reads/],
  ["JSON that is not ours", '{"hello": "world"}', /neither a SecurityInfo .* nor an analysis exported by Chain Sentry/],
  ["broken JSON", '{"certificates": [', /is not valid JSON/],
  ["a SecurityInfo with absurd bytes", JSON.stringify({ certificates: [{ rawDER: "AAAA" }] }), /"rawDER" is not a list of bytes/],
  ["an export whose chain is not ours", JSON.stringify({ tabId: 1, top: { verdict: 1 }, origins: [] }), /chain 1 is not a chain as Chain Sentry exports it/],
])("bad input (%s) is a clear message, never an exception", async (_, text, message) => {
  await renderWorkbench();
  await paste(text);
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toMatch(/This input cannot be analysed/);
  expect(alert.textContent).toMatch(message);
  expect(document.querySelector("ol.ladder")).toBeNull();
});
