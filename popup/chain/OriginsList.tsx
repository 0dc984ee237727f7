import type { OriginRecord } from "../../src/protocol";
import { Expander } from "../ui/Expander";
import { plural } from "../ui/format";
import { LevelTag } from "./Badge";
import { ChainRecordView } from "./ChainRecordView";

/** The origins the page loaded over TLS (its own included, for subresources), each expandable into its chains. */
export function OriginsList({ tabId, origins }: { tabId: number; origins: readonly OriginRecord[] }) {
  return (
    <section class="section" aria-labelledby="origins-heading">
      <h2 id="origins-heading">Origins this page loaded over TLS ({origins.length})</h2>
      {origins.length === 0 ? (
        <p class="muted">None seen over TLS.</p>
      ) : (
        <ul class="origins plain">
          {origins.map((o) => (
            <li key={o.origin} class={`origin tone-${o.level}`}>
              <Expander
                summary={
                  <span class="origin-title">
                    <span class="origin-name">{o.origin}</span> <LevelTag level={o.level} />
                    {o.chains.length > 1 && <span class="muted"> {plural(o.chains.length, "chain")}</span>}
                  </span>
                }
              >
                {() =>
                  o.chains.map((record, i) => (
                    <ChainRecordView key={`${i}:${record.verdict.chain.map((c) => c.sha256).join()}`} tabId={tabId} record={record} />
                  ))
                }
              </Expander>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
