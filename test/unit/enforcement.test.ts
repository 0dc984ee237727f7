import { issue } from "../../scripts/pki"; // first: it loads the Reflect polyfill @peculiar/x509 needs
import { Name } from "@peculiar/x509";
import { blockedCertificate, stopExplanation, stopReason } from "../../src/enforcement";
import type { SecurityInfo } from "../../src/securityInfo";
import { parseList } from "../../src/settings";
import { analyzer, bundledIndex, firefoxCertificate, makePki, securityInfo } from "./support/chains";

const block = { mode: "block" as const, blockUnverifiableChains: false };
const warn = { mode: "warn" as const, blockUnverifiableChains: true };

test("block mode stops a blocked chain; warn mode stops nothing", async () => {
  const info = await securityInfo(await makePki());
  const a = analyzer();
  a.setLists({ allowlist: [], blocklist: parseList([{ sha256: info.certificates[1].fingerprint.sha256 }], "blocklist", "policy").entries });
  const verdict = a.analyze(info);
  expect(stopReason(verdict, block)).toBe("blocked");
  expect(stopReason(verdict, warn)).toBeNull();
});

test("a chain that is only a warning passes block mode", async () => {
  const verdict = analyzer().analyze(await securityInfo(await makePki()));
  expect(verdict.level).toBe("warning");
  expect(stopReason(verdict, block)).toBeNull();
});

test("a certificate that could not be analysed makes the chain undecided, and the reason names that, not another warning", async () => {
  const info = await securityInfo(await makePki());
  info.certificates[1] = { ...info.certificates[1], serialNumber: undefined as never };
  const verdict = analyzer().analyze(info);
  // The chain also draws ordinary warnings (a non-built-in root, a dynamic intermediate).
  expect(verdict.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(["analysis-error", "non-built-in-root"]));
  expect(stopReason(verdict, block)).toBe("undecided");
  expect(stopExplanation(verdict, "undecided")).toMatch(/could not finish checking this chain: certificate 1 could not be analysed \(missing serialNumber\)/);
  expect(stopReason(verdict, warn)).toBeNull();
});

test("bytes that do not parse make the chain undecided in block mode", async () => {
  const info = await securityInfo(await makePki());
  info.certificates[0].rawDER = [0x30, 0x03, 0x02, 0x01];
  expect(stopReason(analyzer().analyze(info), block)).toBe("undecided");
});

test("an overridden certificate error stops only when the policy asks for it", async () => {
  const info: SecurityInfo = { ...(await securityInfo(await makePki())), overridableErrorCategory: "domain_mismatch", certificates: [] };
  const verdict = analyzer().analyze(info);
  expect(stopReason(verdict, block)).toBeNull();
  expect(stopReason(verdict, { ...block, blockUnverifiableChains: true })).toBe("unverifiable");
  expect(stopExplanation(verdict, "unverifiable")).toMatch(/not valid for this site's name/);
});

test("an ordinary warning passes block mode even when unverifiable chains are stopped", async () => {
  const verdict = analyzer().analyze(await securityInfo(await makePki()));
  expect(verdict.level).toBe("warning");
  expect(stopReason(verdict, { ...block, blockUnverifiableChains: true })).toBeNull();
});

describe("what the block page says", () => {
  test("a blocked chain: the explanation of the blocklist match, and the certificate it names", async () => {
    const info = await securityInfo(await makePki());
    const listed = parseList([{ sha256: info.certificates[1].fingerprint.sha256, label: "Rogue CA" }], "blocklist", "policy").entries;
    const verdict = analyzer({ allowlist: [], blocklist: listed }).analyze(info);
    const blocked = verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
    // The chain's other warnings (a non-built-in root, a dynamic intermediate) are not the reason.
    expect(verdict.findings.length).toBeGreaterThan(1);
    expect(stopExplanation(verdict, "blocked")).toBe(blocked.explanation);
    expect(blockedCertificate(verdict)).toEqual({
      subject: info.certificates[1].subject,
      sha256: info.certificates[1].fingerprint.sha256,
      role: "intermediate",
      label: "Rogue CA",
      source: "policy",
      key: "sha256",
      keyLabel: "certificate SHA-256 fingerprint",
      incident: "Listed by your organisation's policy",
      reference: "",
    });
  });

  test("no certificate is named for a chain nothing enforced matched, not even one a disabled OneCRL record names", async () => {
    const entry = bundledIndex.entries.find((e) => e.issuerSerial && e.enforced === false)!;
    const issuer = await issue({ subject: new Name(Buffer.from(bundledIndex.names[entry.issuerSerial!.issuer], "base64")).toString() });
    const listed = await issue({ subject: "CN=listed.example", issuer, serial: entry.issuerSerial!.serial });
    const notice = analyzer().analyze({ state: "secure", certificates: [await firefoxCertificate(listed.der), await firefoxCertificate(issuer.der, true)] });
    expect(notice.findings.map((f) => f.ruleId)).toEqual(["listed-not-enforced"]);
    expect(blockedCertificate(notice)).toBeNull();
    expect(blockedCertificate(analyzer().analyze(await securityInfo(await makePki())))).toBeNull();
  });

  test("a reason with no finding behind it still says something", async () => {
    const verdict = analyzer().analyze(await securityInfo(await makePki(), { builtInRoot: true }));
    expect(stopExplanation(verdict, "undecided")).toBe("The chain could not be checked.");
  });
});
