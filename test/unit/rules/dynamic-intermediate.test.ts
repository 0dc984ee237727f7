import type { Verdict } from "../../../src/verdict";
import { parseList } from "../../../src/settings";
import { analyzer, makePki, securityInfo } from "../support/chains";

const dynamic = (v: Verdict) => v.findings.filter((f) => f.ruleId === "dynamic-intermediate");

test("under a non-built-in root an unknown intermediate is a warning that says the server supplied it", async () => {
  const [finding] = dynamic(analyzer().analyze(await securityInfo(await makePki())));
  expect(finding).toMatchObject({ severity: "warning", certIndex: 1 });
  expect(finding.title).toMatch(/supplied by the server/);
  expect(finding.explanation).toMatch(/Test Intermediate/);
});

test("under a built-in root it is only a notice, and says the snapshot may be older than the intermediate", async () => {
  const verdict = analyzer().analyze(await securityInfo(await makePki(), { builtInRoot: true }));
  expect(verdict.level).toBe("notice");
  const [finding] = dynamic(verdict);
  expect(finding).toMatchObject({ severity: "notice", certIndex: 1 });
  expect(finding.explanation).toMatch(/snapshot may predate/);
});

test("an intermediate in Mozilla's preloaded set is not flagged", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  const { bundledIndex } = await import("../support/chains");
  // Firefox reports the fingerprint; give the intermediate one that is in the bundled known set.
  const known = bundledIndex.knownIntermediates.sha256[0];
  info.certificates[1].fingerprint.sha256 = known.toUpperCase().match(/../g)!.join(":");
  expect(dynamic(analyzer().analyze(info))).toEqual([]);
  expect(analyzer().analyze(info).chain[1].known).toBe(true);
});

test("an allowlisted intermediate (by SPKI) is not flagged; leaves and roots never are", async () => {
  const pki = await makePki({ leaf: {} });
  const info = await securityInfo(pki);
  const allow = parseList([{ spkiSha256: info.certificates[1].subjectPublicKeyInfoDigest.sha256 }], "allowlist", "policy");
  expect(dynamic(analyzer({ allowlist: allow.entries, blocklist: [] }).analyze(info))).toEqual([]);
  const twoLong = { ...info, certificates: [info.certificates[0], info.certificates[2]] };
  expect(dynamic(analyzer().analyze(twoLong))).toEqual([]);
});

test("both forms say in full which intermediate it is, where it came from and what to make of it", async () => {
  const pki = await makePki();
  const [warning] = dynamic(analyzer().analyze(await securityInfo(pki)));
  expect(warning.title).toBe("Intermediate not known to Firefox's store, supplied by the server");
  expect(warning.explanation).toBe(
    'The intermediate "Test Intermediate" is not one of the intermediates Firefox knows, so the server supplied it during the handshake, ' +
      "and the chain ends at a root that Firefox does not ship. If this is not your organisation's own CA, treat the connection as intercepted.",
  );
  const [notice] = dynamic(analyzer().analyze(await securityInfo(pki, { builtInRoot: true })));
  expect(notice.title).toBe("Intermediate not in the bundled known store");
  expect(notice.explanation).toBe(
    "The intermediate \"Test Intermediate\" is not in Chain Sentry's snapshot of the intermediates Firefox knows (Mozilla's preloaded CCADB list), " +
      "so the server supplied it. It chains to a root Firefox ships, and the snapshot may predate a newly issued public intermediate, so this is only a notice.",
  );
});
