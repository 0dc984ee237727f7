/**
 * The analyst's downloads: the presented chain as PEM, and the tab's whole analysis (with decoded
 * SCTs) as JSON. The tab's state carries no certificate bytes: both ask the background for them by
 * SHA-256 (`ui-bg-get-certificate`), once per certificate, when the user asks for the file.
 */
import type { EmbeddedScts } from "../../src/ct/embedded";
import { base64ToBytes, derToPem } from "../../src/encoding";
import { errorMessage } from "../../src/errorMessage";
import { certificateTooLarge, MAX_CERTIFICATE_BYTES, type ChainRecord, type Connector, type TabState } from "../../src/protocol";
import { fileStamp, hostOf } from "../ui/format";

export interface ChainPem {
  pem: string;
  /** Chain positions (0 = leaf) with no bytes, left out of the file. */
  missing: number[];
}

/** Chain positions (0 = leaf) the background holds no bytes for: Firefox gave none. */
export function missingDer(record: ChainRecord): number[] {
  const missing: number[] = [];
  record.derAvailable.forEach((available, index) => {
    if (!available) missing.push(index);
  });
  return missing;
}

/**
 * The base64 bytes of each of these certificates (by SHA-256), asked for once each; the
 * background's answer where it has none to give (gone after a restart, over the size cap).
 */
export async function certificateBytes(
  connector: Connector,
  tabId: number,
  sha256s: Iterable<string>,
): Promise<Map<string, { der: string } | { error: string }>> {
  const unique = [...new Set(sha256s)];
  const answers = await Promise.all(
    unique.map((sha256) => connector.send("ui-bg-get-certificate", { tabId, sha256 }).catch((error: unknown) => ({ error: errorMessage(error) }))),
  );
  return new Map(unique.map((sha256, i) => [sha256, answers[i]]));
}

/** SHA-256s of the record's certificates whose bytes the background holds. */
const heldSha256s = (record: ChainRecord): string[] => record.verdict.chain.filter((c, i) => c && record.derAvailable[i]).map((c) => c.sha256);

/** The record's bytes, leaf first, from the background's answers (null where there are none). */
function derOf(record: ChainRecord, bytes: Map<string, { der: string } | { error: string }>): (string | null)[] {
  return record.derAvailable.map((available, i) => {
    const answer = available ? bytes.get(record.verdict.chain[i]?.sha256) : undefined;
    return answer && "der" in answer ? answer.der : null;
  });
}

/** Leaf first, as presented. */
export async function chainPem(connector: Connector, tabId: number, record: ChainRecord): Promise<ChainPem> {
  const missing: number[] = [];
  let pem = "";
  derOf(record, await certificateBytes(connector, tabId, heldSha256s(record))).forEach((b64, index) => {
    if (b64 === null) missing.push(index);
    else pem += derToPem(base64ToBytes(b64));
  });
  return { pem, missing };
}

export function pemFileName(record: ChainRecord): string {
  return `${hostOf(record.origin).replace(/[^\w.-]+/g, "_")}-chain.pem`;
}

export function analysisFileName(state: TabState): string {
  const host = hostOf(state.url ?? state.top?.origin ?? "") || `tab-${state.tabId}`;
  return `chain-sentry-${host.replace(/[^\w.-]+/g, "_")}-${fileStamp(state.updatedAt)}.json`;
}

/** A chain as exported: the record with its certificates' base64 bytes, leaf first (null: none). */
export type ExportedChainRecord = ChainRecord & { der: (string | null)[] };

/**
 * The tab's state with every chain's bytes (so the file stands alone, and the workbench reads it
 * back), plus each certificate's decoded SCTs by SHA-256 (null: it has no SCT extension).
 */
export type AnalysisExport = Omit<TabState, "top" | "origins"> & {
  top: ExportedChainRecord | null;
  origins: (Omit<TabState["origins"][number], "chains"> & { chains: ExportedChainRecord[] })[];
  embeddedScts: Record<string, EmbeddedScts | { error: string } | null>;
};

/** Decodes in this page, with the decoder loaded on first use, as the certificate view does. */
export async function analysisJson(state: TabState, connector: Connector): Promise<string> {
  const records = [state.top, ...state.origins.flatMap((o) => o.chains)].filter((r): r is ChainRecord => r !== null);
  const bytes = await certificateBytes(connector, state.tabId, records.flatMap(heldSha256s));
  const exported = (record: ChainRecord): ExportedChainRecord => ({ ...record, der: derOf(record, bytes) });
  const { readEmbeddedScts } = await import("../../src/certificateView");
  const embeddedScts: AnalysisExport["embeddedScts"] = {};
  for (const [sha256, answer] of bytes) {
    if ("error" in answer) {
      embeddedScts[sha256] = { error: answer.error };
      continue;
    }
    const der = base64ToBytes(answer.der);
    try {
      if (der.length > MAX_CERTIFICATE_BYTES) throw new Error(certificateTooLarge(der.length));
      embeddedScts[sha256] = readEmbeddedScts(der);
    } catch (error) {
      embeddedScts[sha256] = { error: `The certificate could not be decoded: ${errorMessage(error)}` };
    }
  }
  const analysis: AnalysisExport = {
    ...state,
    top: state.top && exported(state.top),
    origins: state.origins.map((o) => ({ ...o, chains: o.chains.map(exported) })),
    embeddedScts,
  };
  return `${JSON.stringify(analysis, null, 2)}\n`;
}
