/** Desktop notifications: on a blocked certificate (and on warnings if asked), at most one per tab and origin. */
import type { Notifications } from "webextension-polyfill";
import type { EffectiveSettings } from "../src/protocol";
import type { Verdict } from "../src/verdict";
import { originOf } from "./tabStore";

export class Notifier {
  readonly #notified = new Map<number, Set<string>>();
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
    const seen = this.#notified.get(tabId) ?? new Set<string>();
    this.#notified.set(tabId, seen);
    if (seen.has(origin)) return;
    seen.add(origin);
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
