import type { UncheckedResponse } from "../../src/protocol";
import { formatTime } from "../ui/format";

/** Responses that passed with no chain to check (a service worker's own, for one): not inspected, and said so. */
export function UncheckedResponses({ responses }: { responses: readonly UncheckedResponse[] }) {
  if (responses.length === 0) return null;
  return (
    <section class="section" aria-labelledby="unchecked-heading">
      <h2 id="unchecked-heading">Responses without a chain to check ({responses.length})</h2>
      <ul class="failures plain">
        {responses.map((r, i) => (
          <li key={i} class="failure">
            <p>{r.reason}</p>
            <p class="muted">
              <span class="url">{r.url}</span> · {r.type} · {formatTime(r.time)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
