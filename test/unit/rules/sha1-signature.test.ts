import type { Verdict } from "../../../src/verdict";
import { analyzer, makePki, securityInfo } from "../support/chains";

const sha1 = (v: Verdict) => v.findings.filter((f) => f.ruleId === "sha1-signature");

test("a leaf signed with ECDSA-SHA1 is flagged, naming the algorithm", async () => {
  const [finding] = sha1(analyzer().analyze(await securityInfo(await makePki({ leaf: { hash: "SHA-1" } }), { builtInRoot: true })));
  expect(finding).toMatchObject({ severity: "warning", certIndex: 0, title: "Signed with ECDSA with SHA-1" });
});

test("an RSA intermediate signed with SHA-1 by an RSA root is flagged", async () => {
  const pki = await makePki({ root: { key: { type: "RSA", bits: 2048 } }, intermediate: { hash: "SHA-1" } });
  const [finding] = sha1(analyzer().analyze(await securityInfo(pki, { builtInRoot: true })));
  expect(finding).toMatchObject({ certIndex: 1, title: "Signed with SHA-1 with RSA" });
});

test("a SHA-1 self-signature on the root is not flagged, and SHA-256 chains are clean", async () => {
  expect(sha1(analyzer().analyze(await securityInfo(await makePki({ root: { hash: "SHA-1" } }))))).toEqual([]);
  expect(sha1(analyzer().analyze(await securityInfo(await makePki())))).toEqual([]);
});

test("the explanation names the certificate and its algorithm and says why that is unsafe", async () => {
  const [finding] = sha1(analyzer().analyze(await securityInfo(await makePki({ leaf: { hash: "SHA-1" } }), { builtInRoot: true })));
  expect(finding.explanation).toBe(
    'The site certificate "localhost" is signed with ECDSA with SHA-1. Collisions in this hash can be computed, so a forged certificate with the same signature is possible.',
  );
});
