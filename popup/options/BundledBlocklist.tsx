import { useEffect, useState } from "preact/hooks";
import type { BundledSource, EntrySource } from "../../src/blocklist";
import { errorMessage } from "../../src/errorMessage";
import { SOURCE_NAME } from "../../src/names";
import type { BlocklistEntryView, ResponseOf } from "../../src/protocol";
import { useConnector } from "../connect/context";
import { ExternalLink } from "../ui/ExternalLink";
import { BackgroundError } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";
import { ScrollingTable } from "../ui/ScrollingTable";

/** The bundled blocklist's version and sources, and a search over every entry in force. */
export function BundledBlocklist() {
  const [status, reload] = useRequest("ui-bg-get-status", {});
  return (
    <section class="section" aria-labelledby="bundled-heading">
      <h2 id="bundled-heading">Blocklist in use</h2>
      {status.status === "failed" && <BackgroundError error={status.error} onRetry={reload} />}
      {status.status === "loading" && <div class="skeleton table-skeleton" aria-hidden="true" />}
      {status.status === "ready" && <Sources status={status.data} />}
      <BlocklistSearch />
    </section>
  );
}

/** The entries added on top of the bundled sources, in the table's order. */
const CUSTOM_SOURCE_NAME: Record<Exclude<EntrySource, BundledSource>, string> = {
  policy: "Your organisation's entries",
  feed: "Your organisation's signed feeds",
  user: "Your own entries",
};

function Sources({ status }: { status: ResponseOf<"ui-bg-get-status"> }) {
  const { version, sources, counts, knownIntermediates } = status.blocklist;
  const custom = (Object.keys(CUSTOM_SOURCE_NAME) as (keyof typeof CUSTOM_SOURCE_NAME)[]).filter((s) => counts[s]);
  // knownIntermediates is the bundled snapshot plus what feeds add: the additions get their own row.
  const feedIntermediates = knownIntermediates - (sources.find((s) => s.id === "intermediates")?.entries ?? 0);
  return (
    <>
      <p>
        Bundled blocklist version <code>{version}</code>
      </p>
      <ScrollingTable label="Bundled blocklist sources">
        <table class="sources">
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Snapshot</th>
              <th scope="col">Entries</th>
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.name}
                  <div class="muted small">
                    {s.origin} · {s.licence}
                  </div>
                </td>
                <td class="nowrap">{s.snapshot}</td>
                <td class="number">{(counts[s.id as EntrySource] ?? s.entries).toLocaleString("en")}</td>
              </tr>
            ))}
            {custom.map((s) => (
              <tr key={s}>
                <td>{CUSTOM_SOURCE_NAME[s]}</td>
                <td class="muted">—</td>
                <td class="number">{(counts[s] ?? 0).toLocaleString("en")}</td>
              </tr>
            ))}
            {feedIntermediates > 0 && (
              <tr>
                <td>Known intermediates from your organisation's signed feeds</td>
                <td class="muted">—</td>
                <td class="number">{feedIntermediates.toLocaleString("en")}</td>
              </tr>
            )}
          </tbody>
        </table>
      </ScrollingTable>
    </>
  );
}

type Search =
  | { status: "idle" }
  | { status: "searching" }
  | { status: "ready"; query: string; total: number; entries: BlocklistEntryView[] }
  | { status: "failed"; error: string };

function BlocklistSearch() {
  const connector = useConnector();
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<Search>({ status: "idle" });
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setSearch({ status: "idle" });
      return;
    }
    let live = true;
    // Wait for a pause in typing rather than searching on every key.
    const timer = setTimeout(() => {
      setSearch({ status: "searching" });
      connector.send("ui-bg-search-blocklist", { query: q, limit: 50 }).then(
        (r) => live && setSearch({ status: "ready", query: q, ...r }),
        (e) => live && setSearch({ status: "failed", error: errorMessage(e) }),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [connector, query]);

  return (
    <div class="blocklist-search">
      <label class="block-label">
        Search the blocklist
        <input type="search" value={query} placeholder="Name, incident or fingerprint, e.g. DigiNotar" onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      <div class="search-results" aria-live="polite">
        {search.status === "searching" && <p class="muted">Searching…</p>}
        {search.status === "failed" && <p role="alert">Search failed: {search.error}</p>}
        {search.status === "ready" && (
          <>
            <p class="muted">
              {search.total === 0
                ? `No entries match "${search.query}".`
                : search.total > search.entries.length
                  ? `${search.total} entries match; showing the first ${search.entries.length}.`
                  : `${search.total} ${search.total === 1 ? "entry matches" : "entries match"}.`}
            </p>
            <ul class="results plain">
              {search.entries.map((e) => (
                <SearchResult key={e.id} entry={e} />
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}

function SearchResult({ entry }: { entry: BlocklistEntryView }) {
  return (
    <li class="result">
      <p>
        <strong>{entry.label}</strong>{" "}
        <span class={`badge ${entry.enforced ? "tone-blocked" : "tone-info"}`}>{entry.enforced ? "Enforced" : "Not enforced"}</span>
      </p>
      <p class="muted">{SOURCE_NAME[entry.source] ?? entry.source}</p>
      <p>{entry.incident}</p>
      {entry.sha256 && (
        <p class="small">
          SHA-256 <code>{entry.sha256}</code>
        </p>
      )}
      {entry.sha1 && (
        <p class="small">
          SHA-1 <code>{entry.sha1}</code>
        </p>
      )}
      {entry.spkiSha256 && (
        <p class="small">
          SPKI <code>{entry.spkiSha256}</code>
        </p>
      )}
      {/^https?:/i.test(entry.reference) && (
        <p>
          <ExternalLink href={entry.reference} label={`Reference for ${entry.label}`}>
            Reference
          </ExternalLink>
        </p>
      )}
    </li>
  );
}
