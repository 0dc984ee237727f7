/**
 * Helpers for the enterprise-policy suite (policy.test.ts): fingerprints of generated certificates
 * in the forms a policies.json carries, visiting a site in a tab, finding that tab's id, waiting for
 * the background's verdict on it, and reading the options page as a user sees it.
 *
 * Polling comes from support.ts. Its visit/tabIdOf/settledTabState belong to launchDemo (the demo
 * sites under the demo policy), and this suite needs its own PKI and policies, so the few helpers
 * below work on a plain FirefoxHandle.
 */
import { createHash } from "node:crypto";
import type { Page } from "puppeteer-core";
import type { SettingsView, TabState } from "../../src/protocol";
import type { Issued } from "../../scripts/pki";
import type { FirefoxHandle } from "./firefox";
import { waitFor } from "./support";

/** Certificate SHA-256 as Firefox and `openssl x509 -fingerprint` print it: uppercase hex with colons. */
export function sha256Colons(cert: Issued): string {
  return createHash("sha256").update(cert.der).digest("hex").toUpperCase().match(/../g)!.join(":");
}

/** SHA-256 of the certificate's SubjectPublicKeyInfo, in base64 (the policy's `spkiSha256`). */
export function spkiSha256Base64(cert: Issued): string {
  return createHash("sha256").update(new Uint8Array(cert.cert.publicKey.rawData)).digest("base64");
}

/**
 * Opens `url` in a new tab without waiting for a load event (a navigation the extension redirects
 * to its block page never sends one over BiDi) and resolves once the tab's document is complete and
 * either at `url` or, if `redirectedTo` is given, at a URL starting with it.
 */
export async function visit(ff: FirefoxHandle, url: string, redirectedTo?: string): Promise<Page> {
  const page = await ff.browser.newPage();
  page.goto(url).catch(() => {});
  await waitFor(
    redirectedTo ? `${url} to be redirected to ${redirectedTo}` : `${url} to load`,
    () => page.evaluate(() => [location.href, document.readyState] as const),
    ([href, state]) => state === "complete" && (redirectedTo ? href.startsWith(redirectedTo) : href === url),
  );
  return page;
}

/** The document's current URL, as the page itself reports it. */
export const hrefOf = (page: Page) => page.evaluate(() => location.href);

/** Visible text of the page (innerText: what a user reads, not hidden markup). */
export const textOf = (page: Page) => page.evaluate(() => document.body.innerText);

// One extension page per Firefox, for calls that need the extension's own `browser` (tabs.query).
const helperPages = new WeakMap<FirefoxHandle, Promise<Page>>();

/** The id Firefox gives the tab showing `page`, found with tabs.query from an extension page. */
export async function tabIdOf(ff: FirefoxHandle, page: Page): Promise<number> {
  let helper = helperPages.get(ff);
  if (!helper) {
    // The block page without details is static and asks the background for nothing.
    helper = ff.openExtensionPage("popup/blocked.html");
    helperPages.set(ff, helper);
  }
  const href = await hrefOf(page);
  const tabs = await (
    await helper
  ).evaluate(() => (globalThis as unknown as TabsGlobal).browser.tabs.query({}).then((list) => list.map((t) => ({ id: t.id, url: t.url }))));
  const matching = tabs.filter((t) => t.url === href);
  if (matching.length !== 1 || matching[0].id === undefined) {
    throw new Error(`expected exactly one tab at ${href}, found ${JSON.stringify(tabs)}`);
  }
  return matching[0].id;
}

type TabsGlobal = { browser: { tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } } };

/** Asks the background (as the popup does) for a tab's state until `done` accepts it. */
export function waitForTabState(ff: FirefoxHandle, tabId: number, done: (state: TabState) => boolean, what = `tab ${tabId}'s state`): Promise<TabState> {
  return waitFor(
    what,
    () => ff.sendMessage({ type: "ui-bg-get-tab-state", tabId }) as Promise<TabState | null>,
    (state): boolean => state !== null && done(state),
  ) as Promise<TabState>;
}

export const getSettings = (ff: FirefoxHandle) => ff.sendMessage({ type: "ui-bg-get-settings" }) as Promise<SettingsView>;

/** What a user sees of the settings form: each control's state, and the page's text. */
export interface OptionsSnapshot {
  text: string;
  /** The two mode radio buttons, as the browser lets a user use them (`:disabled` covers a disabled fieldset). */
  mode: { value: string; checked: boolean; disabled: boolean }[];
  /** Checkboxes by their label's text. */
  checkboxes: { label: string; checked: boolean; disabled: boolean }[];
  /** Text areas (the lists) by id. */
  textareas: { id: string; readOnly: boolean; disabled: boolean }[];
  historyLimit: { value: string; disabled: boolean } | null;
  /** Every "Set by your organisation" / "Locked by your organisation" marker, with the text of the legend or label it follows. */
  markers: { text: string; near: string }[];
  /** The items listed under "These parts of the policy were ignored:". */
  policyErrors: string[];
}

/** Opens popup/options.html and reads it once the settings form has rendered. */
export async function readOptionsPage(ff: FirefoxHandle): Promise<{ page: Page; snapshot: OptionsSnapshot }> {
  const page = await ff.openExtensionPage("popup/options.html");
  await waitFor(
    "the options page's settings form",
    () => page.evaluate(() => document.querySelectorAll('input[name="mode"]').length),
    (n) => n > 0,
  );
  // No named functions inside: tsx (esbuild keepNames) would wrap them in a __name() the page lacks.
  const snapshot = await page.evaluate((): OptionsSnapshot => {
    const errorsHeading = [...document.querySelectorAll("p")].find((p) => /parts of the policy were ignored/i.test(p.textContent ?? ""));
    const errorList = errorsHeading?.nextElementSibling;
    const history = document.querySelector<HTMLInputElement>("#history-limit");
    return {
      text: document.body.innerText,
      mode: [...document.querySelectorAll<HTMLInputElement>('input[name="mode"]')].map((r) => ({
        value: r.value,
        checked: r.checked,
        disabled: r.matches(":disabled"),
      })),
      checkboxes: [...document.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].map((c) => ({
        label: (c.closest("label")?.textContent ?? "").trim().replace(/\s+/g, " "),
        checked: c.checked,
        disabled: c.matches(":disabled"),
      })),
      textareas: [...document.querySelectorAll<HTMLTextAreaElement>("textarea")].map((t) => ({
        id: t.id,
        readOnly: t.readOnly,
        disabled: t.matches(":disabled"),
      })),
      historyLimit: history && { value: history.value, disabled: history.matches(":disabled") },
      markers: [...document.querySelectorAll("p, span, div")]
        .filter((el) => el.children.length === 0 && /(Set|Locked) by your organisation/.test(el.textContent ?? ""))
        .map((el) => ({
          text: (el.textContent ?? "").trim(),
          // The marker follows what it is about: a legend, or a control's label.
          near: (el.previousElementSibling?.textContent ?? el.closest("fieldset")?.querySelector("legend")?.textContent ?? "").trim().replace(/\s+/g, " "),
        })),
      policyErrors: errorList?.tagName === "UL" ? [...errorList.querySelectorAll("li")].map((li) => (li.textContent ?? "").trim()) : [],
    };
  });
  return { page, snapshot };
}
