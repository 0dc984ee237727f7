// Embedded SCTs in a real Firefox ESR: the demo's ct site serves a leaf (under the demo root, which
// Firefox does not hold to its CT policy) carrying the SCT list of a real certificate
// (CT_SCT_SOURCE). The chain page, fed by the rawDER Firefox reported, shows those SCTs with the
// names Firefox's own table of known logs (CTKnownLogs.h) gives their logs. Expected values come from
// openssl and from that header itself, not from the extension's decoder or its compiled table.
// Run inside scripts/run-in-sandbox.sh after a build (CHAIN_SENTRY_EXTENSION_DIR for a private one).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CT_SCT_SOURCE } from "../../scripts/demo-sites";
import { launchDemo, summarizeState, waitFor, type DemoBrowser } from "./support";

let demo: DemoBrowser;

before(async () => {
  demo = await launchDemo();
});

after(async () => {
  await demo?.close();
});

/** The source certificate's SCTs as openssl reads them: base64 log id and signature algorithm. */
function opensslScts(): { logId: string; algorithm: string }[] {
  const text = execFileSync("/usr/bin/openssl", ["x509", "-inform", "DER", "-in", CT_SCT_SOURCE, "-noout", "-text"], { encoding: "utf8" });
  return text
    .split("Signed Certificate Timestamp:")
    .slice(1)
    .map((block) => ({
      logId: Buffer.from(/Log ID\s*:\s*([0-9A-F:\s]+?)\n\s*Timestamp/.exec(block)![1].replace(/[\s:]/g, ""), "hex").toString("base64"),
      algorithm: /Signature\s*:\s*(\S+)/.exec(block)![1],
    }));
}

/** Firefox's CTKnownLogs.h itself, release logs only: log id (SHA-256 of the key) → [operator, description]. */
function firefoxLogs(): Map<string, [string, string]> {
  const path = fileURLToPath(new URL("../../data/sources/mozilla/CTKnownLogs.h", import.meta.url));
  const header = readFileSync(path, "utf8").replace(/#ifdef DEBUG\n[\s\S]*?#endif {2}\/\/ DEBUG\n/g, "");
  const entry = /\{"([^"]+)", CTLogState::\w+, CTLogFormat::\w+,\s+\d+,\s+\/\/ \S+\s+\d+,\s+\/\/ operated by ([^\n]+)((?:\s+"[^"]*")+),/g;
  return new Map(
    [...header.matchAll(entry)].map(([, description, operator, key]) => {
      const id = createHash("sha256")
        .update(Buffer.from(key.replace(/[\s"]|\\x/g, ""), "hex"))
        .digest("base64");
      return [id, [operator, description]] as const;
    }),
  );
}

test("the chain page shows the leaf's embedded SCTs with their real log names and operators", async () => {
  const { url, expected } = demo.sites.cases.find((c) => c.id === "ct")!;
  const visit = await demo.visit(url);
  assert.equal(visit.error, null, `${url} did not load`);
  const tabId = await demo.tabIdOf(url);
  const state = await demo.settledTabState(tabId);
  assert.equal(state.level, expected, JSON.stringify(summarizeState(state)));
  assert.ok(state.top?.derAvailable[0], "Firefox gave the leaf's bytes");

  const page = await demo.ff.openExtensionPage(`popup/chain.html?tabId=${tabId}`);
  await waitFor(
    "the chain page's ladder",
    () => page.evaluate(() => document.querySelectorAll("ol.ladder > li").length),
    (n) => n === 3,
  );
  await page.click("ol.ladder > li:first-child button[aria-expanded]");
  const shown = await waitFor(
    "the leaf's embedded SCTs",
    () =>
      page.evaluate(() => ({
        scts: [...document.querySelectorAll('ol.ladder > li:first-child ol[aria-label="Embedded SCTs"] > li')].map((li) => ({
          log: li.querySelector(".sct-log")?.textContent?.trim() ?? "",
          meta: li.querySelector(".sct-meta")?.textContent?.trim() ?? "",
          id: li.querySelector("code")?.textContent?.trim() ?? "",
        })),
        perOperator: [...document.querySelectorAll('ol.ladder > li:first-child ul[aria-label="SCTs per log operator"] > li')].map(
          (li) => li.textContent?.trim() ?? "",
        ),
      })),
    (v) => v.scts.length > 0,
  );

  const real = opensslScts();
  const logs = firefoxLogs();
  assert.ok(real.length >= 2, "the source certificate has SCTs");
  assert.deepEqual(
    shown.scts.map((s) => s.id),
    real.map((s) => s.logId),
    "the same SCTs, in order",
  );
  shown.scts.forEach((sct, i) => {
    const log = logs.get(real[i].logId);
    assert.ok(log, `Firefox's table names log ${real[i].logId}`);
    const [operator, description] = log;
    assert.ok(sct.log.startsWith(`${description} (${operator}`), `SCT ${i + 1} shows "${sct.log}", expected ${description} (${operator})`);
    assert.equal(real[i].algorithm, "ecdsa-with-SHA256");
    assert.ok(sct.meta.endsWith("ECDSA with SHA-256"), `SCT ${i + 1}: ${sct.meta}`);
  });
  const operators = real.map((s) => logs.get(s.logId)![0]);
  assert.deepEqual([...shown.perOperator].sort(), [...new Set(operators)].map((op) => `${op}: ${operators.filter((o) => o === op).length}`).sort());

  // Firefox's own CT verdict for this connection, in words (the chain page opens the connection details).
  const ctStatus = state.top!.connection.certificateTransparencyStatus;
  const ctText = await page.evaluate(
    () =>
      [...document.querySelectorAll('[aria-label="Connection details"] dt')].find((dt) => dt.textContent === "Certificate Transparency")?.nextElementSibling
        ?.textContent ?? null,
  );
  assert.equal(ctStatus, "not_applicable", "Firefox applies its CT policy only under built-in roots");
  assert.match(ctText ?? "", /^Not applicable \(/);
  await page.close();
  assert.deepEqual(demo.ff.extensionErrors(), []);
});
