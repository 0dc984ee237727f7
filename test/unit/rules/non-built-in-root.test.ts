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
