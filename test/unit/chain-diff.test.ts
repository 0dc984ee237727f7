import {
  caChainKey,
  chainChangedTitle,
  diffChains,
  isCaChainKey,
  isChainChange,
  isChainSummary,
  MAX_CHAIN_CERTIFICATES,
  MAX_SUMMARY_FIELD_CHARS,
  MAX_SUMMARY_NAME_CHARS,
  NEAR_EXPIRY_MS,
  summarizeChain,
  type CertificateSummary,
  type HintId,
} from "../../src/chainDiff";
import type { ChainCertificate } from "../../src/verdict";
import { issue } from "../../scripts/pki";
import { analyzer, makePki, securityInfo } from "./support/chains";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const hintIds = (before: CertificateSummary[] | null, after: CertificateSummary[], at = NOW): HintId[] =>
  diffChains({ before, after }, at)
    .hints.map((h) => h.id)
    .sort();

/** A real chain (leaf → intermediate → root) summarised as the history keeps it. */
async function summarised(overrides: Parameters<typeof makePki>[0] = {}, builtInRoot = true, known = false) {
  const pki = await makePki(overrides);
  const chain = summarizeChain(analyzer().analyze(await securityInfo(pki, { builtInRoot })).chain);
  return { pki, chain: chain.map((c) => ({ ...c, known: c.role === "intermediate" ? known : c.known })) };
}

test("a summary keeps Firefox's values of each certificate and cuts server-chosen strings to their bound", async () => {
  const { chain } = await summarised();
  const verdictChain = analyzer().analyze(await securityInfo(await makePki())).chain;
  const long: ChainCertificate = {
    ...verdictChain[0],
    subject: `CN=${"a".repeat(10_000)}`,
    issuer: "O=\u202e".repeat(5_000),
    serialNumber: "AB:".repeat(1_000),
  };
  const [cut] = summarizeChain([long]);
  expect(cut.subject).toHaveLength(MAX_SUMMARY_NAME_CHARS);
  expect(cut.subject.endsWith("…")).toBe(true);
  expect(cut.issuer.length).toBeLessThanOrEqual(MAX_SUMMARY_NAME_CHARS);
  expect(cut.serialNumber.length).toBeLessThanOrEqual(MAX_SUMMARY_FIELD_CHARS);
  expect(cut.sha256).toBe(long.sha256); // Firefox's own fixed-length strings are kept whole
  expect(chain.map((c) => c.role)).toEqual(["leaf", "intermediate", "root"]);
  expect(chain[2].isBuiltInRoot).toBe(true);
  expect(Object.keys(chain[0]).sort()).toEqual([
    "isBuiltInRoot",
    "issuer",
    "known",
    "role",
    "serialNumber",
    "sha1",
    "sha256",
    "spkiSha256",
    "subject",
    "validity",
  ]);

  // The largest chain Firefox builds, every string at its bound: what the history's storage estimate assumes.
  const worst = summarizeChain(Array.from({ length: MAX_CHAIN_CERTIFICATES }, (_, index) => ({ ...long, index, issuer: long.subject, sha1: "F".repeat(500) })));
  expect(JSON.stringify(worst).length).toBeLessThan(7.5 * 1024);
  expect(isChainSummary(worst)).toBe(true);
});

test("summaries read back from storage are checked: shape, bounds, chain length", async () => {
  const { chain } = await summarised();
  expect(isChainSummary(chain)).toBe(true);
  expect(isChainSummary(JSON.parse(JSON.stringify(chain)))).toBe(true);
  for (const bad of [
    [],
    "AB:CD",
    [{ ...chain[0], role: "boss" }],
    [{ ...chain[0], subject: "x".repeat(MAX_SUMMARY_NAME_CHARS + 1) }],
    [{ ...chain[0], sha256: 7 }],
    [{ ...chain[0], validity: { start: 0 } }],
    [{ ...chain[0], known: "yes" }],
    [null],
    Array.from({ length: MAX_CHAIN_CERTIFICATES + 1 }, () => chain[1]),
  ]) {
    expect(isChainSummary(bad)).toBe(false);
  }
  expect(isChainChange({ before: null, after: chain })).toBe(true);
  expect(isChainChange({ before: chain, after: chain })).toBe(true);
  expect(isChainChange({ before: "old", after: chain })).toBe(false);
  expect(isChainChange({ before: null })).toBe(false);
});

