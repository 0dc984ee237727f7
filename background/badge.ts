/** The toolbar badge and tooltip per tab, from the worst verdict across the page and its subresources. */
import type { Action } from "webextension-polyfill";
import { commonName, LEVEL_SUMMARY } from "../src/names";
import type { TabState } from "../src/protocol";
import type { Level } from "../src/verdict";

export const BADGE: Record<Level, { text: string; color: string }> = {
  blocked: { text: "✕", color: "#d70022" },
  warning: { text: "!", color: "#ffa436" },
  notice: { text: "i", color: "#5b5b66" },
  ok: { text: "", color: "#5b5b66" },
};

/** "Chain Sentry — Blocked: Blocked intermediate certificate: … (and 2 more findings)". */
export function tooltip(state: TabState): string {
  const findings = [state.top, ...state.origins.flatMap((o) => o.chains)].flatMap((r) => r?.verdict.findings ?? []);
  const worst = findings.find((f) => f.severity === state.level);
  if (!worst) {
    const failure = state.failures[0];
    return failure ? `Chain Sentry — ${commonName(failure.origin)}: ${failure.error}` : `Chain Sentry — ${LEVEL_SUMMARY.ok}`;
  }
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more finding${findings.length > 2 ? "s" : ""})` : "";
  return `Chain Sentry — ${LEVEL_SUMMARY[state.level]}: ${worst.title}${more}`;
}

export async function showBadge(action: Action.Static, state: TabState): Promise<void> {
  const { text, color } = BADGE[state.level];
  const tabId = state.tabId;
  // The tab may close between the response and this update; that is not an error worth reporting.
  await Promise.all([
    action.setBadgeText({ tabId, text }),
    action.setBadgeBackgroundColor({ tabId, color }),
    action.setTitle({ tabId, title: tooltip(state) }),
  ]).catch(() => undefined);
}

/**
 * Shows each tab's badge, calling the API (three messages to Firefox's parent process) only when
 * what the badge shows changes, at most once per tab per 50 ms: a page of 200 subresources would
 * otherwise cost 600 calls (measured in BENCHMARKS.md: two thirds of the page-load overhead).
 */
export class BadgeUpdater {
  readonly #shown = new Map<number, string>();
  /** The latest state per tab waiting to be shown, and the timer that will show it. */
  readonly #pending = new Map<number, { state: TabState; timer: ReturnType<typeof setTimeout> }>();
  readonly #action: Action.Static;

  constructor(action: Action.Static) {
    this.#action = action;
  }

  update(state: TabState): void {
    const pending = this.#pending.get(state.tabId);
    if (pending) {
      pending.state = state;
      return;
    }
    const entry = {
      state,
      timer: setTimeout(() => {
        this.#pending.delete(state.tabId);
        const latest = entry.state;
        const shown = `${latest.level}\n${tooltip(latest)}`;
        if (this.#shown.get(latest.tabId) === shown) return;
        this.#shown.set(latest.tabId, shown);
        void showBadge(this.#action, latest);
      }, 50),
    };
    this.#pending.set(state.tabId, entry);
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
