/** The toolbar badge and tooltip per tab, from the worst verdict across the page and its subresources. */
import type { Action } from "webextension-polyfill";
import { commonName } from "../src/names";
import type { TabState } from "../src/protocol";
import type { Level } from "../src/verdict";

export const BADGE: Record<Level, { text: string; color: string }> = {
  blocked: { text: "✕", color: "#d70022" },
  warning: { text: "!", color: "#ffa436" },
  notice: { text: "i", color: "#5b5b66" },
  ok: { text: "", color: "#5b5b66" },
};

const LEVEL_WORD: Record<Level, string> = { blocked: "Blocked", warning: "Warning", notice: "Notice", ok: "No problems found" };

/** "Chain Sentry — Blocked: Blocked intermediate certificate: … (and 2 more findings)". */
export function tooltip(state: TabState): string {
  const findings = [state.top, ...state.origins.flatMap((o) => o.chains)].flatMap((r) => r?.verdict.findings ?? []);
  const worst = findings.find((f) => f.severity === state.level);
  if (!worst) {
    const failure = state.failures[0];
    return failure ? `Chain Sentry — ${commonName(failure.origin)}: ${failure.error}` : `Chain Sentry — ${LEVEL_WORD.ok}`;
  }
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more finding${findings.length > 2 ? "s" : ""})` : "";
  return `Chain Sentry — ${LEVEL_WORD[state.level]}: ${worst.title}${more}`;
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
