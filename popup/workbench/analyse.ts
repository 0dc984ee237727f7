/**
 * The workbench's analysis: the core's ChainAnalyzer over the chains read from the input, shaped as
 * a tab's state so the chain view's components show it as they show a tab. Offline: the analyzer
 * is the page's own, on the bundled blocklist and the lists the background applies.
 */
import type { ChainAnalyzer } from "../../src/analyzer";
import { bytesToBase64 } from "../../src/encoding";
import { errorMessage } from "../../src/errorMessage";
import type { ChainRecord, Connector, OriginRecord, TabState } from "../../src/protocol";
import type { FirefoxCertificate, SecurityInfo } from "../../src/securityInfo";
import { worstLevel } from "../../src/verdict";
import type { InputChain } from "./input";

/** Not a browser tab: the analysis is the page's own. */
export const WORKBENCH_TAB_ID = -1;

/**
 * Firefox's values for certificates given as bytes, computed as `npm run analyze` does
 * (src/securityInfoFromDer.ts). The decoder is loaded here, on the first analysis, not with the page.
 */
async function securityInfoOf(chain: InputChain, builtInRoot: boolean): Promise<SecurityInfo> {
  if (chain.source.kind === "info") return chain.source.info;
  const { firefoxCertificateFromDer } = await import("../../src/securityInfoFromDer");
  const { der } = chain.source;
  const certificates: FirefoxCertificate[] = [];
  for (let i = 0; i < der.length; i++) {
    try {
      certificates.push(await firefoxCertificateFromDer(der[i], builtInRoot && i === der.length - 1));
    } catch (error) {
      throw new Error(`Certificate ${i + 1} of ${chain.url} is not a readable X.509 certificate: ${errorMessage(error)}`);
    }
  }
  return { state: "secure", certificates };
}

function bytesOf(c: FirefoxCertificate | undefined): string | null {
  const raw = c?.rawDER;
  return Array.isArray(raw) || raw instanceof Uint8Array ? bytesToBase64(raw) : null;
}

/** The analysis: the chains as a tab's state, and their certificates' base64 bytes by SHA-256 (as the background keeps a tab's). */
export interface Analysis {
  state: TabState;
  certificates: Map<string, string>;
}

/**
 * The chains analysed, as a tab's state (the page's chain on top, the others by origin). Rejects
 * with the message to show when a certificate given as bytes cannot be read.
 */
export async function analyseChains(
  chains: readonly InputChain[],
  analyzer: ChainAnalyzer,
  { builtInRoot, now }: { builtInRoot: boolean; now: number },
): Promise<Analysis> {
  const records: { record: ChainRecord; isTop: boolean }[] = [];
  const certificates = new Map<string, string>();
  for (const chain of chains) {
    const info = await securityInfoOf(chain, builtInRoot);
    const { certificates: presented, ...connection } = info;
    const certs = Array.isArray(presented) ? presented : [];
    const verdict = analyzer.analyze(info, now);
    const der = Array.from(certs, bytesOf);
    // The first bytes given for a SHA-256 are the ones shown, as the background keeps the first.
    der.forEach((b64, i) => {
      const sha256 = verdict.chain[i]?.sha256;
      if (b64 !== null && sha256 !== undefined && !certificates.has(sha256)) certificates.set(sha256, b64);
    });
    records.push({
      isTop: chain.isTop,
      record: {
        url: chain.url,
        origin: chain.origin,
        verdict,
        connection,
        derAvailable: der.map((b64) => b64 !== null),
        firstSeen: chain.firstSeen ?? now,
        requests: chain.requests,
        blockedRequests: chain.blockedRequests,
      },
    });
  }
  const top = records.find((r) => r.isTop)?.record ?? null;
  const origins = new Map<string, ChainRecord[]>();
  for (const { record, isTop } of records) if (!isTop) origins.set(record.origin, [...(origins.get(record.origin) ?? []), record]);
  const originRecords: OriginRecord[] = [...origins].map(([origin, list]) => ({ origin, level: worstLevel(list.map((r) => r.verdict.level)), chains: list }));
  const state: TabState = {
    tabId: WORKBENCH_TAB_ID,
    url: top?.url ?? null,
    top,
    origins: originRecords,
    failures: [],
    unchecked: [],
    level: worstLevel(records.map((r) => r.record.verdict.level)),
    updatedAt: now,
  };
  return { state, certificates };
}

/**
 * The connector the chain view's components get on this page: a certificate's bytes come from the
 * analysed input (there is no tab for the background to look in); everything else goes to `base`.
 */
export function workbenchConnector(base: Connector, certificates: ReadonlyMap<string, string>): Connector {
  return {
    send(type, request) {
      if (type !== "ui-bg-get-certificate") return base.send(type, request);
      const der = certificates.get((request as { sha256: string }).sha256);
      return Promise.resolve((der ? { der } : { error: "The input gave no bytes for this certificate, only its fingerprints." }) as never);
    },
  };
}