test("the CA key and the title name the CA part only", async () => {
  const { chain } = await summarised();
  expect(caChainKey(chain)).toBe(`${chain[1].sha256}|${chain[2].sha256}`);
  expect(caChainKey([{ ...chain[0], sha256: "other leaf" }, ...chain.slice(1)])).toBe(caChainKey(chain));
  expect(chainChangedTitle("a.test:8443", chain)).toBe(`The CA chain for a.test:8443 changed: now issued by ${chain[1].subject}`);
});

test("isCaChainKey tells a chain's CA key as comparing with caChainKey would, without building it", async () => {
  const { chain } = await summarised();
  const { chain: other } = await summarised();
  const cut = (s: string) => s.slice(0, -1);
  const chains = [
    chain,
    [{ ...chain[0], sha256: "other leaf" }, ...chain.slice(1)],
    [chain[0], other[1], chain[2]],
    [chain[0], chain[1]],
    [chain[0], chain[1], chain[2], chain[2]],
    [chain[0], { ...chain[1], sha256: cut(chain[1].sha256) }, chain[2]],
    [chain[0], { ...chain[1], sha256: `${chain[1].sha256}|${chain[2].sha256}` }],
    [chain[0]],
    [],
  ];
  for (const a of chains) for (const b of chains) expect(isCaChainKey(caChainKey(a), b)).toBe(caChainKey(a) === caChainKey(b));
  expect(isCaChainKey(`${caChainKey(chain)}|`, chain)).toBe(false);
});

test("rows pair leaf with leaf, intermediates in order and root with root, marking the fields that differ", async () => {
  const { chain: before } = await summarised();
  const renewed = [
    { ...before[0], sha256: "NEW LEAF", sha1: "NEW SHA1", serialNumber: "01", validity: { start: NOW, end: NOW + 90 * DAY } },
    ...before.slice(1),
  ];
  const { chain: other } = await summarised();
  // One more intermediate in the new chain: the root still pairs with the root.
  const after = [renewed[0], other[1], { ...other[1], sha256: "SECOND" }, other[2]];
  const { rows } = diffChains({ before, after }, NOW);
  expect(rows.map((r) => [r.role, r.position])).toEqual([
    ["leaf", 0],
    ["intermediate", 1],
    ["intermediate", 2],
    ["root", 0],
  ]);
  expect(rows[0].changed.sort()).toEqual(["serialNumber", "sha1", "sha256", "validity"]);
  // Both test PKIs name their intermediate alike: the same name, another key.
  expect(rows[1].changed).toEqual(expect.arrayContaining(["spkiSha256", "sha256", "sha1"]));
  expect(rows[1].changed).not.toContain("subject");
  expect(rows[2]).toMatchObject({ before: null, after: after[2] });
  expect(rows[2].changed).toHaveLength(7);
  expect(rows[3].before).toBe(before[2]);
  expect(rows[3].after).toBe(other[2]);

  const same = diffChains({ before, after: before }, NOW);
  expect(same.rows.every((r) => r.changed.length === 0)).toBe(true);
});

test("hints: a renewal of a leaf near its end, with the same key and the same issuer", async () => {
  const { pki, chain: before } = await summarised({ leaf: { notBefore: new Date(NOW - 80 * DAY), notAfter: new Date(NOW + 10 * DAY) } }, true, true);
  const leaf = await issue({ subject: "CN=localhost", issuer: pki.intermediate, hosts: ["localhost"], keys: pki.leaf.keys });
  const after = summarizeChain(analyzer().analyze(await securityInfo({ ...pki, leaf }, { builtInRoot: true })).chain).map((c) => ({
    ...c,
    known: c.known || c.role === "intermediate",
  }));
  expect(hintIds(before, after)).toEqual(["old-leaf-expiring", "same-issuer", "same-leaf-key"]);
  const { hints } = diffChains({ before, after }, NOW);
  expect(hints.find((h) => h.id === "same-issuer")).toMatchObject({ tone: "info", text: expect.stringMatching(/same key/) });
  expect(hints.find((h) => h.id === "old-leaf-expiring")!.text).toContain(new Date(before[0].validity.end).toISOString().slice(0, 10));

  // The same change seen earlier, long before the old leaf's end: no renewal hint.
  expect(hintIds(before, after, before[0].validity.end - NEAR_EXPIRY_MS - DAY)).toEqual(["same-issuer", "same-leaf-key"]);
  // Seen after the old leaf expired: said so.
  const late = diffChains({ before, after }, before[0].validity.end + DAY).hints.find((h) => h.id === "old-leaf-expiring");
  expect(late?.text).toMatch(/had expired/);
});

