/**
 * Desktop notifications: on a blocked certificate (and on warnings if asked), at most one per tab,
 * origin and level: a worse level for the same origin notifies again, an equal or milder one does not.
 */
import type { Notifications } from "webextension-polyfill";
import type { EffectiveSettings } from "../src/protocol";
import { LEVEL_RANK, type Level, type Verdict } from "../src/verdict";
import { originOf } from "./tabStore";

export class Notifier {
  /** The worst level notified per tab and origin. */
  readonly #notified = new Map<number, Map<string, Level>>();
  readonly #api: Notifications.Static | undefined;

  constructor(api: Notifications.Static | undefined) {
    this.#api = api;
  }

  resetTab(tabId: number): void {
    this.#notified.delete(tabId);
  }

  maybeNotify(tabId: number, url: string, verdict: Verdict, settings: EffectiveSettings, blocked: boolean): void {
    const wanted = (verdict.level === "blocked" && settings.notifications) || (verdict.level === "warning" && settings.notifyWarnings);
    if (!wanted || !this.#api) return;
    const origin = originOf(url);
    const notified = this.#notified.get(tabId) ?? new Map<string, Level>();
    this.#notified.set(tabId, notified);
    const previous = notified.get(origin);
    if (previous !== undefined && LEVEL_RANK[previous] >= LEVEL_RANK[verdict.level]) return;
    notified.set(origin, verdict.level);
    const worst = verdict.findings[0];
    void this.#api
      .create({
        type: "basic",
        iconUrl: "icons/icon-96.png",
        title: verdict.level === "blocked" ? `Chain Sentry ${blocked ? "blocked" : "found"} a blocked certificate` : "Chain Sentry warning",
        message: `${origin}: ${worst.title}. ${worst.match?.incident ?? ""}`.trim(),
      })
      .catch(() => undefined);
  }
}
