// The built extension (dist/) loads in a real Firefox: installed under its id, background running,
// popup rendering. Only a real load catches a background chunk Firefox refuses to run (web-ext lint
// does not). Run inside scripts/run-in-sandbox.sh after npm run build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ResponseOf } from "../../src/protocol";
import { launchFirefox, type FirefoxHandle } from "./firefox";

let ff: FirefoxHandle;

before(async () => {
  ff = await launchFirefox();
});

after(async () => {
  await ff?.close();
});

test("the extension installs under its gecko id", () => {
  assert.equal(ff.extensionId, "chain-sentry@chainsentry.dev");
});

test("the background module runs and answers the popup's status request", async () => {
  const status = (await ff.sendMessage({ type: "ui-bg-get-status" })) as ResponseOf<"ui-bg-get-status">;
  const version = status?.blocklist?.version;
  assert.ok(typeof version === "string" && version !== "", `no blocklist version in ${JSON.stringify(status)}`);
  assert.deepEqual(ff.extensionErrors(), []);
});

test("the popup page loads and renders", async () => {
  const page = await ff.openExtensionPage("popup/index.html");
  // Visible text, not just markup: the static HTML is never empty, the rendered app may be.
  await page
    .waitForFunction(() => document.body.innerText.trim() !== "", { timeout: 5_000 })
    .catch(() =>
      assert.fail(
        `popup/index.html rendered nothing${ff
          .extensionErrors()
          .map((e) => `\n  ${e}`)
          .join("")}`,
      ),
    );
  await page.close();
});
