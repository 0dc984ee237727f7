import { Fragment } from "preact";
import { useMemo, useState } from "preact/hooks";
import { errorMessage } from "../../src/errorMessage";
import { HISTORY_KEPT_BY_POLICY, type HistoryEvent } from "../../src/protocol";
import type { Severity } from "../../src/verdict";
import { LevelTag } from "../chain/Badge";
import { useConnector } from "../connect/context";
import { saveFile } from "../ui/download";
import { fileStamp, formatTime, hostOf, plural } from "../ui/format";
import { ExternalLink } from "../ui/ExternalLink";
import { BackgroundError } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";
import { ChainDiffView } from "./ChainDiffView";
import { historyCsv } from "./csv";
import { ScrollingTable } from "../ui/ScrollingTable";

type LevelFilter = "all" | Severity;

export function HistoryPage() {
  const [loaded, reload] = useRequest("ui-bg-get-history", {});
  // lockSettings keeps the history; the background refuses clearing anyway, this only says so up front.
  const [settings] = useRequest("ui-bg-get-settings", {});
  const locked = settings.status === "ready" && settings.data.policy.locked;
  const [filter, setFilter] = useState<EventFilter>({ level: "all", host: "", rule: "all" });

  // The background keeps events in the order they happened; the table promises newest first.
  const events = useMemo(() => (loaded.status === "ready" ? [...loaded.data.events].sort((a, b) => b.time - a.time) : []), [loaded]);
  const rules = useMemo(() => [...new Set(events.map((e) => e.ruleId))].sort(), [events]);
  const shown = useMemo(() => filtered(events, filter), [events, filter]);

  return (
    <div class="history-page">
      <header class="topbar">
        <h1>Chain Sentry history</h1>
        <nav class="topbar-nav" aria-label="Chain Sentry pages">
          <ExternalLink href="workbench.html">Analyse a chain</ExternalLink>
          <ExternalLink href="options.html">Settings</ExternalLink>
        </nav>
      </header>
      <main>
        <p class="bound" aria-live="polite">
          {loaded.status === "ready"
            ? `Chain Sentry keeps the latest ${loaded.data.limit.toLocaleString("en")} events; oldest are dropped first.`
            : "Loading history…"}
        </p>
        {loaded.status === "failed" && <BackgroundError error={loaded.error} onRetry={reload} />}

        <EventFilters filter={filter} onChange={(change) => setFilter((f) => ({ ...f, ...change }))} rules={rules} />

        <p class="muted" role="status">
          Showing {shown.length} of {plural(events.length, "event")}
        </p>
        <div class="actions">
          <ExportButtons shown={shown} />
          <ClearHistory count={events.length} locked={locked} onCleared={reload} />
        </div>

        <EventsTable events={shown} loading={loaded.status === "loading"} />
      </main>
    </div>
  );
}

/** Which events the table shows: by level, by rule, and by a part of the page's or the origin's host. */
interface EventFilter {
  level: LevelFilter;
  host: string;
  rule: string;
}

function filtered(events: readonly HistoryEvent[], { level, host, rule }: EventFilter): HistoryEvent[] {
  const needle = host.trim().toLowerCase();
  return events.filter(
    (e) =>
      (level === "all" || e.level === level) &&
      (rule === "all" || e.ruleId === rule) &&
      (!needle || hostOf(e.pageUrl).toLowerCase().includes(needle) || hostOf(e.origin).toLowerCase().includes(needle)),
  );
}

