import type { SecurityInfo } from "../../../src/securityInfo";
import { analyzer, makePki, securityInfo } from "../support/chains";

/**
 * What Firefox reports after the user added an exception: the error's category and no chain (ESR 153
 * sends no certificate at all; `kept` 1 is the leaf-only form SecurityInfo.sys.mjs's code suggests).
 */
async function overridden(category: string, kept = 0): Promise<SecurityInfo> {
  const info = await securityInfo(await makePki());
  return { ...info, overridableErrorCategory: category, isUntrusted: category === "trust_error", certificates: info.certificates.slice(0, kept) };
}

test("an overridden certificate error is a warning that says the intermediates were not checked", async () => {
  const verdict = analyzer().analyze(await overridden("trust_error"));
  const finding = verdict.findings.find((f) => f.ruleId === "certificate-error-overridden");
  expect(finding).toMatchObject({ severity: "warning", certIndex: null });
  expect(verdict.level).toBe("warning");
  const withLeaf = analyzer().analyze(await overridden("trust_error", 1));
  expect(withLeaf.findings.find((f) => f.ruleId === "certificate-error-overridden")).toMatchObject({ certIndex: 0 });
  expect(finding!.explanation).toMatch(/issuer is not trusted.*intermediates the server sent were not checked/);
  // The leaf is not a root: no interception warning about it.
  expect(withLeaf.findings.map((f) => f.ruleId)).not.toContain("non-built-in-root");
});

test("each category is said in words", async () => {
  for (const [category, words] of [
    ["domain_mismatch", /not valid for this site's name/],
    ["expired_or_not_yet_valid", /expired or not yet valid/],
  ] as const) {
    const finding = analyzer()
      .analyze(await overridden(category))
      .findings.find((f) => f.ruleId === "certificate-error-overridden");
    expect(finding!.explanation).toMatch(words);
  }
});

test("a normal connection has no such finding, and a cached verdict for the same leaf does not leak across", async () => {
  const a = analyzer();
  const info = await overridden("trust_error", 1);
  expect(a.analyze(info).findings.some((f) => f.ruleId === "certificate-error-overridden")).toBe(true);
  const plain: SecurityInfo = { ...info, overridableErrorCategory: undefined, isUntrusted: undefined };
  expect(a.analyze(plain).findings.some((f) => f.ruleId === "certificate-error-overridden")).toBe(false);
});

test("a category this version does not know is quoted as Firefox sent it, cut at 40 characters", async () => {
  const category = "a_category_from_a_later_firefox_release_with_a_long_name";
  const finding = analyzer()
    .analyze(await overridden(category))
    .findings.find((f) => f.ruleId === "certificate-error-overridden");
  expect(finding!.explanation).toBe(
    `Firefox would have refused this site's certificate (Firefox reported "${category.slice(0, 40)}"), but an exception was added for it. ` +
      "Firefox then reports no certificate chain, so the intermediates the server sent were not checked against the blocklist.",
  );
});
