import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const run = (...args: string[]) => {
  const r = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "cli", "analyze.ts"), ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, verdict: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr };
};

test("the captured Firefox SecurityInfo is a warning (exit 2); allowlisting both CAs makes it ok (exit 0)", () => {
  const fixture = join(root, "test", "fixtures", "captured-event-full.json");
  const warned = run(fixture);
  expect(warned.status).toBe(2);
  expect(warned.verdict.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(["dynamic-intermediate", "non-built-in-root"]);
  const ok = run(fixture, "--allow", warned.verdict.chain[1].sha256, "--allow", warned.verdict.chain[2].spkiSha256);
  expect(ok.status).toBe(0);
  expect(ok.verdict.level).toBe("ok");
});

test("a PEM of the DigiNotar root is blocked (exit 3) and names DigiNotar; a bad fingerprint is a usage error", () => {
  const pem = join(root, "data", "sources", "chromium-blocklist", "0d136e439f0ab6e97f3a02a540da9f0641aa554e1d66ea51ae2920d51b2f7217.pem");
  const blocked = run(pem);
  expect(blocked.status).toBe(3);
  expect(blocked.verdict.findings[0].match.incident).toMatch(/DigiNotar/);
  const bad = run(pem, "--allow", "xyz");
  expect(bad.status).toBe(64);
  expect(bad.stderr).toMatch(/not a fingerprint: xyz.*64 hex digits/);
});

test("--policy applies the extension's managed blocklist from a policies.json and warns about its invalid entries", () => {
  const fixture = join(root, "test", "fixtures", "captured-event-full.json");
  const intermediate = run(fixture).verdict.chain[1].sha256;
  const dir = mkdtempSync(join(tmpdir(), "chain-sentry-analyze-"));
  const policies = join(dir, "policies.json");
  writeFileSync(
    policies,
    JSON.stringify({
      policies: { "3rdparty": { Extensions: { "chain-sentry@chainsentry.dev": { blocklist: [{ sha256: intermediate }, { sha256: "short" }] } } } },
    }),
  );
  try {
    const blocked = run(fixture, "--policy", policies);
    expect(blocked.status).toBe(3);
    expect(blocked.verdict.findings[0]).toMatchObject({ ruleId: "blocked-certificate", certIndex: 1 });
    expect(blocked.stderr).toMatch(/^warning: --policy .*policies\.json: blocklist\[1\]\.sha256: expected a certificate SHA-256 fingerprint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a key's hash in hex is written spki:<hex>: it blocks by the key, where bare 64 hex digits would mean a certificate", () => {
  const fixture = join(root, "test", "fixtures", "captured-event-full.json");
  const { chain } = run(fixture).verdict;
  const spkiHex = Buffer.from(chain[1].spkiSha256, "base64").toString("hex");
  expect(run(fixture, "--block", spkiHex).status).toBe(2); // read as a certificate SHA-256: matches nothing
  const byKey = run(fixture, "--block", `spki:${spkiHex}`);
  expect(byKey.status).toBe(3);
  expect(byKey.verdict.findings[0]).toMatchObject({ certIndex: 1, match: { key: "spkiSha256" } });
  const wrongKind = run(fixture, "--allow", `sha1:${"ab".repeat(20)}`);
  expect(wrongKind.status).toBe(64);
  expect(wrongKind.stderr).toMatch(/not usable here: sha1:.*expected sha256 or spkiSha256/);
});
