import { ChainAnalyzer } from "../../src/analyzer";
import { RuleRegistry } from "../../src/rules/registry";
import type { Rule } from "../../src/rules/rule";
import { RULES } from "../../src/rules";
import type { SecurityInfo } from "../../src/securityInfo";
import { parseList, type CustomBlocklistEntry } from "../../src/settings";
import {
  analyzer,
  bundledIndex,
  capturedSecurityInfo,
  chromiumCertificate,
  DIGINOTAR_ROOT,
  firefoxCertificate,
  makePki,
  ruleIds,
  securityInfo,
} from "./support/chains";

const FLAME_PCA_SHA1 = "2A:83:E9:02:05:91:A5:5F:C6:DD:AD:3F:B1:02:79:4C:52:B2:4E:70";

describe("the headline cases", () => {
  test("a chain holding the Chromium-blocklisted DigiNotar root is blocked and names DigiNotar", async () => {
    const pki = await makePki();
    const info: SecurityInfo = {
      state: "secure",
      certificates: [await firefoxCertificate(pki.leaf.der), await firefoxCertificate(chromiumCertificate(DIGINOTAR_ROOT))],
    };
    const verdict = analyzer().analyze(info);
    expect(verdict.level).toBe("blocked");
    const blocked = verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
    expect(blocked.certIndex).toBe(1);
    expect(blocked.match?.source).toBe("chromium");
    expect(blocked.match?.incident).toMatch(/DigiNotar/);
    expect(blocked.title).toMatch(/DigiNotar Root CA/);
    expect(blocked.explanation).toMatch(/DigiNotar/);
    expect(verdict.chain[1].flags).toContain("blocked-certificate");
  });

  test("an intermediate whose SHA-1 fingerprint is a Flame thumbprint is blocked and names Flame", async () => {
    const pki = await makePki();
    const info = await securityInfo(pki, { builtInRoot: true });
    info.certificates[1].fingerprint.sha1 = FLAME_PCA_SHA1;
    const verdict = analyzer().analyze(info);
    expect(verdict.level).toBe("blocked");
    const blocked = verdict.findings[0];
    expect(blocked).toMatchObject({ ruleId: "blocked-certificate", severity: "blocked", certIndex: 1 });
    expect(blocked.match).toMatchObject({ source: "flame", key: "sha1", label: "Microsoft Enforced Licensing Intermediate PCA" });
    expect(blocked.match?.incident).toMatch(/Flame/);
    expect(blocked.explanation).toMatch(/SHA-1 fingerprint/);
    expect(blocked.reference).toMatch(/2718704/);
  });

  test("an intermediate under a non-built-in root warns twice, and is ok once both are allowlisted", async () => {
    const pki = await makePki();
    const info = await securityInfo(pki);
    const verdict = analyzer().analyze(info);
    expect(verdict.level).toBe("warning");
    expect(ruleIds(verdict.findings)).toEqual(["dynamic-intermediate", "non-built-in-root"]);
    expect(verdict.findings.find((f) => f.ruleId === "dynamic-intermediate")).toMatchObject({ certIndex: 1, severity: "warning" });
    expect(verdict.findings.find((f) => f.ruleId === "non-built-in-root")).toMatchObject({ certIndex: 2, severity: "warning" });

    const allow = parseList(
      [{ sha256: info.certificates[1].fingerprint.sha256 }, { spkiSha256: info.certificates[2].subjectPublicKeyInfoDigest.sha256 }],
      "allowlist",
      "user",
    );
    expect(allow.issues).toEqual([]);
    const allowed = analyzer({ allowlist: allow.entries, blocklist: [] }).analyze(info);
    expect(allowed.level).toBe("ok");
    expect(allowed.findings).toEqual([]);
    expect(allowed.chain.map((c) => c.allowlisted)).toEqual([false, true, true]);
  });

  test("the real SecurityInfo Firefox captured (policy-installed test root) gets both warnings", () => {
    const verdict = analyzer().analyze(capturedSecurityInfo());
    expect(verdict.level).toBe("warning");
    expect(ruleIds(verdict.findings)).toEqual(["dynamic-intermediate", "non-built-in-root"]);
    expect(verdict.chain.map((c) => c.role)).toEqual(["leaf", "intermediate", "root"]);
    expect(verdict.chain[1].subject).toBe("O=FFProbe,CN=Probe Intermediate");
    expect(verdict.findings[0].explanation).toMatch(/Probe Intermediate/);
  });
});

