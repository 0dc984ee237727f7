import { ROLE_NAME } from "../../src/names";
import type { ChainRecord } from "../../src/protocol";
import { usePlatform } from "../connect/context";
import { saveFile } from "../ui/download";
import { Expander } from "../ui/Expander";
import { formatTime, plural } from "../ui/format";
import { ConnectionDetails } from "./ConnectionDetails";
import { chainPem, missingDer, pemFileName } from "./exports";
import { Findings } from "./Findings";
import { Ladder } from "./Ladder";

/**
 * One presented chain: the ladder first (each certificate's findings open with it), then every
 * finding and the connection, open at once on the full-width page and on demand in the popup.
 */
export function ChainRecordView({ tabId, record, detailsOpen = false }: { tabId: number; record: ChainRecord; detailsOpen?: boolean }) {
  const { connector } = usePlatform();
  const missing = missingDer(record);
  const roles = record.verdict.chain;
  // The bytes are asked for now, not sent with the tab's state.
  const download = async () => saveFile(pemFileName(record), (await chainPem(connector, tabId, record)).pem, "application/x-pem-file");
  return (
    <div class="chain-record">
      <p class="chain-meta muted">
        First seen {formatTime(record.firstSeen)} on <span class="url">{record.url}</span> · {plural(record.requests, "request")}
        {record.blockedRequests > 0 && <strong> · {record.blockedRequests} blocked</strong>}
      </p>
      <Findings verdict={record.verdict} only="chain" />
      <Ladder tabId={tabId} verdict={record.verdict} usedOcsp={record.connection.usedOcsp} />
      {record.verdict.findings.length > 0 && (
        <Expander class="all-findings" initiallyOpen={detailsOpen} summary={`All findings (${record.verdict.findings.length})`}>
          {() => <Findings verdict={record.verdict} />}
        </Expander>
      )}
      {/* Certificates pasted into the workbench came over no connection: nothing to show, and no "Secure" to claim. */}
      {record.connection.protocolVersion !== undefined && (
        <Expander class="connection" initiallyOpen={detailsOpen} summary="Connection details">
          {() => <ConnectionDetails connection={record.connection} />}
        </Expander>
      )}
      <div class="actions">
        <button type="button" onClick={download} disabled={missing.length === record.derAvailable.length}>
          Download chain (PEM)
        </button>
        {missing.length > 0 && (
          <p class="muted pem-note">
            {missing.length === record.derAvailable.length
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
