/** Shared test material: the committed blocklist index, real blocklisted certificates, generated chains. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ChainAnalyzer } from "../../../src/analyzer";
import type { CompiledIndex } from "../../../src/blocklist";
import { pemToDerList } from "../../../src/encoding";
import type { FirefoxCertificate, SecurityInfo } from "../../../src/securityInfo";
import { securityInfoFromDer, firefoxCertificateFromDer } from "../../../src/securityInfoFromDer";
import { NO_LISTS, type AnalyzerLists } from "../../../src/settings";
import { issue, type IssueOptions, type Issued } from "../../../scripts/pki";

const root = join(__dirname, "..", "..", "..");

export const bundledIndex: CompiledIndex = JSON.parse(readFileSync(join(root, "data", "blocklist.json"), "utf8"));

export function analyzer(lists: AnalyzerLists = NO_LISTS): ChainAnalyzer {
  return new ChainAnalyzer(bundledIndex, lists);
}

/** A certificate from Chromium's blocklist, by the hash its file is named after. */
export function chromiumCertificate(sha256: string): Uint8Array {
  return pemToDerList(readFileSync(join(root, "data", "sources", "chromium-blocklist", `${sha256}.pem`), "utf8"))[0];
}

export const DIGINOTAR_ROOT = "0d136e439f0ab6e97f3a02a540da9f0641aa554e1d66ea51ae2920d51b2f7217";
export const SUPERFISH_ROOT = "b6fe9151402bad1c06d7e66db67a26aa7356f2e6c644dbcf9f98968ff632e1b7";

/** The real event Firefox ESR 153 produced for leaf → "Probe Intermediate" → "Probe Root" (a policy-installed root). */
export function capturedSecurityInfo(): SecurityInfo {
  return JSON.parse(readFileSync(join(root, "test", "fixtures", "captured-event-full.json"), "utf8")).si;
}

export interface TestPki {
  root: Issued;
  intermediate: Issued;
  leaf: Issued;
}

/** root → intermediate → leaf for localhost; override any certificate's options. */
export async function makePki(
  overrides: { root?: Partial<IssueOptions>; intermediate?: Partial<IssueOptions>; leaf?: Partial<IssueOptions> } = {},
): Promise<TestPki> {
  const rootCa = await issue({ subject: "CN=Test Root,O=Chain Sentry Tests", ...overrides.root });
  const intermediate = await issue({ subject: "CN=Test Intermediate,O=Chain Sentry Tests", issuer: rootCa, ca: true, ...overrides.intermediate });
  const leaf = await issue({ subject: "CN=localhost", issuer: intermediate, hosts: ["localhost", "127.0.0.1"], ...overrides.leaf });
  return { root: rootCa, intermediate, leaf };
}

export function securityInfo(pki: TestPki, { builtInRoot = false } = {}): Promise<SecurityInfo> {
  return securityInfoFromDer([pki.leaf.der, pki.intermediate.der, pki.root.der], { builtInRoot });
}

/** A certificate entry exactly as Firefox would give it, for a lone certificate. */
export function firefoxCertificate(der: Uint8Array, isBuiltInRoot = false): Promise<FirefoxCertificate> {
  return firefoxCertificateFromDer(der, isBuiltInRoot);
}

export const ruleIds = (findings: { ruleId: string }[]) => findings.map((f) => f.ruleId).sort();