test("hints: a new chain to a root Firefox does not ship, through an unknown intermediate, is flagged first", async () => {
  const { chain: before } = await summarised({ leaf: { notAfter: new Date(NOW + 200 * DAY) } }, true, true);
  const { chain: after } = await summarised({ leaf: { subject: "CN=localhost" } }, false, false);
  const { hints } = diffChains({ before, after }, NOW);
  expect(hints.map((h) => [h.id, h.tone])).toEqual([
    ["root-not-built-in", "warning"],
    ["unknown-issuer", "warning"],
    // Both leaves name "CN=Test Intermediate,…", yet the issuers' keys differ: a name taken over.
    ["same-issuer", "warning"],
  ]);
  expect(hints[0].text).toContain(after[2].subject);
  expect(hints[0].text).toMatch(/The old root was built in/);
  expect(hints[1].text).toContain(after[1].subject);

  // A known intermediate, or one already in the old chain, is not "unknown".
  expect(
    hintIds(
      before,
      after.map((c) => ({ ...c, known: true })),
    ),
  ).not.toContain("unknown-issuer");
  expect(hintIds([before[0], after[1], before[2]], after)).not.toContain("unknown-issuer");
});

test("without the old chain's details (stored by an older version), only the new chain's hints are given", async () => {
  const { chain: after } = await summarised({}, false, false);
  const diff = diffChains({ before: null, after }, NOW);
  expect(diff.hints.map((h) => h.id)).toEqual(["root-not-built-in", "unknown-issuer"]);
  expect(diff.hints[0].text).not.toMatch(/old root/);
  expect(diff.rows.map((r) => r.before)).toEqual([null, null, null]);
  expect(diff.rows.map((r) => r.after)).toEqual(after);
});

describe("bounds and shapes read back", () => {
  test("a name at its bound is kept whole; one character more is cut", async () => {
    const verdictChain = analyzer().analyze(await securityInfo(await makePki())).chain;
    const atBound = `CN=${"a".repeat(MAX_SUMMARY_NAME_CHARS - 3)}`;
    const [kept, cut] = summarizeChain([
      { ...verdictChain[0], subject: atBound },
      { ...verdictChain[0], subject: `${atBound}b` },
    ]);
    expect(kept.subject).toBe(atBound);
    expect(cut.subject).toBe(`${atBound.slice(0, -1)}…`);
  });

  test("every certificate of a summary is checked, each string field for its type and bound", async () => {
    const { chain } = await summarised();
    for (const bad of [
      { ...chain[1], subject: ["CN=an array"] },
      { ...chain[1], sha256: ["AB"] },
      { ...chain[1], serialNumber: "0".repeat(MAX_SUMMARY_FIELD_CHARS + 1) },
      { ...chain[1], validity: null },
      { ...chain[1], isBuiltInRoot: "no" },
    ]) {
      // The bad certificate second: a check of the first alone would pass.
      expect(isChainSummary([chain[0], bad, chain[2]])).toBe(false);
    }
    expect(isChainSummary([chain[0], { ...chain[1], serialNumber: "0".repeat(MAX_SUMMARY_FIELD_CHARS) }, chain[2]])).toBe(true);
  });

  test("a change that is not an object is refused", () => {
    expect(isChainChange(null)).toBe(false);
    expect(isChainChange(undefined)).toBe(false);
  });

  test("a new chain of one certificate (a self-signed site certificate) is titled as having no issuer", async () => {
    const { chain } = await summarised();
    expect(chainChangedTitle("a.test", [chain[0]])).toBe("The CA chain for a.test changed: now issued by (no issuer)");
  });
});

