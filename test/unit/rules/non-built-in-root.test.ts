import type { Verdict } from "../../../src/verdict";
import { parseList } from "../../../src/settings";
import { analyzer, makePki, securityInfo } from "../support/chains";

const roots = (v: Verdict) => v.findings.filter((f) => f.ruleId === "non-built-in-root");

test("a root Firefox does not ship is a warning about interception naming the root", async () => {
  const [finding] = roots(analyzer().analyze(await securityInfo(await makePki())));
  expect(finding).toMatchObject({ severity: "warning", certIndex: 2 });
  expect(finding.explanation).toMatch(/Test Root.*intercept/);
});

test("a built-in root is fine", async () => {
  expect(roots(analyzer().analyze(await securityInfo(await makePki(), { builtInRoot: true })))).toEqual([]);
});

test("an allowlisted enterprise root (by certificate SHA-256, pasted with colons) is silenced", async () => {
  const info = await securityInfo(await makePki());
  const allow = parseList([{ sha256: info.certificates[2].fingerprint.sha256, label: "Corp inspection CA" }], "allowlist", "policy");
  const verdict = analyzer({ allowlist: allow.entries, blocklist: [] }).analyze(info);
  expect(roots(verdict)).toEqual([]);
  expect(verdict.chain[2].allowlisted).toBe(true);
});

test("the warning names the root and says what its holder can do and how to silence it", async () => {
  const [finding] = roots(analyzer().analyze(await securityInfo(await makePki())));
  expect(finding.explanation).toBe(
    'The chain ends at "Test Root", a root that Firefox does not ship; it was installed on this browser or system. ' +
      "Whoever holds its key can intercept this connection. If it is your organisation's inspection CA, allowlist it.",
  );
});

test("a root entry Firefox gave without its fields is not judged, and the certificate before it is not taken for the root", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  const root = info.certificates[2];
  info.certificates[2] = { ...root, fingerprint: { sha256: root.fingerprint.sha256 } } as unknown as typeof root;
  const verdict = analyzer().analyze(info);
  expect(roots(verdict)).toEqual([]);
  expect(verdict.findings).toContainEqual(expect.objectContaining({ ruleId: "analysis-error", certIndex: 2 }));
});
