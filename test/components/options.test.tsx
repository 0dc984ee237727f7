import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { OptionsPage } from "../../popup/options/OptionsPage";
import { formatListText } from "../../src/listFormat";
import { parseListText } from "../../src/listText";
import { buildSettingsView, validatePolicy } from "../../src/policy";
import type { SettingsView } from "../../src/protocol";
import { bundledCounts, fixtures, renderWithMock } from "./support";

const CORP_ROOT_SPKI = "Vq+3ks4/A1VU13WS4QF5xdX1RKf7a4OkhqhTu2YZBZw=";

/** The fixture's user settings under a managed configuration, resolved by the background's own rules. */
function withPolicy(policy: unknown): SettingsView {
  return buildSettingsView(fixtures.settings.user, validatePolicy(policy));
}

function renderOptions(settings: SettingsView = fixtures.settings) {
  return renderWithMock(<OptionsPage />, { data: { ...fixtures, settings } });
}

const textarea = (name: string) => screen.getByRole("textbox", { name }) as HTMLTextAreaElement;
const radio = (name: RegExp) => screen.getByRole("radio", { name }) as HTMLInputElement;
const checkbox = (name: RegExp) => screen.getByRole("checkbox", { name }) as HTMLInputElement;
const historyLimit = () => screen.getByRole("spinbutton", { name: "Events kept in the history" }) as HTMLInputElement;

async function findForm() {
  await screen.findByRole("button", { name: "Save" });
}

