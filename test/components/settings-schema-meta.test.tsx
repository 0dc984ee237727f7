/**
 * The options page against the settings schema: every setting a user can set has a field that
 * shows when the organisation sets or locks it, and that shows its save errors. A user setting
 * added to the schema without its field fails here.
 */
import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { OptionsPage } from "../../popup/options/OptionsPage";
import { buildSettingsView, validatePolicy } from "../../src/policy";
import { USER_SETTING_KEYS } from "../../src/settings/schema";
import { fixtures, renderWithMock } from "./support";

test("every setting lockSettings locks is shown locked, and a policy's own values as set by the organisation", async () => {
  // historyLimit is not locked by lockSettings: the policy sets it here so that every user setting is managed.
  const view = buildSettingsView(fixtures.settings.user, validatePolicy({ lockSettings: true, historyLimit: 50 }));
  const { container } = renderWithMock(<OptionsPage />, { data: { ...fixtures, settings: view } });
  await screen.findByRole("button", { name: "Save" });
  for (const key of USER_SETTING_KEYS) {
    const note = container.querySelector(`#${key}-managed`);
    expect(note?.textContent).toMatch(/^(Set|Locked) by your organisation$/);
    const field = note!.closest(".setting") as HTMLElement;
    const controls = [...field.querySelectorAll("input, textarea")] as (HTMLInputElement | HTMLTextAreaElement)[];
    expect(controls.length).toBeGreaterThan(0);
    expect(controls.every((c) => c.disabled || c.readOnly)).toBe(true);
  }
});

test("a save error on any user setting is shown in that setting's field, not with the general errors", async () => {
  const errors = USER_SETTING_KEYS.map((key) => ({ path: [key], message: `bad value for ${key}` }));
  const { container } = renderWithMock(<OptionsPage />, { override: { "ui-bg-save-settings": () => ({ ok: false as const, errors }) } });
  fireEvent.click(await screen.findByRole("button", { name: "Save" }));
  await waitFor(() => expect(screen.getByText(`Not saved: ${errors.length} problems to fix`)).toBeTruthy());
  for (const key of USER_SETTING_KEYS) {
    const shown = screen.getByText(`${key}: bad value for ${key}`);
    expect(shown.closest(".setting")).toBeTruthy();
    expect(shown.closest("#general-errors")).toBeNull();
  }
  expect(container.querySelector("#general-errors")).toBeNull();
});
