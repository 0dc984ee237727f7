/**
 * A chain-changed event's old and new chain side by side (Certificate Patrol's diff), with the
 * hints an analyst needs to tell a routine renewal from an interception. The comparison and the
 * hints come from the core (src/chainDiff.ts); this renders them, every field as text.
 */
import { useId } from "preact/hooks";
import { DIFF_FIELDS, diffChains, type CertificateSummary, type ChainChange, type DiffField, type DiffRow } from "../../src/chainDiff";
import { ROLE_NAME } from "../../src/names";
import { formatTime } from "../ui/format";

const FIELD_LABEL: Record<DiffField, string> = {
  subject: "Subject",
  issuer: "Issuer",
  spkiSha256: "Key (SPKI SHA-256)",
  validity: "Valid",
  serialNumber: "Serial",
  sha256: "SHA-256",
  sha1: "SHA-1",
};

const HASH_FIELDS: readonly DiffField[] = ["spkiSha256", "serialNumber", "sha256", "sha1"];

function fieldText(cert: CertificateSummary, field: DiffField): string {
  if (field === "validity") return `${formatTime(cert.validity.start)} to ${formatTime(cert.validity.end)}`;
  return cert[field];
}

function certificateNotes(cert: CertificateSummary): string {
  const notes = [
    cert.role === "root" && (cert.isBuiltInRoot ? "built into Firefox" : "not built into Firefox"),
    cert.role === "intermediate" && (cert.known ? "known" : "not in the known set"),
  ];
  return notes.filter(Boolean).join(", ");
}

function rowTitle(row: DiffRow): string {
  const name = ROLE_NAME[row.role];
  const title = name[0].toUpperCase() + name.slice(1);
  return row.role === "intermediate" ? `${title} ${row.position}` : title;
}

/** The side of a row where a chain has no certificate: absent, or not recorded (an older version's "before"). */
function Missing({ recorded }: { recorded: boolean }) {
  return <span class="muted">{recorded ? "none in this chain" : "not recorded"}</span>;
}

function DiffTable({ row, beforeRecorded, headingId }: { row: DiffRow; beforeRecorded: boolean; headingId: string }) {
  const { before, after } = row;
  const unchanged = before !== null && after !== null && row.changed.length === 0;
  return (
    <section class="diff-row" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {rowTitle(row)}
        {unchanged ? (
          <span class="muted"> — unchanged</span>
        ) : before && after ? (
          <span class="muted">
            {" "}
            — {row.changed.length} of {DIFF_FIELDS.length} fields changed
          </span>
        ) : null}
      </h3>
      <table class="diff">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {DIFF_FIELDS.map((f) => {
            const changed = before !== null && after !== null && row.changed.includes(f);
            const cell = (cert: CertificateSummary | null, recorded: boolean) =>
              cert ? <span class={HASH_FIELDS.includes(f) ? "hash-text" : undefined}>{fieldText(cert, f)}</span> : <Missing recorded={recorded} />;
            return (
              <tr key={f} class={changed ? "changed" : undefined}>
                <th scope="row">
                  {FIELD_LABEL[f]}
                  {changed && <span class="changed-mark"> (changed)</span>}
                </th>
                <td>{cell(before, beforeRecorded)}</td>
                <td>{cell(after, true)}</td>
              </tr>
            );
          })}
          <tr>
            <th scope="row">Status</th>
            <td>{before ? certificateNotes(before) : <Missing recorded={beforeRecorded} />}</td>
            <td>{after ? certificateNotes(after) : <Missing recorded />}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

/** `at`: when the change was seen, so hints judge the old leaf's expiry as of then. */
export function ChainDiffView({ change, at }: { change: ChainChange; at: number }) {
  const { rows, hints } = diffChains(change, at);
  const beforeRecorded = change.before !== null;
  const id = useId();
  return (
    <div class="chain-diff">
      {!beforeRecorded && (
        <p class="notice-box tone-info" role="note">
          The chain before this change was remembered by an earlier version of Chain Sentry, which kept only its fingerprints: its details were not recorded.
          Only the new chain is shown.
        </p>
      )}
      {hints.length > 0 && (
        <ul class="hints" aria-label="What this change suggests">
          {hints.map((h) => (
            <li key={h.id + h.text} class={`hint tone-${h.tone}`}>
              {h.text}
            </li>
          ))}
        </ul>
      )}
      {rows.map((row) => (
        <DiffTable key={`${row.role}-${row.position}`} row={row} beforeRecorded={beforeRecorded} headingId={`${id}-${row.role}-${row.position}`} />
      ))}
    </div>
  );
}
