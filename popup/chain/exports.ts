/** The analyst's downloads: the presented chain as PEM, and the tab's whole analysis (with decoded SCTs) as JSON. */
import type { EmbeddedScts } from "../../src/ct/embedded";
import { base64ToBytes, derToPem } from "../../src/encoding";
import { certificateTooLarge, MAX_CERTIFICATE_BYTES, type ChainRecord, type TabState } from "../../src/protocol";
import { fileStamp, hostOf } from "../ui/format";
import { errorText } from "../ui/useRequest";

export interface ChainPem {
  pem: string;
  /** Chain positions (0 = leaf) Firefox gave no bytes for, left out of the file. */
  missing: number[];
}

/** Leaf first, as presented. */
export function chainPem(record: ChainRecord): ChainPem {
  const missing: number[] = [];
  let pem = "";
  record.der.forEach((b64, index) => {
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

/** The tab's state, plus each certificate's decoded SCTs by SHA-256 (null: it has no SCT extension). */
export type AnalysisExport = TabState & { embeddedScts: Record<string, EmbeddedScts | { error: string } | null> };

/** Decodes in this page, with the decoder loaded on first use, as the certificate view does. */
export async function analysisJson(state: TabState): Promise<string> {
  const { readEmbeddedScts } = await import("../../src/certificateView");
  const embeddedScts: AnalysisExport["embeddedScts"] = {};
  const records = [state.top, ...state.origins.flatMap((o) => o.chains)].filter((r): r is ChainRecord => r !== null);
  for (const record of records) {
    record.der.forEach((b64, index) => {
      const sha256 = record.verdict.chain[index]?.sha256;
      if (b64 === null || !sha256 || sha256 in embeddedScts) return;
      const der = base64ToBytes(b64);
      try {
        if (der.length > MAX_CERTIFICATE_BYTES) throw new Error(certificateTooLarge(der.length));
        embeddedScts[sha256] = readEmbeddedScts(der);
      } catch (error) {
        embeddedScts[sha256] = { error: `The certificate could not be decoded: ${errorText(error)}` };
      }
    });
  }
  const exported: AnalysisExport = { ...state, embeddedScts };
  return `${JSON.stringify(exported, null, 2)}\n`;
}
