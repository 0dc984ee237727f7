import { ROLE_NAME } from "../../src/names";
import type { ChainRecord } from "../../src/protocol";
import { saveFile } from "../ui/download";
import { Expander } from "../ui/Expander";
import { formatTime, plural } from "../ui/format";
import { ConnectionDetails } from "./ConnectionDetails";
import { chainPem, pemFileName } from "./exports";
import { Findings } from "./Findings";
import { Ladder } from "./Ladder";

/** One presented chain: its findings, the ladder, the connection, and the PEM download. */
export function ChainRecordView({ tabId, record, connectionOpen = false }: { tabId: number; record: ChainRecord; connectionOpen?: boolean }) {
  const { missing } = chainPem(record);
  const roles = record.verdict.chain;
  const download = () => saveFile(pemFileName(record), chainPem(record).pem, "application/x-pem-file");
  return (
    <div class="chain-record">
      <p class="chain-meta muted">
        First seen {formatTime(record.firstSeen)} on <span class="url">{record.url}</span> · {plural(record.requests, "request")}
        {record.blockedRequests > 0 && <strong> · {record.blockedRequests} blocked</strong>}
      </p>
      <Findings verdict={record.verdict} />
      <Ladder tabId={tabId} verdict={record.verdict} />
      <Expander class="connection" initiallyOpen={connectionOpen} summary="Connection details">
        {() => <ConnectionDetails connection={record.connection} />}
      </Expander>
      <div class="actions">
        <button type="button" onClick={download} disabled={missing.length === record.der.length}>
          Download chain (PEM)
        </button>
        {missing.length > 0 && (
          <p class="muted pem-note">
            {missing.length === record.der.length
              ? "Firefox gave no certificate bytes for this chain, so there is nothing to download."
              : `The PEM file leaves out ${missing
                  .map((i) => `certificate ${i + 1} (${roles[i] ? ROLE_NAME[roles[i].role] : "unknown role"})`)
                  .join(" and ")}: Firefox gave no bytes for ${missing.length === 1 ? "it" : "them"}.`}
          </p>
        )}
      </div>
    </div>
  );
}
