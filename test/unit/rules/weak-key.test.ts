import type { Verdict } from "../../../src/verdict";
import { analyzer, makePki, securityInfo } from "../support/chains";

const weak = (v: Verdict) => v.findings.filter((f) => f.ruleId === "weak-key");

test("a 1024-bit RSA leaf is a weak key, with its size in the title", async () => {
  const [finding] = weak(analyzer().analyze(await securityInfo(await makePki({ leaf: { key: { type: "RSA", bits: 1024 } } }), { builtInRoot: true })));
  expect(finding).toMatchObject({ certIndex: 0, title: "Weak key: RSA 1024 bits" });
});

test("2048-bit RSA and P-256/P-384 keys are fine", async () => {
  const pki = await makePki({ root: { key: { type: "EC", curve: "P-384" } }, leaf: { key: { type: "RSA", bits: 2048 } } });
  expect(weak(analyzer().analyze(await securityInfo(pki)))).toEqual([]);
});

test("the real Superfish root's 1024-bit key is reported", async () => {
  const { chromiumCertificate, firefoxCertificate, SUPERFISH_ROOT } = await import("../support/chains");
  const info = { state: "secure" as const, certificates: [await firefoxCertificate(chromiumCertificate(SUPERFISH_ROOT))] };
  expect(weak(analyzer().analyze(info))[0].title).toBe("Weak key: RSA 1024 bits");
});

test("the explanation names the certificate, its key and the minimum for its type", async () => {
  const pki = await makePki({ intermediate: { key: { type: "RSA", bits: 1024 } } });
  const [finding] = weak(analyzer().analyze(await securityInfo(pki, { builtInRoot: true })));
  expect(finding.certIndex).toBe(1);
  expect(finding.explanation).toBe('The intermediate certificate "Test Intermediate" has a RSA 1024 bits key, below the minimum of 2048 bits.');
});
