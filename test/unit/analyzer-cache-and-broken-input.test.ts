// The verdict cache answers most responses, so it must never answer for a chain it did not judge; and
// a certificate entry Firefox gave in a shape we did not expect must still show what it holds.
import { ChainAnalyzer, failedVerdict } from "../../src/analyzer";
import type { SecurityInfo } from "../../src/securityInfo";
import { NO_LISTS } from "../../src/settings";
import { analyzer, bundledIndex, chromiumCertificate, DIGINOTAR_ROOT, firefoxCertificate, makePki, ruleIds, securityInfo } from "./support/chains";

describe("the verdict cache answers only for the chain it judged", () => {
  test("the same leaf presented with a blocklisted certificate behind it is judged again, and blocked", async () => {
    const pki = await makePki();
    const a = analyzer();
    const clean = await securityInfo(pki, { builtInRoot: true });
    expect(a.analyze(clean).level).not.toBe("blocked");
    const withDigiNotar: SecurityInfo = { ...clean, certificates: [clean.certificates[0], await firefoxCertificate(chromiumCertificate(DIGINOTAR_ROOT))] };
    expect(a.analyze(withDigiNotar).level).toBe("blocked");
    // Same length, one certificate swapped: still a different chain.
    const swapped: SecurityInfo = {
      ...clean,
      certificates: [clean.certificates[0], clean.certificates[1], await firefoxCertificate(chromiumCertificate(DIGINOTAR_ROOT))],
    };
    expect(a.analyze(swapped).level).toBe("blocked");
    expect(a.analyze(clean).level).not.toBe("blocked");
    // A shorter chain that starts like the judged one (the server left the root out) is its own chain.
    const withoutRoot: SecurityInfo = { ...clean, certificates: clean.certificates.slice(0, 2) };
    expect(a.analyze(withoutRoot).chain).toHaveLength(2);
  });

  test("the same certificates whose root is no longer a Firefox built-in are judged again", async () => {
    const pki = await makePki();
    const a = analyzer();
    const builtIn = await securityInfo(pki, { builtInRoot: true });
    expect(ruleIds(a.analyze(builtIn).findings)).not.toContain("non-built-in-root");
    const installed = await securityInfo(pki);
    expect(ruleIds(a.analyze(installed).findings)).toContain("non-built-in-root");
    expect(a.needsRawDer(installed)).toBe(false);
  });

  test("an overridden certificate error is part of the chain's identity; an empty category is none", async () => {
    const pki = await makePki();
    const a = analyzer();
    const info = await securityInfo(pki, { builtInRoot: true });
    expect(ruleIds(a.analyze(info).findings)).not.toContain("certificate-error-overridden");
    expect(ruleIds(a.analyze({ ...info, overridableErrorCategory: "domain-mismatch" }).findings)).toContain("certificate-error-overridden");
    expect(ruleIds(a.analyze({ ...info, overridableErrorCategory: "" }).findings)).not.toContain("certificate-error-overridden");
  });

  test("a clock set back before a certificate's start is not answered from a later verdict", async () => {
    const pki = await makePki();
    const info = await securityInfo(pki, { builtInRoot: true });
    const a = analyzer();
    const start = info.certificates[0].validity.start;
    expect(ruleIds(a.analyze(info, start + 60_000).findings)).not.toContain("not-yet-valid");
    expect(ruleIds(a.analyze(info, start - 60_000).findings)).toContain("not-yet-valid");
  });

  test("a verdict given in a certificate's last millisecond is not reused once it has expired", async () => {
    // Expired means past the end (rules/expired.ts): the end itself is still valid, the next millisecond is not.
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const end = info.certificates[0].validity.end;
    const a = analyzer();
    expect(ruleIds(a.analyze(info, end).findings)).not.toContain("expired");
    expect(ruleIds(a.analyze(info, end + 1).findings)).toContain("expired");
    // And the other way, a clock set back to the last valid millisecond.
    const b = analyzer();
    expect(ruleIds(b.analyze(info, end + 1).findings)).toContain("expired");
    expect(ruleIds(b.analyze(info, end).findings)).not.toContain("expired");
  });

  test("a verdict given the millisecond before a certificate's start is not reused once it has started", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const a = analyzer();
    const start = info.certificates[0].validity.start;
    expect(ruleIds(a.analyze(info, start - 1).findings)).toContain("not-yet-valid");
    expect(ruleIds(a.analyze(info, start).findings)).not.toContain("not-yet-valid");
  });

  test("a chain with a broken entry is never answered from the cache or said to need no bytes", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const broken = { ...info, certificates: [...info.certificates.slice(0, 2), null] } as unknown as SecurityInfo;
    const a = analyzer();
    expect(a.needsRawDer(broken)).toBe(true);
    const first = a.analyze(broken);
    expect(a.analyze(broken)).not.toBe(first);
  });
});

