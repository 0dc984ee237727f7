/** The extension asks for what its listeners need and nothing more, and declares that nothing leaves the browser. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "manifest.json"), "utf8"));

test("host permissions are the schemes the listeners watch, not every URL", () => {
  // https/wss: the blocking chain listener; http: top-level navigations, so a plain page resets the tab.
  expect([...manifest.host_permissions].sort()).toEqual(["http://*/*", "https://*/*", "wss://*/*"]);
  expect(JSON.stringify(manifest.host_permissions)).not.toMatch(/all_urls|file:|ftp:/);
});

test("stopping a blocked origin before it is sent needs declarativeNetRequest with host access and an alarm, nothing broader", () => {
  expect(manifest.permissions).toEqual(expect.arrayContaining(["webRequest", "webRequestBlocking", "declarativeNetRequestWithHostAccess", "alarms"]));
  expect(manifest.permissions).not.toContain("declarativeNetRequest");
  expect(manifest.permissions).not.toContain("<all_urls>");
});

test("no data is collected: nothing leaves the browser", () => {
  expect(manifest.browser_specific_settings.gecko.data_collection_permissions).toEqual({ required: ["none"] });
});
