/** The toolbar badge and tooltip per tab, from the worst verdict across the page and its subresources. */
import type { Action } from "webextension-polyfill";
import { commonName, LEVEL_SUMMARY } from "../src/names";
import type { ChainRecord, TabState } from "../src/protocol";
import type { Finding, Level } from "../src/verdict";

export const BADGE: Record<Level, { text: string; color: string }> = {
  blocked: { text: "✕", color: "#d70022" },
  warning: { text: "!", color: "#ffa436" },
  notice: { text: "i", color: "#5b5b66" },
  ok: { text: "", color: "#5b5b66" },
};

/** The first finding of the tab's level, page first: the one the tooltip names. Stops there. */
function worstFinding(state: TabState): Finding | undefined {
  const ofLevel = (record: ChainRecord | null) => record?.verdict.findings.find((f) => f.severity === state.level);
  const top = ofLevel(state.top);
  if (top) return top;
  for (const origin of state.origins) {
    for (const chain of origin.chains) {
      const found = ofLevel(chain);
      if (found) return found;
    }
  }
  return undefined;
}

/** "Chain Sentry — Blocked: Blocked intermediate certificate: …", or Firefox's first failure, or that nothing was found. */
function headline(state: TabState, worst: Finding | undefined): string {
  if (worst) return `Chain Sentry — ${LEVEL_SUMMARY[state.level]}: ${worst.title}`;
  const failure = state.failures[0];
  return failure ? `Chain Sentry — ${commonName(failure.origin)}: ${failure.error}` : `Chain Sentry — ${LEVEL_SUMMARY.ok}`;
}

/** The tooltip in two parts: the headline and how many more findings there are (" (and 2 more findings)"). */
function tooltipParts(state: TabState): { headline: string; more: string } {
  const worst = worstFinding(state);
  if (!worst) return { headline: headline(state, undefined), more: "" };
  let findings = state.top?.verdict.findings.length ?? 0;
  for (const origin of state.origins) for (const chain of origin.chains) findings += chain.verdict.findings.length;
  const more = findings > 1 ? ` (and ${findings - 1} more finding${findings > 2 ? "s" : ""})` : "";
  return { headline: headline(state, worst), more };
}

/** "Chain Sentry — Blocked: Blocked intermediate certificate: … (and 2 more findings)". */
export function tooltip(state: TabState): string {
  const { headline, more } = tooltipParts(state);
  return headline + more;
}

/** A change of level (the badge's text and colour) is shown this soon: a burst of responses goes in one update. */
export const LEVEL_DELAY_MS = 50;
/**
 * A change of the tooltip's count alone (one more finding on a page whose badge and headline stand)
 * waits this long: a page of 200 subresources changes it with nearly every new origin.
 */
export const TITLE_DELAY_MS = 1000;

/**
 * Shows each tab's badge and tooltip, calling the API (a message to Firefox's parent process per
 * call) only for what changed: within LEVEL_DELAY_MS of a change of level or of the tooltip's
 * headline, within TITLE_DELAY_MS of a change of its count of findings alone. A page of 200
 * subresources would otherwise cost 600 calls (measured in BENCHMARKS.md: two thirds of the
 * page-load overhead), and with a 50 ms batch still three calls per new finding while it loads.
 */
export class BadgeUpdater {
  /** What each tab shows: its level and tooltip. */
  readonly #shown = new Map<number, { level: Level; headline: string; title: string }>();
  /** The latest state per tab waiting to be shown, the timer that will show it, and when it fires. */
  readonly #pending = new Map<number, { state: TabState; timer: ReturnType<typeof setTimeout>; at: number }>();
  readonly #action: Action.Static;
  readonly #now: () => number;

  constructor(action: Action.Static, now: () => number = Date.now) {
    this.#action = action;
    this.#now = now;
  }

  update(state: TabState): void {
    const shown = this.#shown.get(state.tabId);
    // Only the count can have changed when the level and headline stand (the headline stops at its finding).
    const delay = shown?.level === state.level && shown.headline === headline(state, worstFinding(state)) ? TITLE_DELAY_MS : LEVEL_DELAY_MS;
    const pending = this.#pending.get(state.tabId);
    if (pending) {
      pending.state = state;
      // A count waiting its turn does not hold back a new level or headline.
      if (pending.at <= this.#now() + delay) return;
      clearTimeout(pending.timer);
    }
    const entry = {
      state,
      at: this.#now() + delay,
      timer: setTimeout(() => {
        this.#pending.delete(state.tabId);
        this.#show(entry.state);
      }, delay),
    };
    this.#pending.set(state.tabId, entry);
  }

  #show(state: TabState): void {
    const { tabId, level } = state;
    const { headline, more } = tooltipParts(state);
    const title = headline + more;
    const shown = this.#shown.get(tabId);
    this.#shown.set(tabId, { level, headline, title });
    const { text, color } = BADGE[level];
    const calls = [
      ...(shown?.level === level ? [] : [this.#action.setBadgeText({ tabId, text }), this.#action.setBadgeBackgroundColor({ tabId, color })]),
      ...(shown?.title === title ? [] : [this.#action.setTitle({ tabId, title })]),
    ];
    // The tab may close between the response and this update; that is not an error worth reporting.
    if (calls.length) void Promise.all(calls).catch(() => undefined);
  }

  /** Firefox reset the tab's badge (navigation): show it again. */
  reapply(state: TabState): void {
    this.#shown.delete(state.tabId);
    this.update(state);
  }

  /** The tab closed: nothing is shown for it, not even a change still waiting. */
  forget(tabId: number): void {
    clearTimeout(this.#pending.get(tabId)?.timer);
    this.#pending.delete(tabId);
    this.#shown.delete(tabId);
  }
}
