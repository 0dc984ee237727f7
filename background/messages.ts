/** The background's side of the protocol: one handler per request type, nothing else. */
import type { ChainAnalyzer } from "../src/analyzer";
import type { CompiledIndex, EntrySource } from "../src/blocklist";
import { searchBlocklist } from "../src/blocklistSearch";
import {
  certificateTooLarge,
  HISTORY_KEPT_BY_POLICY,
  MAX_CERTIFICATE_BYTES,
  type BlocklistEntryView,
  type Coverage,
  type Message,
  type Requests,
  type RequestType,
  type ResponseOf,
  type SettingsInput,
  type SettingsView,
  type Status,
} from "../src/protocol";
import type { BlockPages } from "./blockPages";
import type { FeedManager } from "./feeds";
import type { History } from "./history";
import type { Problems } from "./problems";
import type { Reporter } from "./reporting";
import type { TabStore } from "./tabStore";

export interface MessageDeps {
  index: CompiledIndex;
  analyzer: () => ChainAnalyzer;
  tabs: Pick<TabStore, "view" | "certificate">;
  history: History;
  settings: {
    view(): SettingsView;
    save(input: SettingsInput): Promise<ResponseOf<"ui-bg-save-settings">>;
  };
  blockPages: Pick<BlockPages, "get">;
  problems: Pick<Problems, "list">;
  reporting: Pick<Reporter, "status">;
  feeds: Pick<FeedManager, "status" | "checkAll">;
  /** What traffic is being inspected (private windows, host permissions). */
  coverage: () => Promise<Coverage>;
  startedAt: number;
  /** Resolves once tab state, history and settings are restored: a message may be what woke the background. */
  ready: Promise<void>;
}

type Handlers = { [K in RequestType]: (request: Requests[K]["request"]) => Promise<ResponseOf<K>> | ResponseOf<K> };

export function createMessageHandler(deps: MessageDeps) {
  const handlers: Handlers = {
    "ui-bg-get-tab-state": ({ tabId }) => deps.tabs.view(tabId),

    // Bytes only: decoding runs in the page, off this event loop that every HTTPS response waits on.
    "ui-bg-get-certificate": ({ tabId, sha256 }) => {
      const der = deps.tabs.certificate(tabId, sha256);
      if (!der) return { error: "The certificate's bytes are not available for this tab any more; reload the page." };
      // Counted from the base64 length (btoa pads to a multiple of 4), so a huge certificate is not even decoded from base64.
      const bytes = (der.length / 4) * 3 - (der.endsWith("==") ? 2 : der.endsWith("=") ? 1 : 0);
      return bytes > MAX_CERTIFICATE_BYTES ? { error: certificateTooLarge(bytes) } : { der };
    },

    "ui-bg-get-blocked-page": ({ id }) => deps.blockPages.get(id),

    "ui-bg-get-status": async (): Promise<Status> => {
      const analyzer = deps.analyzer();
      const counts: Partial<Record<EntrySource, number>> = {};
      for (const e of analyzer.blocklist.entries) counts[e.source] = (counts[e.source] ?? 0) + 1;
      for (const e of analyzer.customEntries) counts[e.source] = (counts[e.source] ?? 0) + 1;
      const view = deps.settings.view();
      return {
        blocklist: { version: deps.index.version, sources: deps.index.sources, counts, knownIntermediates: analyzer.knownIntermediateCount },
        policy: view.policy,
        mode: view.effective.mode,
        backgroundStartedAt: deps.startedAt,
        problems: deps.problems.list(),
        coverage: await deps.coverage(),
        reporting: deps.reporting.status(),
        feeds: deps.feeds.status(),
      };
    },

    "ui-bg-get-settings": () => deps.settings.view(),

    "ui-bg-save-settings": ({ input }) => deps.settings.save(input),

    "ui-bg-search-blocklist": ({ query, limit }) => {
      const analyzer = deps.analyzer();
      const all: BlocklistEntryView[] = [...analyzer.blocklist.entries, ...analyzer.customEntries].map(
        ({ id, source, label, incident, reference, enforced, sha256, sha1, spkiSha256 }) => ({
          id,
          source,
          label,
          incident,
          reference,
          enforced,
          sha256,
          sha1,
          spkiSha256,
        }),
      );
      return searchBlocklist(all, query, limit);
    },

    "ui-bg-check-feeds": () => deps.feeds.checkAll(),

    "ui-bg-get-history": () => ({ events: deps.history.events(), limit: deps.history.limit }),

    "ui-bg-get-lists": () => deps.analyzer().lists,

    "ui-bg-clear-history": () => {
      if (deps.settings.view().policy.locked) return { ok: false as const, error: HISTORY_KEPT_BY_POLICY };
      deps.history.clear();
      return { ok: true as const };
    },
  };

  /** runtime.onMessage listener: answers protocol messages, ignores anything else. */
  return (message: unknown): Promise<unknown> | undefined => {
    const type = (message as Message | null)?.type;
    if (typeof type !== "string" || !(type in handlers)) return undefined;
    const handler = handlers[type as RequestType] as (request: unknown) => unknown;
    return deps.ready.then(() => handler(message));
  };
}
