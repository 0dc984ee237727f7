/** The embedded SCTs of a decoded certificate: which log signed each, when, and how. */
import type { EmbeddedScts } from "../../src/ct/embedded";
import { formatTime, plural } from "../ui/format";

const operatorName = (operator: string | null) => operator ?? "unknown log";

export function EmbeddedSctsView({ embedded }: { embedded: EmbeddedScts | null }) {
  if (!embedded) return <span class="muted">none (no SCT extension)</span>;
  return (
    <>
      <p>{plural(embedded.scts.length, "SCT")}</p>
      {embedded.scts.length > 0 && (
        <ol class="plain sct-list" aria-label="Embedded SCTs">
          {embedded.scts.map((sct, i) => (
            <li key={i} class="sct">
              <span class="sct-log">
                {sct.log ? (
                  <>
                    {sct.log.description}{" "}
                    <span class="muted">
                      ({sct.log.operator}
                      {sct.log.state ? `, ${sct.log.state}` : ""})
                    </span>
                  </>
                ) : (
                  <span class="badge tone-warning">unknown log</span>
                )}
              </span>
              <span class="sct-meta">
                {formatTime(sct.timestamp)} <span class="muted">({sct.time})</span> · {sct.algorithm}
              </span>
              <code class="sct-id" title="Log id (base64)">
                {sct.logId.base64}
              </code>
            </li>
          ))}
        </ol>
      )}
      {embedded.errors.map((error, i) => (
        <p key={i} class="tone-warning">
          Not read: {error}
        </p>
      ))}
    </>
  );
}

/** "Google: 1, DigiCert: 2, unknown log: 1": CT policies ask for SCTs from distinct operators. */
export function SctsPerOperator({ embedded }: { embedded: EmbeddedScts | null }) {
  if (!embedded || embedded.byOperator.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain" aria-label="SCTs per log operator">
      {embedded.byOperator.map(({ operator, count }) => (
        <li key={operatorName(operator)}>
          {operatorName(operator)}: {count}
        </li>
      ))}
    </ul>
  );
}
