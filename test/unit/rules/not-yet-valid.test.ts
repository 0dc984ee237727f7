import { analyzer, makePki, securityInfo } from "../support/chains";

test("an intermediate that only becomes valid next week is flagged with its start date", async () => {
  const notBefore = new Date(Date.now() + 7 * 86_400_000);
  const pki = await makePki({ intermediate: { notBefore, notAfter: new Date(Date.now() + 400 * 86_400_000) } });
  const finding = analyzer()
    .analyze(await securityInfo(pki, { builtInRoot: true }))
    .findings.find((f) => f.ruleId === "not-yet-valid");
  expect(finding).toMatchObject({ severity: "warning", certIndex: 1, title: "Intermediate certificate not yet valid" });
  expect(finding!.explanation).toContain(notBefore.toISOString().slice(0, 10));
});

test("a chain already valid is not flagged", async () => {
  const verdict = analyzer().analyze(await securityInfo(await makePki(), { builtInRoot: true }));
  expect(verdict.findings.some((f) => f.ruleId === "not-yet-valid")).toBe(false);
});

test("a certificate is valid from its notBefore second on, and its start is shown as a day", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  const start = info.certificates[0].validity.start;
  const leafNotYetValid = (now: number) =>
    analyzer()
      .analyze(info, now)
      .findings.filter((f) => f.ruleId === "not-yet-valid" && f.certIndex === 0);
  expect(leafNotYetValid(start)).toEqual([]);
  const [finding] = leafNotYetValid(start - 1);
  expect(finding.explanation).toMatch(/only becomes valid on \d{4}-\d{2}-\d{2}\.$/);
});
