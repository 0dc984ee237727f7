// Enterprise policy in a real Firefox (issue 5, item 4): a real policies.json installs the test root
// (Certificates.Install) and configures Chain Sentry (3rdparty), and the test checks what a user sees:
// the block page, the tab's verdict, the options page. Firefox reads managed storage once per
// session, so every policy is its own Firefox launch (five in all: ~5 s each, most of the file's time).
//
//   npm run build && bash scripts/run-in-sandbox.sh npx tsx --test test/e2e/policy.test.ts
//   (CHAIN_SENTRY_EXTENSION_DIR=/abs/build runs against a private build instead of dist/)
//
//   site A  leaf ← Policy Test Intermediate              ← Policy Test Root
//   site B  leaf ← Policy Test Intermediate, RE-ISSUED   ← Policy Test Root   (same key, new serial and validity)
//   site C  leaf ← Policy Test Other Intermediate        ← Policy Test Root
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { POLICY_KEYS } from "../../src/policy";
import { DEFAULT_SETTINGS, type ResponseOf, type SettingsView, type TabState } from "../../src/protocol";
import { EXTENSION_ID, page, serve } from "../../scripts/demo-sites";
import { issue, type Issued } from "../../scripts/pki";
import { launchFirefox, type FirefoxHandle } from "./firefox";
import { getSettings, readOptionsPage, sha256Colons, spkiSha256Base64, tabIdOf, textOf, visit, waitForTabState } from "./policy-support";
import { waitFor } from "./support";

const DAY = 86_400_000;
const PORTS = { A: 9443, B: 9444, C: 9445 } as const;
type SiteName = keyof typeof PORTS;
const siteUrl = (site: SiteName) => `https://localhost:${PORTS[site]}/`;

interface Pki {
  root: Issued;
  intermediate: Issued;
  reissued: Issued;
  other: Issued;
}

let workDir: string;
let rootPemPath: string;
let pki: Pki;
let servers: https.Server[] = [];
/** Paths each site was asked for, in order (a blocked page must never have asked for its subresources). */
const requests: Record<SiteName, string[]> = { A: [], B: [], C: [] };

/** Firefox policies: trust the test root; `config` is Chain Sentry's managed configuration (omitted: none). */
function policies(config?: Record<string, unknown>): Record<string, unknown> {
  return {
    Certificates: { Install: [rootPemPath] },
    ...(config && { "3rdparty": { Extensions: { [EXTENSION_ID]: config } } }),
  };
}

before(async () => {
  const root = await issue({ subject: "CN=Chain Sentry Policy Test Root,O=Chain Sentry Tests" });
  const intermediate = await issue({ subject: "CN=Chain Sentry Policy Test Intermediate,O=Chain Sentry Tests", issuer: root, ca: true });
  // The same CA re-issued: same subject and key pair, new serial and validity, so a new certificate hash.
  const reissued = await issue({
    subject: "CN=Chain Sentry Policy Test Intermediate,O=Chain Sentry Tests",
    issuer: root,
    ca: true,
    keys: intermediate.keys,
    notBefore: new Date(Date.now() - 3 * DAY),
    notAfter: new Date(Date.now() + 1000 * DAY),
  });
  const other = await issue({ subject: "CN=Chain Sentry Policy Test Other Intermediate,O=Chain Sentry Tests", issuer: root, ca: true });
  pki = { root, intermediate, reissued, other };

  workDir = mkdtempSync(path.join(tmpdir(), "chain-sentry-policy-"));
  rootPemPath = path.join(workDir, "policy-test-root.pem");
  writeFileSync(rootPemPath, root.pem);

  const leaf = (issuer: Issued) => issue({ subject: "CN=localhost", issuer, hosts: ["localhost", "127.0.0.1"] });
  const issuers: Record<SiteName, Issued> = { A: intermediate, B: reissued, C: other };
  for (const name of Object.keys(PORTS) as SiteName[]) {
    const title = `Policy test site ${name}`;
    const server = await serve({
      port: PORTS[name],
      chain: [await leaf(issuers[name]), issuers[name]],
      body: () => page(title, `<p>Content of site ${name}.</p>`),
    });
    server.on("request", (req) => requests[name].push(req.url ?? ""));
    servers.push(server);
  }
});