describe("allowlist and blocklist settings", () => {
  test("nothing silences a blocked certificate, not even allowlisting it", async () => {
    const pki = await makePki();
    const info = await securityInfo(pki);
    const block = parseList([{ spkiSha256: info.certificates[1].subjectPublicKeyInfoDigest.sha256, label: "Rogue CA" }], "blocklist", "policy");
    const allow = parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "allowlist", "policy");
    const verdict = analyzer({ allowlist: allow.entries, blocklist: block.entries }).analyze(info);
    expect(verdict.level).toBe("blocked");
    expect(verdict.findings[0].match).toMatchObject({ source: "policy", label: "Rogue CA", key: "spkiSha256" });
    expect(verdict.findings[0].explanation).toMatch(/enterprise policy/);
  });

  test("a policy entry by SPKI catches a re-issued intermediate with the same key", async () => {
    const pki = await makePki();
    const reissued = await makePki({ intermediate: { keys: pki.intermediate.keys } });
    const original = await securityInfo(pki);
    const block = parseList([{ spkiSha256: original.certificates[1].subjectPublicKeyInfoDigest.sha256 }], "blocklist", "policy");
    const a = analyzer({ allowlist: [], blocklist: block.entries });
    const reissuedInfo = await securityInfoFromReissued(reissued, pki);
    expect(reissuedInfo.certificates[1].fingerprint.sha256).not.toBe(original.certificates[1].fingerprint.sha256);
    expect(a.analyze(reissuedInfo).level).toBe("blocked");
  });

  test("settings given straight to the analyzer may use Firefox's forms: colon hex and base64 SPKI", async () => {
    const info = await securityInfo(await makePki());
    const [, intermediate, root] = info.certificates;
    const a = new ChainAnalyzer(bundledIndex, {
      allowlist: [
        { sha256: intermediate.fingerprint.sha256, source: "policy" },
        { spkiSha256: root.subjectPublicKeyInfoDigest.sha256, source: "policy" },
        { sha256: "not a fingerprint", source: "policy" },
      ],
    });
    expect(a.analyze(info).level).toBe("ok");
  });

  test("changing settings changes the verdict of a chain already analysed", async () => {
    const info = await securityInfo(await makePki());
    const a = analyzer();
    expect(a.analyze(info).level).toBe("warning");
    a.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[0].fingerprint.sha256 }], "blocklist", "user").entries });
    expect(a.analyze(info).level).toBe("blocked");
    a.setLists({ allowlist: [], blocklist: [] });
    expect(a.analyze(info).level).toBe("warning");
  });
});

describe("what a list entry's finding says", () => {
  test("an entry without a reason says which list it came from", async () => {
    const info = await securityInfo(await makePki());
    const sha256 = info.certificates.map((c) => c.fingerprint.sha256);
    const a = analyzer({
      allowlist: [],
      blocklist: [
        { sha256: sha256[0], source: "policy" },
        { sha256: sha256[1], source: "feed" },
        { sha256: sha256[2], source: "user" },
      ],
    });
    const incidents = a
      .analyze(info)
      .findings.filter((f) => f.ruleId === "blocked-certificate")
      .map((f) => [f.certIndex, f.match?.incident]);
    expect(incidents).toEqual([
      [0, "Listed by your organisation's policy"],
      [1, "Listed by a signed feed of your organisation"],
      [2, "Listed in your own blocklist"],
    ]);
  });

  test("an entry given without a source is the user's own", async () => {
    const info = await securityInfo(await makePki());
    const a = new ChainAnalyzer(bundledIndex, { blocklist: [{ sha256: info.certificates[0].fingerprint.sha256 } as CustomBlocklistEntry] });
    expect(a.analyze(info).findings[0].match).toMatchObject({ source: "user", incident: "Listed in your own blocklist" });
  });

  test("a feed's known intermediate already in the bundled snapshot is counted once", () => {
    const bundled = bundledIndex.knownIntermediates.sha256;
    const a = analyzer({ allowlist: [], blocklist: [], knownIntermediates: [bundled[0], "ab".repeat(32)] });
    expect(a.knownIntermediateCount).toBe(bundled.length + 1);
  });
});