describe("settings form", () => {
  test("shows the settings in force and the user's lists, one entry per line", async () => {
    renderOptions();
    await findForm();
    expect(radio(/^Warn/).checked).toBe(true);
    expect(radio(/^Block/).checked).toBe(false);
    expect(checkbox(/blocked certificate appears/).checked).toBe(true);
    expect(checkbox(/warnings/).checked).toBe(false);
    expect(historyLimit().value).toBe("5000");
    const allowed = fixtures.settings.user.allowlist![0].sha256;
    expect(textarea("Allowlist").value).toBe(`sha256:${allowed} # Demo Public TLS CA\n`);
    expect(textarea("Your own blocklist").value.split("\n")).toEqual([
      `spki:${fixtures.settings.user.blocklist![0].spkiSha256} # Rogue test CA`,
      "sha1:fa6660a94ab45f6a88c0d7874d89a863d74dee97 # Flame registration CA",
      "",
    ]);
    expect(screen.queryByText("Set by your organisation")).toBeNull();
  });

  test("Save sends only what changed and says Saved", async () => {
    const { connector } = renderOptions();
    await findForm();
    fireEvent.click(radio(/^Block/));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByText("Saved")).toBeTruthy());
    const saves = connector.calls.filter((c) => c.type === "ui-bg-save-settings");
    expect(saves).toEqual([{ type: "ui-bg-save-settings", request: { input: { mode: "block" } } }]);
    expect(connector.data.settings.effective.mode).toBe("block");
    expect(radio(/^Block/).checked).toBe(true);
  });

  test("every error is shown next to its field, naming the line; nothing is saved and the form stays as typed", async () => {
    const { connector } = renderOptions();
    await findForm();
    const typedBlocklist = "sha256:12345\n# a comment\nnot a fingerprint\nsha1:2A:83:E9:02:05:91:A5:5F:C6:DD:AD:3F:B1:02:79:4C:52:B2:4E:70\n";
    fireEvent.click(radio(/^Block/));
    fireEvent.input(textarea("Your own blocklist"), { target: { value: typedBlocklist } });
    fireEvent.input(textarea("Allowlist"), { target: { value: "sha1:2a83e9020591a55fc6ddad3fb102794c52b24e70\n" } });
    fireEvent.input(historyLimit(), { target: { value: "0" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    const blocklistErrors = await screen.findByText(/^blocklist line 1:/);
    const blockField = blocklistErrors.closest(".setting") as HTMLElement;
    expect(within(blockField).getByRole("textbox")).toBe(textarea("Your own blocklist"));
    expect(within(blockField).getByText(/^blocklist line 3:/)).toBeTruthy();
    expect(within(blockField).queryByText(/^blocklist line 4:/)).toBeNull();
    const allowField = screen.getByText(/^allowlist line 1: sha1: SHA-1 fingerprints are accepted only in the blocklist/).closest(".setting") as HTMLElement;
    expect(within(allowField).getByRole("textbox")).toBe(textarea("Allowlist"));
    const limitField = screen.getByText(/^historyLimit: expected a positive whole number/).closest(".setting") as HTMLElement;
    expect(within(limitField).getByRole("spinbutton")).toBe(historyLimit());
    expect(textarea("Your own blocklist").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Not saved: 4 problems to fix")).toBeTruthy();

    expect(textarea("Your own blocklist").value).toBe(typedBlocklist);
    expect(textarea("Allowlist").value).toBe("sha1:2a83e9020591a55fc6ddad3fb102794c52b24e70\n");
    expect(historyLimit().value).toBe("0");
    expect(radio(/^Block/).checked).toBe(true);
    // All or nothing: the valid mode change was not saved either.
    expect(connector.data.settings).toEqual(fixtures.settings);
  });

  test("settings fixed by policy are shown as set by the organisation and cannot be changed; policy list entries are shown beside the user's own", async () => {
    renderOptions(withPolicy({ mode: "block", allowlist: [{ spkiSha256: CORP_ROOT_SPKI, label: "Corporate inspection root" }] }));
    await findForm();
    expect(radio(/^Block/).checked).toBe(true);
    expect(radio(/^Warn/).disabled).toBe(true);
    expect(radio(/^Block/).disabled).toBe(true);
    const modeGroup = screen.getByRole("group", { name: "When a blocked certificate appears" });
    expect(within(modeGroup).getByText("Set by your organisation")).toBeTruthy();
    // The policy's list entries are shown as the organisation's; the user still adds their own.
    const organisation = screen.getByText("From your organisation (1):").parentElement!;
    expect(within(organisation).getByText(/^spki:[0-9a-f]{64} # Corporate inspection root$/)).toBeTruthy();
    expect(textarea("Allowlist").readOnly).toBe(false);
    // What policy does not set stays the user's.
    expect(checkbox(/blocked certificate appears/).disabled).toBe(false);
    expect(textarea("Your own blocklist").readOnly).toBe(false);
    expect(historyLimit().disabled).toBe(false);
  });

  test("lockSettings makes mode, lists and notifications read-only", async () => {
    renderOptions(withPolicy({ lockSettings: true }));
    await findForm();
    expect(screen.getByText(/Your organisation has locked the mode, the lists and notifications/)).toBeTruthy();
    expect(radio(/^Warn/).disabled).toBe(true);
    expect(radio(/^Block/).disabled).toBe(true);
    expect(checkbox(/blocked certificate appears/).disabled).toBe(true);
    expect(checkbox(/warnings/).disabled).toBe(true);
    expect(textarea("Allowlist").readOnly).toBe(true);
    expect(textarea("Your own blocklist").readOnly).toBe(true);
    expect((screen.getByLabelText("Import OneCRL-format JSON file") as HTMLInputElement).disabled).toBe(true);
    expect(historyLimit().disabled).toBe(false);
  });

  test("problems in the organisation's policy are listed in a notice", async () => {
    renderOptions(withPolicy({ mode: "BLOCK", notifyWarnings: true }));
    await findForm();
    const notice = screen.getByText("Your organisation manages Chain Sentry").parentElement!;
    expect(within(notice).getByText('mode: expected "warn" or "block", got "BLOCK" (values are lowercase)')).toBeTruthy();
    expect(within(notice).getByText(/^notifyWarnings: ignored/)).toBeTruthy();
  });

  test("a OneCRL-format JSON file is added to the blocklist as lines, disabled records skipped", async () => {
    renderOptions();
    await findForm();
    const issuer = "MD8xCzAJBgNVBAYTAk5MMRMwEQYDVQQKDAplTXVkaHJhIEJWMRswGQYDVQQDDBJFTSBEViBUTFMgQ0EgLSBHM0I=";
    const serialNumber = "RB/KBH9VgbnLpOJqZoTyow==";
    const onecrl = {
      data: [
        { id: "rec-1", enabled: true, issuerName: issuer, serialNumber, details: { name: "EM DV TLS CA" } },
        { id: "rec-2", enabled: false, subject: issuer, pubKeyHash: "6+1kdcLC2A/LGZ8/6N1uazzmC3frFdTkLD3sDG9bUQU=" },
      ],
    };
    const before = textarea("Your own blocklist").value;
    const file = new File([JSON.stringify(onecrl, null, 2)], "onecrl.json", { type: "application/json" });
    fireEvent.change(screen.getByLabelText("Import OneCRL-format JSON file"), { target: { files: [file] } });

    await screen.findByText(/onecrl\.json: 1 entry added to the list above; save to apply them/);
    expect(screen.getByText(/record 1 \(id rec-2\): skipped, the record is disabled/)).toBeTruthy();
    expect(textarea("Your own blocklist").value).toBe(
      `${before}issuer-serial:${issuer} ${Buffer.from(serialNumber, "base64").toString("hex")} # EM DV TLS CA\n`,
    );
  });

  test("a chosen file that cannot be read is reported by name, and the files after it are still imported", async () => {
    renderOptions();
    await findForm();
    const issuer = "MD8xCzAJBgNVBAYTAk5MMRMwEQYDVQQKDAplTXVkaHJhIEJWMRswGQYDVQQDDBJFTSBEViBUTFMgQ0EgLSBHM0I=";
    const onecrl = { data: [{ id: "rec-1", enabled: true, issuerName: issuer, serialNumber: "RB/KBH9VgbnLpOJqZoTyow==" }] };
    // Not a Blob: FileReader refuses it, as it would a file removed from disk after it was chosen.
    const unreadable = { name: "gone.json" };
    const file = new File([JSON.stringify(onecrl)], "onecrl.json", { type: "application/json" });
    fireEvent.change(screen.getByLabelText("Import OneCRL-format JSON file"), { target: { files: [unreadable, file] } });

    await screen.findByText(/onecrl\.json: 1 entry added to the list above/);
    expect(screen.getByText(/gone\.json/).closest("li")?.textContent).toMatch(/could not be read/);
    expect(textarea("Your own blocklist").value).toContain(`issuer-serial:${issuer} `);
  });
});

describe("the blocklist in use", () => {
  test("version, snapshot dates and entry counts per source", async () => {
    renderOptions();
    const table = await screen.findByRole("table");
    expect(screen.getByText(fixtures.status.blocklist.version)).toBeTruthy();
    const row = (name: string) => within(table).getByText(name).closest("tr")!;
    expect(within(row("Mozilla OneCRL")).getByText("2026-10-28")).toBeTruthy();
    expect(within(row("Mozilla OneCRL")).getByText(bundledCounts.entries("onecrl"))).toBeTruthy();
    expect(within(row("Chromium certificate blocklist")).getByText(bundledCounts.entries("chromium"))).toBeTruthy();
    expect(within(row("Mozilla preloaded intermediates (CCADB)")).getByText(bundledCounts.knownIntermediates)).toBeTruthy();
    expect(within(row("Your own entries")).getByText("2")).toBeTruthy();
  });

  test("search lists label, source, incident, reference and whether the entry is enforced", async () => {
    const { openTab } = renderOptions();
    await screen.findByRole("table");
    fireEvent.input(screen.getByRole("searchbox", { name: "Search the blocklist" }), { target: { value: "diginotar root" } });
    const [root] = await screen.findAllByText("DigiNotar Root CA");
    const result = root.closest("li")!;
    expect(within(result).getByText("Chromium blocklist")).toBeTruthy();
    expect(within(result).getByText("Enforced")).toBeTruthy();
    expect(within(result).getByText(/DigiNotar/, { selector: "p:not(:first-child)" })).toBeTruthy();
    const reference = within(result).getByRole("link", { name: "Reference for DigiNotar Root CA" });
    expect(reference.getAttribute("href")).toMatch(/^https:/);
    fireEvent.click(reference);
    expect(openTab).toHaveBeenCalledWith(reference.getAttribute("href"));

    fireEvent.input(screen.getByRole("searchbox", { name: "Search the blocklist" }), { target: { value: "onecrl" } });
    await waitFor(() => expect(screen.getAllByText("Not enforced").length).toBeGreaterThan(0));
  });
});

test("the page writes the lists in the syntax the background parses back to the same entries", async () => {
  const issuer = "MD8xCzAJBgNVBAYTAk5MMRMwEQYDVQQKDAplTXVkaHJhIEJWMRswGQYDVQQDDBJFTSBEViBUTFMgQ0EgLSBHM0I=";
  const blocklist = [
    ...fixtures.settings.user.blocklist!,
    { issuerSerial: { issuer, serial: "441fca047f5581b9cba4e26a6684f2a3" }, label: "Revoked   EM CA", source: "user" as const },
    { subjectSpki: { subject: issuer, spkiSha256: "ebed6475c2c2d80fcb199f3fe8dd6e6b3ce60b77eb15d4e42c3dec0c6f5b5105" }, source: "user" as const },
  ];
  const parsed = await parseListText(formatListText(blocklist), "blocklist", "user");
  expect(parsed.issues).toEqual([]);
  expect(parsed.entries).toEqual(blocklist.map((e) => ({ ...e, ...(e.label && { label: e.label.replace(/\s+/g, " ") }) })));
  const allow = await parseListText(formatListText(fixtures.settings.user.allowlist!), "allowlist", "user");
  expect(allow.entries).toEqual(fixtures.settings.user.allowlist);
});
