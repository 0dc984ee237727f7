import type { TlsFailure } from "../../src/protocol";
import { formatTime } from "../ui/format";

/** Connections Firefox itself refused (its own certificate errors), which Chain Sentry never saw a chain for. */
export function TlsFailures({ failures }: { failures: readonly TlsFailure[] }) {
  if (failures.length === 0) return null;
  return (
    <section class="section" aria-labelledby="failures-heading">
      <h2 id="failures-heading">Connections Firefox refused ({failures.length})</h2>
      <ul class="failures plain">
        {failures.map((f, i) => (
          <li key={i} class="failure">
            <p>
              <strong>{f.error}</strong>
            </p>
            <p class="muted">
              <span class="url">{f.url}</span> · {f.type} · {formatTime(f.time)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