describe("the order of findings", () => {
  test("worst first; at one severity, those about the whole chain, then by position in the chain", async () => {
    // Chain-wide findings both before and after the others as the rules add them: the order must not depend on that.
    const rules = rulesBetweenOnesThatThrow(["throws-first"], ["throws-last"]);
    const info = await securityInfo(await makePki({ leaf: { key: { type: "RSA", bits: 1024 } } }));
    const a = new ChainAnalyzer(bundledIndex, { blocklist: [{ sha256: info.certificates[2].fingerprint.sha256, source: "user" }] }, { rules });
    const order = a.analyze(info).findings.map((f) => [f.severity, f.certIndex, f.ruleId]);
    expect(order).toEqual([
      ["blocked", 2, "blocked-certificate"],
      ["warning", null, "analysis-error"],
      ["warning", null, "analysis-error"],
      ["warning", 0, "weak-key"],
      ["warning", 1, "dynamic-intermediate"],
      ["warning", 2, "non-built-in-root"],
    ]);
  });
});

/** The product's rules between rules, named by id, that fail on every chain with "boom". */
function rulesBetweenOnesThatThrow(before: string[], after: string[] = []): RuleRegistry {
  const rules = new RuleRegistry();
  const throwing = (id: string): Rule => ({
    id,
    severity: "warning",
    title: "t",
    explanation: "e",
    reference: "https://example.org/",
    check() {
      throw new Error("boom");
    },
  });
  for (const rule of [...before.map(throwing), ...RULES.all(), ...after.map(throwing)]) rules.register(rule);
  return rules;
}

async function securityInfoFromReissued(reissued: Awaited<ReturnType<typeof makePki>>, original: Awaited<ReturnType<typeof makePki>>) {
  // The re-issued intermediate signs its own leaf; both sit under the original root.
  return {
    state: "secure" as const,
    certificates: [
      await firefoxCertificate(reissued.leaf.der),
      await firefoxCertificate(reissued.intermediate.der),
      await firefoxCertificate(original.root.der),
    ],
  };
}

describe("bad input becomes findings, never exceptions", () => {
  test("an empty chain, a missing chain and undefined give an ok verdict with nothing in it", () => {
    const a = analyzer();
    for (const info of [{ state: "secure", certificates: [] }, { state: "insecure" }, undefined] as (SecurityInfo | undefined)[]) {
      const verdict = a.analyze(info);
      expect(verdict).toMatchObject({ level: "ok", findings: [], chain: [] });
    }
  });

  test("garbage bytes are a malformed-certificate finding naming the problem", async () => {
    const info = await securityInfo(await makePki());
    info.certificates[0].rawDER = [1, 2, 3, 4, 5];
    const verdict = analyzer().analyze(info);
    const malformed = verdict.findings.find((f) => f.ruleId === "malformed-certificate");
    expect(malformed).toMatchObject({ certIndex: 0, severity: "warning" });
    expect(malformed!.explanation).toMatch(/expected Certificate/);
  });

  test("truncated DER is reported as truncated", async () => {
    const info = await securityInfo(await makePki());
    const der = Array.from(info.certificates[1].rawDER!);
    info.certificates[1].rawDER = der.slice(0, der.length - 40);
    const malformed = analyzer()
      .analyze(info)
      .findings.find((f) => f.ruleId === "malformed-certificate");
    expect(malformed?.certIndex).toBe(1);
    expect(malformed?.explanation).toMatch(/truncated/);
  });

  test("a certificate entry missing Firefox's fields is an analysis error; the rest is still analysed", async () => {
    const info = await securityInfo(await makePki());
    // @ts-expect-error: deliberately broken input
    delete info.certificates[0].fingerprint;
    const verdict = analyzer().analyze(info);
    const error = verdict.findings.find((f) => f.ruleId === "analysis-error");
    expect(error?.explanation).toMatch(/fingerprint\.sha256/);
    expect(ruleIds(verdict.findings)).toEqual(["analysis-error", "dynamic-intermediate", "non-built-in-root"]);
  });

  test("a rule that throws becomes an analysis-error finding and the other rules still run", async () => {
    const verdict = new ChainAnalyzer(bundledIndex, undefined, { rules: rulesBetweenOnesThatThrow(["always-throws"]) }).analyze(
      await securityInfo(await makePki()),
    );
    expect(verdict.level).toBe("warning");
    const error = verdict.findings.find((f) => f.ruleId === "analysis-error")!;
    expect(error.explanation).toMatch(/always-throws.*boom/);
    expect(ruleIds(verdict.findings)).toContain("non-built-in-root");
  });
});