describe("rows and hints at their edges", () => {
  test("validity counts as changed when either its start or its end differs, not when equal values are other copies", async () => {
    const { chain: before } = await summarised();
    const { validity } = before[1];
    const after = [
      before[0],
      { ...before[1], validity: { start: validity.start + 1000, end: validity.end } },
      { ...before[2], validity: { start: before[2].validity.start, end: before[2].validity.end + 1000 } },
    ];
    const { rows } = diffChains({ before, after }, NOW);
    expect(rows.map((r) => r.changed)).toEqual([[], ["validity"], ["validity"]]);
    // Read back from storage: equal values, other objects.
    expect(diffChains({ before, after: JSON.parse(JSON.stringify(before)) }, NOW).rows.map((r) => r.changed)).toEqual([[], [], []]);
  });

  test("chains of one certificate have no root row", async () => {
    const { chain } = await summarised();
    const { chain: other } = await summarised();
    expect(diffChains({ before: [chain[0]], after: [other[0]] }, NOW).rows.map((r) => r.role)).toEqual(["leaf"]);
  });

  test("the renewal hints' exact words, and the bounds of 'expired' and 'within 30 days'", async () => {
    // The old leaf ends on 2026-12-11, ten days after NOW; the new one has the same key and issuer.
    const { pki, chain: before } = await summarised({ leaf: { notAfter: new Date(NOW + 10 * DAY) } }, true, true);
    const leaf = await issue({ subject: "CN=localhost", issuer: pki.intermediate, hosts: ["localhost"], keys: pki.leaf.keys });
    const after = summarizeChain(analyzer().analyze(await securityInfo({ ...pki, leaf }, { builtInRoot: true })).chain).map((c) => ({ ...c, known: true }));
    const end = before[0].validity.end;
    const hint = (at: number, id: HintId) => diffChains({ before, after }, at).hints.find((h) => h.id === id);
    expect(hint(NOW, "old-leaf-expiring")).toEqual({
      id: "old-leaf-expiring",
      tone: "info",
      text: "The old site certificate was due to expire on 2026-12-11, within 30 days of the change: a routine renewal is likely.",
    });
    expect(hint(end - NEAR_EXPIRY_MS, "old-leaf-expiring")?.text).toMatch(/^The old site certificate was due to expire on 2026-12-11/);
    expect(hint(end - NEAR_EXPIRY_MS - 1, "old-leaf-expiring")).toBeUndefined();
    expect(hint(end, "old-leaf-expiring")).toEqual({
      id: "old-leaf-expiring",
      tone: "info",
      text: "The old site certificate had expired (2026-12-11) when the chain changed: a routine renewal is likely.",
    });
    expect(hint(NOW, "same-leaf-key")).toEqual({
      id: "same-leaf-key",
      tone: "info",
      text: "The new site certificate has the same key (SPKI) as the old one: the site had its key certified again.",
    });
  });

  test("hints about the issuer: another issuer name gives none; an issuer whose key cannot be compared is a warning", async () => {
    const { chain: before } = await summarised({}, true, true);
    const { chain: renamed } = await summarised({ intermediate: { subject: "CN=Other Intermediate,O=Chain Sentry Tests" } }, true, true);
    expect(hintIds(before, renamed)).not.toContain("same-issuer");

    // A lone certificate naming the old issuer (both test PKIs name their intermediate alike): no issuer key to compare.
    const { chain: other } = await summarised({}, true, true);
    expect(diffChains({ before, after: [other[0]] }, NOW).hints.find((h) => h.id === "same-issuer")).toEqual({
      id: "same-issuer",
      tone: "warning",
      text: "The new site certificate names the same issuer as the old one, but the issuer's key differs: the CA may have a new key, or another certificate took its name.",
    });
    expect(diffChains({ before: [before[0]], after: other }, NOW).hints.find((h) => h.id === "same-issuer")?.tone).toBe("warning");
  });

  test("warnings come before information, whatever order they were found in", async () => {
    // Found in this order: the new root not built in (a warning), the renewal hints (information), then a new
    // intermediate key under the old name (a warning).
    const pki = await makePki({ leaf: { notAfter: new Date(NOW + 10 * DAY) } });
    const other = await makePki();
    const leaf = await issue({ subject: "CN=localhost", issuer: other.intermediate, hosts: ["localhost"], keys: pki.leaf.keys });
    const summary = async (p: typeof pki, builtInRoot: boolean) =>
      summarizeChain(analyzer().analyze(await securityInfo(p, { builtInRoot })).chain).map((c) => ({ ...c, known: true }));
    const { hints } = diffChains({ before: await summary(pki, true), after: await summary({ ...other, leaf }, false) }, NOW);
    expect(hints.map((h) => [h.id, h.tone])).toEqual([
      ["root-not-built-in", "warning"],
      ["same-issuer", "warning"],
      ["old-leaf-expiring", "info"],
      ["same-leaf-key", "info"],
    ]);
  });

  test("a new root not built in, when the old one was not either, is flagged without mention of the old root", async () => {
    const { chain: before } = await summarised({}, false, true);
    const { chain: after } = await summarised({}, false, true);
    expect(diffChains({ before, after }, NOW).hints.find((h) => h.id === "root-not-built-in")?.text).toBe(
      `The new root "${after[2].subject}" is not built into Firefox: it was added by an organisation or a user, as TLS interception requires.`,
    );
  });
});
