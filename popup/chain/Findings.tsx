import { commonName } from "../../src/names";
import type { Verdict } from "../../src/verdict";
import { ExternalLink } from "../ui/ExternalLink";
import { LevelTag } from "./Badge";

/** Every finding of one chain, worst first (the core sorts them). */
export function Findings({ verdict }: { verdict: Verdict }) {
  if (verdict.findings.length === 0) return <p class="muted">No findings: every check passed.</p>;
  return (
    <ul class="findings" aria-label="Findings">
      {verdict.findings.map((f, i) => {
        const cert = f.certIndex === null ? undefined : verdict.chain[f.certIndex];
        return (
          <li key={i} class={`finding tone-${f.severity}`}>
            <p class="finding-title">
              <LevelTag level={f.severity} /> {f.title}
              {cert && <span class="muted"> — {commonName(cert.subject)}</span>}
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