describe("the hot path", () => {
  test("a chain already analysed is answered from the cache and needs no rawDER", async () => {
    const info = await securityInfo(await makePki());
    const a = analyzer();
    expect(a.needsRawDer(info)).toBe(true);
    const first = a.analyze(info);
    expect(a.needsRawDer(info)).toBe(false);
    const withoutDer: SecurityInfo = { ...info, certificates: info.certificates.map(({ rawDER: _, ...c }) => c) };
    expect(a.analyze(withoutDer)).toBe(first);
  });

  test("certificates seen in one chain are not re-read in another (facts come from the cache)", async () => {
    const pki = await makePki();
    const a = analyzer();
    a.analyze(await securityInfo(pki));
    const otherLeaf = await makePki();
    // Same intermediate and root, new leaf: only the leaf is unseen.
    const mixed: SecurityInfo = await securityInfo({ ...pki, leaf: otherLeaf.leaf });
    expect(a.needsRawDer(mixed)).toBe(true);
    const intermediateOnly: SecurityInfo = { ...mixed, certificates: mixed.certificates.slice(1) };
    expect(a.needsRawDer(intermediateOnly)).toBe(false);
  });

  test("a cached verdict is not reused once a certificate has expired", async () => {
    const pki = await makePki();
    const info = await securityInfo(pki);
    const a = analyzer();
    const now = Date.now();
    expect(ruleIds(a.analyze(info, now).findings)).not.toContain("expired");
    const afterLeafExpiry = info.certificates[0].validity.end + 1000;
    expect(ruleIds(a.analyze(info, afterLeafExpiry).findings)).toContain("expired");
  });

  test("a certificate first seen without its bytes is read when they arrive: its weak key is then reported", async () => {
    const info = await securityInfo(await makePki({ leaf: { key: { type: "RSA", bits: 1024 } } }), { builtInRoot: true });
    const withoutDer: SecurityInfo = { ...info, certificates: info.certificates.map(({ rawDER: _, ...c }) => c) };
    const a = analyzer();
    expect(ruleIds(a.analyze(withoutDer).findings)).not.toContain("weak-key");
    expect(a.needsRawDer(info)).toBe(true);
    expect(ruleIds(a.analyze(info).findings)).toContain("weak-key");
  });

  test("a chain with one certificate seen without its bytes is not cached: the weak key behind a read leaf is reported once they arrive", async () => {
    const info = await securityInfo(await makePki({ intermediate: { key: { type: "RSA", bits: 1024 } } }), { builtInRoot: true });
    const [leaf, { rawDER: _, ...intermediate }, root] = info.certificates;
    const a = analyzer();
    expect(ruleIds(a.analyze({ ...info, certificates: [leaf, intermediate, root] }).findings)).not.toContain("weak-key");
    expect(ruleIds(a.analyze(info).findings)).toContain("weak-key");
  });

  test("settings that leave a list out apply it as empty, and say so", () => {
    expect(new ChainAnalyzer(bundledIndex, {}).lists).toEqual({ allowlist: [], blocklist: [], knownIntermediates: [] });
  });

  test("analysing without rawDER still matches the blocklist by fingerprint", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    info.certificates[1].fingerprint.sha1 = FLAME_PCA_SHA1;
    for (const c of info.certificates) delete c.rawDER;
    expect(analyzer().analyze(info).level).toBe("blocked");
  });
});
