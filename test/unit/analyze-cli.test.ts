import { spawnSync } from "node:child_process";
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
