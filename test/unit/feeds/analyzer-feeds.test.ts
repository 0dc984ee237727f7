/**
 * What a verified feed document does to verdicts, through the same analyzer the listener runs:
 * its SPKI entry blocks any certificate with that key (a re-issued intermediate included), its
 * known intermediates end the "dynamic intermediate" notice, and its allowlist can silence
 * notices but never a block.
 */
import { createHash } from "node:crypto";
import { generateFeedKeys, signFeed } from "../../../src/feeds/sign";
import { parseFeedKey } from "../../../src/feeds/keys";
import { verifyFeed } from "../../../src/feeds/verify";
import type { FeedDocument, FeedPayload } from "../../../src/feeds/model";
import { issue } from "../../../scripts/pki";
import { analyzer, makePki, ruleIds, securityInfo } from "../support/chains";
import { securityInfoFromDer } from "../../../src/securityInfoFromDer";

const hex = (data: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(data)).digest("hex");

async function verifiedDocument(payload: Omit<FeedPayload, "label" | "sequence" | "issuedAt" | "expiresAt">): Promise<FeedDocument> {
  const keys = await generateFeedKeys();
  const now = Date.now();
  const jws = await signFeed(
    { label: "Corp", sequence: 1, issuedAt: new Date(now - 1000).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString(), ...payload },
    keys.privateJwk,
  );
  const key = parseFeedKey(keys.publicJwk);
  if (!key.ok) throw new Error(key.error);
  const result = await verifyFeed(jws, key.value);
  if (!result.ok) throw new Error(result.message);
  return result.document;
}

test("an intermediate listed by SPKI is blocked, and so is a re-issued certificate with the same key; the finding names the feed", async () => {
  const pki = await makePki();
  const spki = hex(await crypto.subtle.exportKey("spki", pki.intermediate.keys.publicKey));
  const feed = await verifiedDocument({ blocklist: [{ spkiSha256: spki, label: "Leaked intermediate" }] });
  const reissued = await issue({ subject: "CN=Test Intermediate,O=Chain Sentry Tests", issuer: pki.root, ca: true, keys: pki.intermediate.keys });
  const leaf = await issue({ subject: "CN=localhost", issuer: reissued, hosts: ["localhost"] });
  expect(hex(reissued.der)).not.toBe(hex(pki.intermediate.der));

  const withFeed = analyzer({ blocklist: feed.blocklist, allowlist: [] });
  for (const info of [await securityInfo(pki), await securityInfoFromDer([leaf.der, reissued.der, pki.root.der])]) {
    const verdict = withFeed.analyze(info);
    expect(verdict.level).toBe("blocked");
    const blocked = verdict.findings.find((f) => f.ruleId === "blocked-certificate")!;
    expect(blocked.certIndex).toBe(1);
    expect(blocked.match).toMatchObject({
      source: "feed",
      key: "spkiSha256",
      label: "Leaked intermediate",
      incident: 'Listed by your organisation\'s signed feed "Corp" (sequence 1)',
    });
  }
  expect(analyzer().analyze(await securityInfo(pki)).level).not.toBe("blocked");
});

test("a feed's known intermediate ends the dynamic-intermediate notice; its allowlist cannot silence a block", async () => {
  const pki = await makePki();
  const info = await securityInfo(pki, { builtInRoot: true });
  expect(ruleIds(analyzer().analyze(info).findings)).toContain("dynamic-intermediate");

  const known = await verifiedDocument({ knownIntermediates: [hex(pki.intermediate.der)] });
  const verdict = analyzer({ blocklist: [], allowlist: [], knownIntermediates: known.knownIntermediates }).analyze(info);
  expect(ruleIds(verdict.findings)).not.toContain("dynamic-intermediate");
  expect(verdict.chain[1].known).toBe(true);

  const both = await verifiedDocument({ allowlist: [{ sha256: hex(pki.intermediate.der) }], blocklist: [{ sha256: hex(pki.intermediate.der) }] });
  expect(analyzer({ blocklist: both.blocklist, allowlist: both.allowlist }).analyze(info).level).toBe("blocked");
});
