import { commonName } from "../../src/names";
import type { Verdict } from "../../src/verdict";
import { ExternalLink } from "../ui/ExternalLink";
import { LevelTag } from "./Badge";

/**
 * The findings of one chain, worst first (the core sorts them). `only="chain"`: just those about the
 * chain as a whole, which no ladder rung shows.
 */
export function Findings({ verdict, only }: { verdict: Verdict; only?: "chain" }) {
  const findings = only === "chain" ? verdict.findings.filter((f) => f.certIndex === null) : verdict.findings;
  if (findings.length === 0) return only === "chain" ? null : <p class="muted">No findings: every check passed.</p>;
  return (
    <ul class="findings" aria-label="Findings">
      {findings.map((f, i) => {
        const cert = f.certIndex === null ? undefined : verdict.chain[f.certIndex];
        const name = cert && commonName(cert.subject);
        return (
          <li key={i} class={`finding tone-${f.severity}`}>
            <p class="finding-title">
              <LevelTag level={f.severity} /> {f.title}
              {name && !f.title.includes(name) && <span class="muted"> — {name}</span>}
            </p>
            <p class="finding-explanation">{f.explanation}</p>
            {f.reference && (
              <p class="finding-reference">
                <ExternalLink href={f.reference}>Reference</ExternalLink>
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
