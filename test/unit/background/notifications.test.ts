import type { Notifications } from "webextension-polyfill";
import { Notifier } from "../../../background/notifications";
import { DEFAULT_SETTINGS, type EffectiveSettings } from "../../../src/protocol";
import type { MatchedEntry, Severity, Verdict } from "../../../src/verdict";

/** A verdict whose worst finding has this severity. */
function verdict(level: Severity, title = `A ${level} finding`): Verdict {
  return {
    level,
    chain: [],
    blocklistVersion: "test",
    analyzedAt: 0,
    findings: [{ ruleId: `${level}-rule`, severity: level, certIndex: null, title, explanation: "", reference: "" }],
  };
}

/** The notifications API: the notifications the user would see. */
function fakeNotifications() {
  const shown: Notifications.CreateNotificationOptions[] = [];
  const api = { create: jest.fn(async (options: Notifications.CreateNotificationOptions) => String(shown.push(options))) };
  return { api: api as unknown as Notifications.Static, shown };
}

const everything: EffectiveSettings = { ...DEFAULT_SETTINGS, notifications: true, notifyWarnings: true };

test("a warning, then a block for the same origin: both are notified", () => {
  const { api, shown } = fakeNotifications();
  const notifier = new Notifier(api);
  notifier.maybeNotify(1, "https://a.test/", verdict("warning"), everything, false);
  notifier.maybeNotify(1, "https://a.test/app.js", verdict("blocked", "Blocked intermediate certificate: X"), everything, true);
  expect(shown.map((n) => n.title)).toEqual(["Chain Sentry warning", "Chain Sentry blocked a blocked certificate"]);
  expect(shown[1].message).toMatch(/^https:\/\/a\.test: Blocked intermediate certificate: X/);
});

test("the same or a milder level for an origin already notified is not notified again, until the tab loads a new page", () => {
  const { api, shown } = fakeNotifications();
  const notifier = new Notifier(api);
  notifier.maybeNotify(1, "https://a.test/", verdict("blocked"), everything, true);
  notifier.maybeNotify(1, "https://a.test/x.js", verdict("blocked"), everything, true);
  notifier.maybeNotify(1, "https://a.test/y.js", verdict("warning"), everything, false);
  expect(shown).toHaveLength(1);

  // Another origin, or another tab, is its own.
  notifier.maybeNotify(1, "https://b.test/", verdict("blocked"), everything, true);
  notifier.maybeNotify(2, "https://a.test/", verdict("blocked"), everything, true);
  expect(shown).toHaveLength(3);

  notifier.resetTab(1);
  notifier.maybeNotify(1, "https://a.test/", verdict("blocked"), everything, true);
  expect(shown).toHaveLength(4);
});

test("settings decide which levels notify: warnings only if asked, notices never", () => {
  const { api, shown } = fakeNotifications();
  const notifier = new Notifier(api);
  notifier.maybeNotify(1, "https://a.test/", verdict("warning"), { ...everything, notifyWarnings: false }, false);
  notifier.maybeNotify(1, "https://a.test/", verdict("notice"), everything, false);
  notifier.maybeNotify(1, "https://a.test/", verdict("blocked"), { ...everything, notifications: false }, true);
  expect(shown).toEqual([]);
  // Not notified then, so a warning later is notified.
  notifier.maybeNotify(1, "https://a.test/", verdict("warning"), everything, false);
  expect(shown).toHaveLength(1);
});

test("a blocked certificate is 'blocked' when the response was stopped and 'found' when it passed (warn mode), naming the origin, the finding and its incident", () => {
  const { api, shown } = fakeNotifications();
  const notifier = new Notifier(api);
  const diginotar = verdict("blocked", "Blocked root certificate: DigiNotar Root CA");
  diginotar.findings[0].match = { incident: "DigiNotar compromise (2011)" } as MatchedEntry;
  notifier.maybeNotify(1, "https://a.test/", diginotar, everything, false);
  notifier.maybeNotify(2, "https://b.test/x.js", diginotar, everything, true);
  expect(shown.map(({ title, message }) => ({ title, message }))).toEqual([
    { title: "Chain Sentry found a blocked certificate", message: "https://a.test: Blocked root certificate: DigiNotar Root CA. DigiNotar compromise (2011)" },
    {
      title: "Chain Sentry blocked a blocked certificate",
      message: "https://b.test: Blocked root certificate: DigiNotar Root CA. DigiNotar compromise (2011)",
    },
  ]);
});
