/** The analyst's downloads: the presented chain as PEM, and the tab's whole analysis as JSON. */
import { base64ToBytes, derToPem } from "../../src/encoding";
import type { ChainRecord, TabState } from "../../src/protocol";
import { fileStamp, hostOf } from "../ui/format";

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

export function analysisJson(state: TabState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
