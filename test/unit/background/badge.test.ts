import type { Action } from "webextension-polyfill";
import { BADGE, BadgeUpdater, LEVEL_DELAY_MS, TITLE_DELAY_MS, tooltip } from "../../../background/badge";
import type { TabState } from "../../../src/protocol";
import type { Level } from "../../../src/verdict";

/** A tab's state as the badge reads it: its level, and a TLS failure to name in the tooltip. */
function tab(tabId: number, level: Level, error = "Peer's certificate has an invalid signature."): TabState {
  return {
    tabId,
    url: "https://a.test/",
    top: null,
    origins: [],
    unchecked: [],
    level,
    updatedAt: 0,
    failures: [{ url: "https://a.test/", origin: "https://a.test", error, type: "main_frame", time: 0 }],
  };
}

/** The toolbar action: what each tab's badge shows, and every call made. */
function fakeAction() {
  const calls: { tabId: number; text: string }[] = [];
  const shown = new Map<number, { text?: string; color?: string; title?: string }>();
  const show = (tabId: number, part: { text?: string; color?: string; title?: string }) => void shown.set(tabId, { ...shown.get(tabId), ...part });
  const action = {
    setBadgeText: jest.fn(async ({ tabId, text }: { tabId: number; text: string }) => {
      calls.push({ tabId, text });
      show(tabId, { text });
    }),
    setBadgeBackgroundColor: jest.fn(async ({ tabId, color }: { tabId: number; color: string }) => show(tabId, { color })),
    setTitle: jest.fn(async ({ tabId, title }: { tabId: number; title: string }) => show(tabId, { title })),
  };
  return { action: action as unknown as Action.Static, calls, titles: action.setTitle, shown };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test("each change is shown once; the same state again costs no call", () => {
  const { action, calls, titles } = fakeAction();
  const badges = new BadgeUpdater(action);
  badges.update(tab(1, "warning"));
  jest.runOnlyPendingTimers();
  expect(calls).toEqual([{ tabId: 1, text: BADGE.warning.text }]);
  expect(titles).toHaveBeenCalledWith({ tabId: 1, title: tooltip(tab(1, "warning")) });

  badges.update(tab(1, "warning"));
  jest.runOnlyPendingTimers();
  expect(calls).toHaveLength(1);

  badges.update(tab(1, "blocked"));
  jest.runOnlyPendingTimers();
  expect(calls).toEqual([
    { tabId: 1, text: BADGE.warning.text },
    { tabId: 1, text: BADGE.blocked.text },
  ]);
});

test("changes within 50 ms are shown together: only the latest state is shown", () => {
  const { action, calls } = fakeAction();
  const badges = new BadgeUpdater(action);
  badges.update(tab(1, "notice"));
  badges.update(tab(2, "notice"));
  badges.update(tab(1, "warning"));
  badges.update(tab(1, "blocked"));
  jest.runOnlyPendingTimers();
  expect(calls).toEqual([
    { tabId: 1, text: BADGE.blocked.text },
    { tabId: 2, text: BADGE.notice.text },
  ]);
});

test("a tab forgotten (closed) before its change was shown: nothing is shown and nothing throws", () => {
  const { action, calls } = fakeAction();
  const badges = new BadgeUpdater(action);
  badges.update(tab(1, "blocked"));
  badges.forget(1);
  expect(() => jest.runOnlyPendingTimers()).not.toThrow();
  expect(calls).toEqual([]);

  // A later state for that tab id is shown afresh.
  badges.update(tab(1, "warning"));
  jest.runOnlyPendingTimers();
  expect(calls).toEqual([{ tabId: 1, text: BADGE.warning.text }]);
});

test("forget and reapply show an unchanged state again (Firefox reset the badge on navigation)", () => {
  const { action, calls } = fakeAction();
  const badges = new BadgeUpdater(action);
  badges.update(tab(1, "warning"));
  jest.runOnlyPendingTimers();
  badges.reapply(tab(1, "warning"));
  jest.runOnlyPendingTimers();
  expect(calls).toEqual([
    { tabId: 1, text: BADGE.warning.text },
    { tabId: 1, text: BADGE.warning.text },
  ]);

  badges.forget(1);
  badges.update(tab(1, "warning"));
  jest.runOnlyPendingTimers();
  expect(calls).toHaveLength(3);
});

/** A tab whose page chain has a finding of `level` and a notice beside it. */
function tabWithFindings(tabId: number, level: Exclude<Level, "ok">): TabState {
  const finding = (severity: Level, title: string) => ({ ruleId: severity, severity, certIndex: null, title, explanation: "", reference: "" });
  const findings = [finding(level, `A ${level} finding`), finding("notice", "A notice")];
  return { ...tab(tabId, level), failures: [], top: { verdict: { level, findings, chain: [] } } as unknown as TabState["top"] };
}

test("each level has its own text and colour; the tooltip names the worst finding, or Firefox's failure, or that nothing was found", async () => {
  const { action, shown } = fakeAction();
  const badges = new BadgeUpdater(action);
  badges.update(tabWithFindings(1, "blocked"));
  badges.update(tabWithFindings(2, "warning"));
  badges.update(tabWithFindings(3, "notice"));
  badges.update({ ...tab(4, "ok"), failures: [] });
  badges.update(tab(5, "ok"));
  await jest.runOnlyPendingTimersAsync();
  expect(Object.fromEntries(shown)).toEqual({
    1: { text: "✕", color: "#d70022", title: "Chain Sentry — Blocked: A blocked finding (and 1 more finding)" },
    2: { text: "!", color: "#ffa436", title: "Chain Sentry — Warning: A warning finding (and 1 more finding)" },
    3: { text: "i", color: "#5b5b66", title: "Chain Sentry — Notice: A notice finding (and 1 more finding)" },
    4: { text: "", color: "#5b5b66", title: "Chain Sentry — No problems found" },
    5: { text: "", color: "#5b5b66", title: "Chain Sentry — https://a.test: Peer's certificate has an invalid signature." },
  });
});

/** A tab whose page chain has a finding of `level` and `notices` notices beside it. */
function tabWithNotices(tabId: number, level: Exclude<Level, "ok">, notices: number): TabState {
  const state = tabWithFindings(tabId, level);
  const [worst, notice] = state.top!.verdict.findings;
  return {
    ...state,
    top: { verdict: { level, chain: [], findings: [worst, ...Array.from({ length: notices }, () => notice)] } } as unknown as TabState["top"],
  };
}

test("while a page loads, one more finding changes the tooltip's count alone: it waits up to a second and costs one call; a new level or headline still shows within 50 ms", () => {
  const { action, calls, titles, shown } = fakeAction();
  const badges = new BadgeUpdater(action);
  badges.update(tabWithNotices(1, "warning", 0));
  jest.advanceTimersByTime(LEVEL_DELAY_MS);
  expect(calls).toEqual([{ tabId: 1, text: BADGE.warning.text }]);
  expect(titles).toHaveBeenCalledTimes(1);

  // Twenty more origins' notices, one every 30 ms: the badge and the headline stand, the count changes.
  for (let i = 1; i <= 20; i++) {
    badges.update(tabWithNotices(1, "warning", i));
    jest.advanceTimersByTime(30);
  }
  expect(titles).toHaveBeenCalledTimes(1);
  jest.advanceTimersByTime(TITLE_DELAY_MS);
  expect(titles).toHaveBeenCalledTimes(2);
  expect(shown.get(1)?.title).toBe("Chain Sentry — Warning: A warning finding (and 20 more findings)");
  expect(calls).toHaveLength(1);

  // A count waiting its turn does not hold back a blocked chain's badge, nor a new headline.
  badges.update(tabWithNotices(1, "warning", 21));
  jest.advanceTimersByTime(10);
  badges.update(tabWithNotices(1, "blocked", 21));
  jest.advanceTimersByTime(LEVEL_DELAY_MS);
  expect(calls).toEqual([
    { tabId: 1, text: BADGE.warning.text },
    { tabId: 1, text: BADGE.blocked.text },
  ]);
  expect(shown.get(1)).toEqual({
    text: BADGE.blocked.text,
    color: BADGE.blocked.color,
    title: "Chain Sentry — Blocked: A blocked finding (and 21 more findings)",
  });

  badges.update(tab(2, "ok", "Peer's certificate has expired."));
  jest.advanceTimersByTime(LEVEL_DELAY_MS);
  badges.update(tab(2, "ok", "Peer's certificate has been revoked."));
  jest.advanceTimersByTime(LEVEL_DELAY_MS);
  expect(shown.get(2)?.title).toBe("Chain Sentry — https://a.test: Peer's certificate has been revoked.");
});