describe("the verdict cache keeps a few chains per leaf", () => {
  test("a leaf served with several chains keeps a verdict for each of the last four", async () => {
    const pki = await makePki();
    const [leaf, intermediate, root] = (await securityInfo(pki)).certificates;
    const chains = [[leaf], [leaf, intermediate], [leaf, intermediate, root], [leaf, root], (await securityInfo(pki, { builtInRoot: true })).certificates].map(
      (certificates): SecurityInfo => ({ state: "secure", certificates }),
    );
    const a = analyzer();
    const first = chains.slice(0, 4).map((info) => a.analyze(info));
    chains.slice(0, 4).forEach((info, i) => expect(a.analyze(info)).toBe(first[i]));
    // A fifth pushes out the oldest.
    a.analyze(chains[4]);
    expect(a.analyze(chains[3])).toBe(first[3]);
    expect(a.analyze(chains[0])).not.toBe(first[0]);
  });

  test("a chain judged again once its time window has passed replaces its old verdict, keeping the leaf's other chain", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const other: SecurityInfo = { ...info, certificates: info.certificates.slice(0, 2) };
    const { start, end } = info.certificates[0].validity;
    const now = Date.now();
    const a = analyzer();
    const kept = a.analyze(other, now);
    // Before, during and after the leaf's validity: each a new verdict for the same chain.
    for (const time of [now, end + 1, start - 1, now]) a.analyze(info, time);
    expect(a.analyze(other, now)).toBe(kept);
  });
});

describe("whether a chain's bytes are worth fetching", () => {
  test("a response without certificates needs none", () => {
    const a = analyzer();
    for (const info of [undefined, { state: "insecure" }, { state: "secure", certificates: [] }] as (SecurityInfo | undefined)[]) {
      expect(a.needsRawDer(info)).toBe(false);
    }
  });

  test("a chain whose verdict is cached needs none, even once its certificates' facts have left their cache", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const a = new ChainAnalyzer(bundledIndex, NO_LISTS, { certificateCacheSize: 1 });
    const first = a.analyze(info);
    expect(a.needsRawDer(info)).toBe(false);
    const withoutDer: SecurityInfo = { ...info, certificates: info.certificates.map(({ rawDER: _, ...c }) => c) };
    expect(a.analyze(withoutDer)).toBe(first);
  });

  test("a broken entry, first or behind a leaf already judged, needs the bytes and is judged, not thrown", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const [leaf, intermediate, root] = info.certificates;
    const a = analyzer();
    a.analyze(info);
    for (const broken of [null, {}]) {
      for (const certificates of [
        [broken, intermediate, root],
        [leaf, broken, root],
      ]) {
        const chain = { ...info, certificates } as unknown as SecurityInfo;
        const index = certificates.indexOf(broken);
        expect(a.needsRawDer(chain)).toBe(true);
        expect(a.analyze(chain).findings).toContainEqual(expect.objectContaining({ ruleId: "analysis-error", certIndex: index }));
      }
    }
  });
});