after(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test("the test PKI: the re-issued intermediate has the original's key and a different certificate hash", () => {
  assert.equal(spkiSha256Base64(pki.reissued), spkiSha256Base64(pki.intermediate));
  assert.notEqual(sha256Colons(pki.reissued), sha256Colons(pki.intermediate));
  assert.notEqual(pki.reissued.cert.serialNumber, pki.intermediate.cert.serialNumber);
  assert.equal(pki.reissued.cert.subject, pki.intermediate.cert.subject);
});

/** Launches Firefox with `policiesObject` for the tests of one describe block, and closes it after. */
function withFirefox(policiesObject: () => Record<string, unknown>): () => FirefoxHandle {
  let ff: FirefoxHandle | undefined;
  before(async () => {
    // Like support.ts: $CHAIN_SENTRY_EXTENSION_DIR names a private build, else dist/.
    ff = await launchFirefox({ policies: policiesObject(), extensionDir: process.env.CHAIN_SENTRY_EXTENSION_DIR || undefined });
  });
  after(async () => {
    const errors = ff?.extensionErrors() ?? [];
    await ff?.close();
    assert.deepEqual(errors, [], "Firefox reported errors in the extension's scripts");
  });
  return () => {
    assert.ok(ff, "Firefox did not start");
    return ff;
  };
}

/** Opens `site` in a tab and waits until the background has a verdict for its top-level document. */
async function visitAndJudge(ff: FirefoxHandle, site: SiteName, redirectedTo?: string) {
  requests[site].length = 0;
  const tab = await visit(ff, siteUrl(site), redirectedTo);
  const tabId = await tabIdOf(ff, tab);
  const state = await waitForTabState(ff, tabId, (s) => s.top?.url === siteUrl(site), `a verdict for ${siteUrl(site)} in tab ${tabId}`);
  return { tab, tabId, state };
}

const ruleIds = (state: TabState) => state.top!.verdict.findings.map((f) => f.ruleId).sort();
const siteContent = (tab: Awaited<ReturnType<typeof visit>>) => tab.evaluate(() => document.getElementById("site-content")?.textContent ?? null);

describe("policy 1: block mode, a blocklisted key and a blocklisted certificate hash", () => {
  const ROGUE_REASON = "Its private key was copied from a decommissioned proxy";
  const ff = withFirefox(() =>
    policies({
      mode: "block",
      blocklist: [
        { spkiSha256: spkiSha256Base64(pki.intermediate), label: "Test Rogue Intermediate", reason: ROGUE_REASON },
        { sha256: sha256Colons(pki.other), label: "Test Other Intermediate (by certificate hash)" },
      ],
    }),
  );

  test("the settings say block, set by the organisation", async () => {
    const view = await getSettings(ff());
    assert.equal(view.effective.mode, "block");
    assert.ok(view.managedKeys.includes("mode"), `managedKeys: ${JSON.stringify(view.managedKeys)}`);
    // The policy's blocklist merges with the user's, who may still add entries (not locked).
    assert.ok(!view.managedKeys.includes("blocklist"), `managedKeys: ${JSON.stringify(view.managedKeys)}`);
    assert.deepEqual(view.policy, { present: true, errors: [], locked: false });
    assert.deepEqual(
      view.effective.blocklist.map((e) => [e.source, e.label]),
      [
        ["policy", "Test Rogue Intermediate"],
        ["policy", "Test Other Intermediate (by certificate hash)"],
      ],
    );
  });

  test("a site presenting the RE-ISSUED intermediate never renders: the tab shows the block page naming the entry and the key", async () => {
    const blockPage = ff().extensionUrl("popup/blocked.html?id=");
    const { tab, state } = await visitAndJudge(ff(), "B", blockPage);

    assert.equal(await siteContent(tab), null, "the site's content element is in the tab");
    // The server answered the document, the extension replaced it: the page's subresources were never asked for.
    assert.deepEqual(requests.B, ["/"], "site B was asked for more than its document");

    const text = await waitFor(
      "the block page to render",
      () => textOf(tab),
      (t) => t.includes("Test Rogue Intermediate"),
    );
    assert.match(text, /Chain Sentry blocked localhost/);
    assert.match(text, /The site's content was not loaded/);
    assert.match(text, /Matched by\s+public key \(SPKI SHA-256\)/);
    assert.match(text, /Blocklist entry\s+Test Rogue Intermediate/);
    assert.match(text, /Listed by\s+enterprise policy/);
    assert.ok(text.includes(ROGUE_REASON), "the block page does not give the entry's reason");
    // The certificate shown is the one the server presented: the re-issued one, not the listed one's hash.
    assert.ok(text.includes(sha256Colons(pki.reissued)), "the block page does not show the re-issued certificate's SHA-256");
    assert.ok(!text.includes(sha256Colons(pki.intermediate)), "the block page shows the original intermediate's SHA-256");
    assert.ok(text.includes(siteUrl("B")), "the block page does not name the blocked URL");

    assert.equal(state.level, "blocked");
    assert.equal(state.top!.blockedRequests, 1);
    const finding = state.top!.verdict.findings.find((f) => f.ruleId === "blocked-certificate");
    assert.ok(finding?.match, `no blocked-certificate finding: ${JSON.stringify(state.top!.verdict.findings)}`);
    assert.equal(finding.certIndex, 1);
    assert.equal(finding.match.key, "spkiSha256");
    assert.equal(finding.match.label, "Test Rogue Intermediate");
    assert.equal(state.top!.verdict.chain[1].sha256, sha256Colons(pki.reissued));
  });

  test("the certificate SHA-256 entry blocks its site too", async () => {
    const { tab, state } = await visitAndJudge(ff(), "C", ff().extensionUrl("popup/blocked.html?id="));
    assert.equal(await siteContent(tab), null, "the site's content element is in the tab");
    assert.deepEqual(requests.C, ["/"], "site C was asked for more than its document");
    const text = await waitFor(
      "the block page to render",
      () => textOf(tab),
      (t) => t.includes("Test Other Intermediate (by certificate hash)"),
    );
    assert.match(text, /Matched by\s+certificate SHA-256 fingerprint/);
    assert.ok(text.includes(sha256Colons(pki.other)));
    assert.equal(state.level, "blocked");
    assert.equal(state.top!.verdict.findings.find((f) => f.ruleId === "blocked-certificate")?.match?.key, "sha256");
  });
});

describe("policy 2: the organisation's root (by certificate hash) and intermediate (by key) allowlisted", () => {
  const ff = withFirefox(() =>
    policies({
      allowlist: [
        { sha256: sha256Colons(pki.root), label: "Policy Test Root" },
        { spkiSha256: spkiSha256Base64(pki.intermediate), label: "Policy Test Intermediate" },
      ],
    }),
  );

  test("the site loads and its verdict is ok, with no findings", async () => {
    const { tab, state } = await visitAndJudge(ff(), "A");
    assert.equal(await siteContent(tab), "Policy test site A");
    assert.equal(state.level, "ok");
    assert.deepEqual(state.top!.verdict.findings, []);
    const chain = state.top!.verdict.chain;
    assert.deepEqual(
      chain.map((c) => [c.role, c.allowlisted]),
      [
        ["leaf", false],
        ["intermediate", true],
        ["root", true],
      ],
    );
    assert.equal(chain[2].isBuiltInRoot, false);
  });

  test("the allowlist holds the organisation's entries; the user may still add their own (not locked)", async () => {
    const view = await getSettings(ff());
    assert.deepEqual(view.managedKeys, []);
    assert.equal(view.effective.mode, "warn");
    assert.deepEqual(view.policy, { present: true, errors: [], locked: false });
    assert.deepEqual(
      view.effective.allowlist.map((e) => e.label),
      ["Policy Test Root", "Policy Test Intermediate"],
    );
  });
});

describe("policy 3: lockSettings, mode warn, notifications off (and the control for policy 2: no allowlist)", () => {
  const ff = withFirefox(() => policies({ lockSettings: true, mode: "warn", notifications: false }));

  test("without the allowlist the same site is a warning: dynamic intermediate and non-built-in root", async () => {
    const { tab, state } = await visitAndJudge(ff(), "A");
    assert.equal(await siteContent(tab), "Policy test site A", "warn mode must let the page load");
    assert.equal(state.level, "warning");
    assert.deepEqual(ruleIds(state), ["dynamic-intermediate", "non-built-in-root"]);
  });

  test("the options page shows the settings as the organisation's and its mode, list and notification controls cannot be used", async () => {
    const { page, snapshot } = await readOptionsPage(ff());
    assert.match(snapshot.text, /Your organisation manages Chain Sentry/);
    assert.match(snapshot.text, /locked the mode, the lists and notifications/);

    assert.deepEqual(snapshot.mode, [
      { value: "warn", checked: true, disabled: true },
      { value: "block", checked: false, disabled: true },
    ]);
    const box = (label: RegExp) => snapshot.checkboxes.find((c) => label.test(c.label));
    assert.deepEqual(
      [box(/^Desktop notification/), box(/^Also notify for warnings/)].map((c) => c && { checked: c.checked, disabled: c.disabled }),
      [
        { checked: false, disabled: true },
        { checked: false, disabled: true },
      ],
      `checkboxes: ${JSON.stringify(snapshot.checkboxes)}`,
    );
    for (const id of ["allowlist-text", "blocklist-text"]) {
      const area = snapshot.textareas.find((t) => t.id === id);
      assert.ok(area, `no #${id} on the options page`);
      assert.ok(area.readOnly || area.disabled, `#${id} can be edited`);
    }
    const fileImport = await page.evaluate(() => document.querySelector<HTMLInputElement>('input[type="file"]')?.matches(":disabled"));
    assert.equal(fileImport, true, "the OneCRL import can be used");
    // History size is not locked (lockSettings leaves it to the user).
    assert.equal(snapshot.historyLimit?.disabled, false);

    const markedNear = snapshot.markers.filter((m) => m.text === "Set by your organisation").map((m) => m.near);
    for (const control of [/When a blocked certificate appears/, /Desktop notification/, /Also notify for warnings/, /^Allowlist$/, /^Your own blocklist$/]) {
      assert.ok(
        markedNear.some((near) => control.test(near)),
        `no "Set by your organisation" at ${control}: ${JSON.stringify(snapshot.markers)}`,
      );
    }
    assert.ok(!snapshot.markers.some((m) => /Events kept/.test(m.near)), "history size marked as the organisation's");
    await page.close();
  });

  test("saving another mode is refused, naming the key, and the mode stays warn", async () => {
    const result = (await ff().sendMessage({ type: "ui-bg-save-settings", input: { mode: "block" } })) as ResponseOf<"ui-bg-save-settings">;
    assert.equal(result.ok, false);
    assert.ok(
      !result.ok && result.errors.length === 1 && result.errors[0].path[0] === "mode" && /lockSettings/.test(result.errors[0].message),
      `errors: ${JSON.stringify(result)}`,
    );
    const view = await getSettings(ff());
    assert.equal(view.effective.mode, "warn");
    assert.equal(view.effective.notifications, false);
    assert.equal(view.user.mode, undefined);
    assert.deepEqual(view.policy, { present: true, errors: [], locked: true });
    assert.deepEqual(view.managedKeys, ["mode", "notifications", "notifyWarnings", "allowlist", "blocklist"]);
  });
});

describe("policy 4: one malformed entry among valid ones, a malformed value and an unknown key", () => {
  const ff = withFirefox(() =>
    policies({
      // The valid entry gives the key as hex this time (base64 in policy 1).
      blocklist: [{ sha256: "not-hex" }, { spkiSha256: Buffer.from(spkiSha256Base64(pki.other), "base64").toString("hex"), label: "Still applies" }],
      historyLimit: "ten",
      colour: "red",
    }),
  );

  test("each problem is reported precisely, and only the bad parts are ignored", async () => {
    const view = await getSettings(ff());
    assert.equal(view.policy.present, true);
    const expected = [
      /^blocklist\[0\]\.sha256: expected a certificate SHA-256 fingerprint: 64 hex digits .*, got "not-hex"$/,
      /^blocklist\[0\]: entry ignored, it needs at least one valid sha256 or sha1 or spkiSha256 or issuerSerial or subjectSpki$/,
      /^historyLimit: expected a positive whole number .*\(a JSON number, not a string\), got "ten"$/,
      new RegExp(`^unknown key "colour" ignored \\(expected ${POLICY_KEYS.join(", ")}\\)$`),
    ];
    assert.equal(view.policy.errors.length, expected.length, `errors: ${JSON.stringify(view.policy.errors, null, 2)}`);
    for (const pattern of expected) {
      assert.equal(view.policy.errors.filter((e) => pattern.test(e)).length, 1, `${pattern} in ${JSON.stringify(view.policy.errors, null, 2)}`);
    }
    assert.equal(view.effective.historyLimit, DEFAULT_SETTINGS.historyLimit);
    assert.deepEqual(
      view.effective.blocklist.map((e) => [e.source, e.label]),
      [["policy", "Still applies"]],
    );
    assert.deepEqual(view.managedKeys, []);
  });

  test("the valid entry still flags its site: the page loads (warn mode) and the tab's verdict is blocked", async () => {
    const { tab, state } = await visitAndJudge(ff(), "C");
    assert.equal(await siteContent(tab), "Policy test site C");
    assert.equal(state.level, "blocked");
    const finding = state.top!.verdict.findings.find((f) => f.ruleId === "blocked-certificate");
    assert.equal(finding?.match?.label, "Still applies");
    assert.equal(finding?.certIndex, 1);
    assert.equal(state.top!.blockedRequests, 0);
  });

  test("the options page lists every problem as text", async () => {
    const view = await getSettings(ff());
    const { page, snapshot } = await readOptionsPage(ff());
    assert.match(snapshot.text, /These parts of the policy were ignored/);
    assert.deepEqual(snapshot.policyErrors, view.policy.errors);
    for (const error of view.policy.errors) assert.ok(snapshot.text.includes(error), `not on the page: ${error}`);
    await page.close();
  });
});

describe("no policy at all (an empty policies.json)", () => {
  const ff = withFirefox(() => ({}));

  test("the defaults apply, no policy is present and nothing is reported", async () => {
    const view = await getSettings(ff());
    const expected: SettingsView = {
      effective: DEFAULT_SETTINGS,
      user: {},
      policy: { present: false, errors: [], locked: false },
      managedKeys: [],
    };
    assert.deepEqual(view, expected);
    const status = (await ff().sendMessage({ type: "ui-bg-get-status" })) as ResponseOf<"ui-bg-get-status">;
    assert.deepEqual(status.policy, expected.policy);
    assert.equal(status.mode, "warn");
  });

  test("the options page mentions no organisation and every control can be used", async () => {
    const { page, snapshot } = await readOptionsPage(ff());
    assert.doesNotMatch(snapshot.text, /Your organisation manages|by your organisation/);
    assert.deepEqual(snapshot.markers, []);
    assert.ok(snapshot.mode.length === 2 && snapshot.mode.every((r) => !r.disabled));
    assert.ok(snapshot.checkboxes.length >= 2 && snapshot.checkboxes.every((c) => !c.disabled));
    assert.ok(snapshot.textareas.length >= 2 && snapshot.textareas.every((t) => !t.readOnly && !t.disabled));
    assert.deepEqual(snapshot.policyErrors, []);
    await page.close();
  });
});
