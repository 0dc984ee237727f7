import { analyzer, makePki, securityInfo } from "../support/chains";

test("bytes that are not a certificate are a finding naming the certificate and the problem", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  info.certificates[1].rawDER = [0x30, 0x82, 0xff, 0xff, 0x30];
  const verdict = analyzer().analyze(info);
  const finding = verdict.findings.find((f) => f.ruleId === "malformed-certificate");
  expect(finding).toMatchObject({ severity: "warning", certIndex: 1 });
  expect(finding!.explanation).toMatch(/Test Intermediate.*truncated/);
  expect(verdict.level).toBe("warning");
});

test("trailing bytes after a certificate are reported", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  info.certificates[0].rawDER = [...Array.from(info.certificates[0].rawDER!), 0, 0];
  const finding = analyzer()
    .analyze(info)
    .findings.find((f) => f.ruleId === "malformed-certificate");
  expect(finding!.explanation).toMatch(/2 trailing bytes/);
});

test("well-formed certificates give no finding", async () => {
  const verdict = analyzer().analyze(await securityInfo(await makePki(), { builtInRoot: true }));
  expect(verdict.findings.some((f) => f.ruleId === "malformed-certificate")).toBe(false);
});

test("the finding says which checks could not run", async () => {
  const info = await securityInfo(await makePki(), { builtInRoot: true });
  info.certificates[0].rawDER = [...Array.from(info.certificates[0].rawDER!), 0];
  const finding = analyzer()
    .analyze(info)
    .findings.find((f) => f.ruleId === "malformed-certificate");
  expect(finding!.explanation).toMatch(
    /^The site certificate "localhost" could not be read: .*1 trailing byte.*\. Its key size and signature algorithm were not checked\.$/,
  );
});