describe("a certificate entry Firefox gave in an unexpected shape", () => {
  test("is an analysis error naming every missing field; its chain entry shows what it holds", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const entry = info.certificates[1] as unknown as Record<string, unknown>;
    entry.fingerprint = { sha256: info.certificates[1].fingerprint.sha256, sha1: 42 };
    entry.validity = { start: "yesterday" };
    entry.subjectPublicKeyInfoDigest = {};
    entry.serialNumber = undefined;
    entry.issuer = { not: "a string" };
    entry.isBuiltInRoot = "yes";
    const verdict = analyzer().analyze(info);
    const error = verdict.findings.find((f) => f.ruleId === "analysis-error")!;
    expect(error).toMatchObject({ certIndex: 1, severity: "warning", title: "Analysis error" });
    expect(error.explanation).toContain("missing fingerprint.sha1, subjectPublicKeyInfoDigest.sha256, serialNumber, validity.start, validity.end");
    expect(error.explanation).toMatch(/In block mode such a response is stopped/);
    expect(error.reference).toMatch(/getSecurityInfo/);
    expect(verdict.chain[1]).toEqual({
      index: 1,
      role: "intermediate",
      subject: info.certificates[1].subject,
      issuer: "",
      sha256: info.certificates[1].fingerprint.sha256,
      sha1: "",
      spkiSha256: "",
      serialNumber: "",
      validity: { start: 0, end: 0 },
      isBuiltInRoot: false,
      known: false,
      allowlisted: false,
      flags: ["analysis-error"],
    });
    // The others are still analysed and shown as they are.
    expect(verdict.chain[0]).toMatchObject({ role: "leaf", sha1: info.certificates[0].fingerprint.sha1, serialNumber: info.certificates[0].serialNumber });
    expect(verdict.chain[2]).toMatchObject({ role: "root", isBuiltInRoot: true, validity: info.certificates[2].validity });
  });

  test("an entry that is not an object at all still has its place in the chain", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const verdict = analyzer().analyze({ ...info, certificates: [info.certificates[0], "junk", info.certificates[2]] } as unknown as SecurityInfo);
    expect(verdict.chain.map((c) => c.role)).toEqual(["leaf", "intermediate", "root"]);
    expect(verdict.chain[1]).toMatchObject({ subject: "", sha256: "", validity: { start: 0, end: 0 }, flags: ["analysis-error"] });
    expect(verdict.findings.find((f) => f.ruleId === "analysis-error")?.certIndex).toBe(1);
  });

  test("its entry keeps only its own flags, Firefox's built-in mark and its finite times", async () => {
    const pki = await makePki();
    const broken = (c: object, change: object) => ({ ...c, ...change }) as unknown as SecurityInfo["certificates"][number];
    const installed = await securityInfo(pki);
    const [leaf, intermediate, root] = installed.certificates;
    installed.certificates = [leaf, broken(intermediate, { serialNumber: null, validity: { start: Number.NaN, end: Infinity } }), root];
    const verdict = analyzer().analyze(installed);
    expect(verdict.findings).toContainEqual(expect.objectContaining({ ruleId: "non-built-in-root", certIndex: 2 }));
    expect(verdict.chain[1]).toMatchObject({ validity: { start: 0, end: 0 }, isBuiltInRoot: false, flags: ["analysis-error"] });

    const builtIn = await securityInfo(pki, { builtInRoot: true });
    const builtInRoot = builtIn.certificates[2];
    builtIn.certificates[2] = broken(builtInRoot, { fingerprint: { sha256: builtInRoot.fingerprint.sha256 } });
    expect(analyzer().analyze(builtIn).chain[2]).toMatchObject({ validity: builtInRoot.validity, isBuiltInRoot: true, flags: ["analysis-error"] });
  });

  test("an entry that is null, or lacks whole objects, is reported by the fields it lacks", async () => {
    const info = await securityInfo(await makePki(), { builtInRoot: true });
    const { fingerprint, serialNumber } = info.certificates[1];
    const explanations = (entry: unknown) =>
      analyzer()
        .analyze({ ...info, certificates: [info.certificates[0], entry, info.certificates[2]] } as unknown as SecurityInfo)
        .findings.filter((f) => f.ruleId === "analysis-error")
        .map((f) => f.explanation);
    expect(explanations(null)).toEqual([
      expect.stringContaining(
        "certificate 1 could not be analysed (missing fingerprint.sha256, fingerprint.sha1, subjectPublicKeyInfoDigest.sha256, serialNumber, validity.start, validity.end)",
      ),
    ]);
    expect(explanations({ fingerprint, serialNumber })).toEqual([
      expect.stringContaining("(missing subjectPublicKeyInfoDigest.sha256, validity.start, validity.end)"),
    ]);
  });

  test("a response that could not be judged at all: one warning, no certificates, the error cut at 300 characters", () => {
    const verdict = failedVerdict("the listener failed", new Error("x".repeat(1000)), "v1", 1234);
    expect(verdict).toMatchObject({ level: "warning", chain: [], blocklistVersion: "v1", analyzedAt: 1234 });
    expect(verdict.findings).toHaveLength(1);
    expect(verdict.findings[0]).toMatchObject({ ruleId: "analysis-error", certIndex: null, title: "Analysis error" });
    expect(verdict.findings[0].explanation).toContain(`the listener failed (${"x".repeat(300)})`);
    expect(verdict.findings[0].explanation).not.toContain("x".repeat(301));
    expect(failedVerdict("w", "plain text", "v1", 0).findings[0].explanation).toContain("w (plain text)");
  });
});