function EventFilters({ filter, onChange, rules }: { filter: EventFilter; onChange: (change: Partial<EventFilter>) => void; rules: readonly string[] }) {
  return (
    <form class="filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
      <label>
        Level
        <select value={filter.level} onChange={(e) => onChange({ level: e.currentTarget.value as LevelFilter })}>
          <option value="all">All levels</option>
          <option value="blocked">Blocked</option>
          <option value="warning">Warning</option>
          <option value="notice">Notice</option>
        </select>
      </label>
      <label>
        Host
        <input type="search" value={filter.host} placeholder="e.g. example.com" onInput={(e) => onChange({ host: e.currentTarget.value })} />
      </label>
      <label>
        Rule
        <select value={filter.rule} onChange={(e) => onChange({ rule: e.currentTarget.value })}>
          <option value="all">All rules</option>
          {rules.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

/** Saves the events shown (filtered), as JSON or CSV. */
function ExportButtons({ shown }: { shown: readonly HistoryEvent[] }) {
  const exportAs = (kind: "json" | "csv") => {
    const name = `chain-sentry-history-${fileStamp(Date.now())}.${kind}`;
    if (kind === "json") saveFile(name, `${JSON.stringify(shown, null, 2)}\n`, "application/json");
    else saveFile(name, historyCsv(shown), "text/csv");
  };
  return (
    <>
      <button type="button" disabled={shown.length === 0} onClick={() => exportAs("json")}>
        Export shown as JSON
      </button>
      <button type="button" disabled={shown.length === 0} onClick={() => exportAs("csv")}>
        Export shown as CSV
      </button>
    </>
  );
}

function ClearHistory({ count, locked, onCleared }: { count: number; locked: boolean; onCleared: () => void }) {
  const connector = useConnector();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (locked) {
    return (
      <>
        <button type="button" class="danger" disabled aria-describedby="history-kept">
          Clear history…
        </button>
        <span id="history-kept" class="muted">
          {HISTORY_KEPT_BY_POLICY}
        </span>
      </>
    );
  }
  if (!confirming) {
    return (
      <button type="button" class="danger" disabled={count === 0} onClick={() => setConfirming(true)}>
        Clear history…
      </button>
    );
  }
  const clear = () =>
    connector.send("ui-bg-clear-history", {}).then(
      (answer) => {
        if (!answer.ok) return setError(answer.error);
        setConfirming(false);
        onCleared();
      },
      (e) => setError(errorMessage(e)),
    );
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="confirm-clear">
      <p id="confirm-clear">Delete all {plural(count, "event")}? This cannot be undone.</p>
      <button type="button" class="danger" onClick={clear}>
        Delete all events
      </button>
      <button type="button" onClick={() => setConfirming(false)} autoFocus>
        Cancel
      </button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}

function EventsTable({ events, loading }: { events: readonly HistoryEvent[]; loading: boolean }) {
  // Ids of the chain-changed events whose diff is open.
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  if (loading) return <div class="skeleton table-skeleton" aria-hidden="true" />;
  if (events.length === 0) return <p class="muted">No events.</p>;
  const toggle = (id: string) =>
    setOpen((ids) => {
      const next = new Set(ids);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <ScrollingTable label="Alert history">
      <table class="events">
        <caption class="visually-hidden">Notice, warning and blocked events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Level</th>
            <th scope="col">Page</th>
            <th scope="col">Origin</th>
            <th scope="col">Rule</th>
            <th scope="col">Certificate</th>
            <th scope="col">SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <Fragment key={e.id}>
              <tr>
                <td class="nowrap">{formatTime(e.time)}</td>
                <td>
                  <LevelTag level={e.level} />
                </td>
                <td class="url">{e.pageUrl}</td>
                <td class="url">{e.origin}</td>
                <td>
                  <code>{e.ruleId}</code>
                  <div class="muted">{e.title}</div>
                  {e.change && (
                    <button
                      type="button"
                      class="diff-toggle"
                      aria-expanded={open.has(e.id)}
                      aria-controls={open.has(e.id) ? `diff-${e.id}` : undefined}
                      onClick={() => toggle(e.id)}
                    >
                      {open.has(e.id) ? "Hide the chains" : "Compare the chains"}
                    </button>
                  )}
                </td>
                <td class="subject">{e.subject}</td>
                <td>
                  <code class="hash-text">{e.sha256}</code>
                </td>
              </tr>
              {e.change && open.has(e.id) && (
                <tr class="diff-panel" id={`diff-${e.id}`}>
                  <td colSpan={7}>
                    <ChainDiffView change={e.change} at={e.time} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </ScrollingTable>
  );
}
