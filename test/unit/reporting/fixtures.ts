/** Shared material of the reporting tests: a real verdict on a real chain, and configs. */
import { bytesToBase64 } from "../../../src/encoding";
import type { ReportingConfig } from "../../../src/reporting/model";
import type { ReportInput } from "../../../src/reporting/events";
import { analyzer, chromiumCertificate, DIGINOTAR_ROOT, firefoxCertificate, makePki } from "../support/chains";

export const CONFIG: ReportingConfig = {
  endpoint: "https://collector.example.com:4318",
  format: "otlp",
  headers: {},
  minLevel: "notice",
  url: "origin",
  includeChain: false,
  batchSize: 100,
  intervalSeconds: 30,
};

export const config = (overrides: Partial<ReportingConfig> = {}): ReportingConfig => ({ ...CONFIG, ...overrides });

/** Ids in order, so a test can tell which event got which. */
export function idSource(prefix = "id"): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export interface Scenario {
  input: ReportInput;
  /** DER of each presented certificate, leaf first. */
  der: Uint8Array[];
}

/**
 * leaf → test intermediate → the DigiNotar root from Chromium's blocklist: a blocked finding on the
 * root, warnings, and (from the same chain under a built-in root) a notice on the intermediate.
 */
export async function diginotarScenario(overrides: Partial<ReportInput> = {}): Promise<Scenario> {
  const pki = await makePki();
  const der = [pki.leaf.der, pki.intermediate.der, chromiumCertificate(DIGINOTAR_ROOT)];
  const verdict = analyzer().analyze({ state: "secure", certificates: await Promise.all(der.map((d) => firefoxCertificate(d))) });
  const underBuiltIn = analyzer().analyze({
    state: "secure",
    certificates: [await firefoxCertificate(pki.leaf.der), await firefoxCertificate(pki.intermediate.der), await firefoxCertificate(pki.root.der, true)],
  });
  const notices = underBuiltIn.findings.filter((f) => f.severity === "notice");
  return {
    der,
    input: {
      verdict: { ...verdict, findings: [...verdict.findings, ...notices] },
      pageUrl: "https://user:secret@www.example.com:8443/account/orders?id=42#access_token=abc",
      url: "https://cdn.example.net/app.js",
      stopped: true,
      connection: { protocolVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256" },
      der: der.map(bytesToBase64),
      time: Date.UTC(2026, 11, 2, 9, 30, 15, 123),
      extensionVersion: "0.1.0",
      browserVersion: "140.5.0",
      ...overrides,
    },
  };
}
