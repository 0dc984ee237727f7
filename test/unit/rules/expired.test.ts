import { analyzer, makePki, securityInfo } from "../support/chains";

test("an expired leaf is flagged with its expiry date; a current chain is not", async () => {
  const notAfter = new Date(Date.now() - 3 * 86_400_000);
  const pki = await makePki({ leaf: { notBefore: new Date(Date.now() - 30 * 86_400_000), notAfter } });
  const verdict = analyzer().analyze(await securityInfo(pki, { builtInRoot: true }));
  const finding = verdict.findings.find((f) => f.ruleId === "expired");
  expect(finding).toMatchObject({ severity: "warning", certIndex: 0, title: "Expired site certificate" });
  expect(finding!.explanation).toContain(notAfter.toISOString().slice(0, 10));
  const fresh = analyzer().analyze(await securityInfo(await makePki(), { builtInRoot: true }));
  expect(fresh.findings.some((f) => f.ruleId === "expired")).toBe(false);
});

test("expiry is judged at the time given, not the wall clock", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  const later = info.certificates[1].validity.end + 1;
  const expired = analyzer()
    .analyze(info, later)
    .findings.filter((f) => f.ruleId === "expired");
  expect(expired.map((f) => f.certIndex)).toEqual([0, 1, 2]);
});

test("a certificate is valid through its notAfter second, expired the millisecond after; the date is shown as a day", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  const end = info.certificates[0].validity.end;
  const leafExpired = (now: number) =>
    analyzer()
      .analyze(info, now)
      .findings.filter((f) => f.ruleId === "expired" && f.certIndex === 0);
  expect(leafExpired(end)).toEqual([]);
  const [finding] = leafExpired(end + 1);
  expect(finding.explanation).toMatch(/expired on \d{4}-\d{2}-\d{2}\.$/);
});
