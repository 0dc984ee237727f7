/** The extension asks for what its listeners need and nothing more, and declares what may leave the browser, and when. */
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

test("nothing leaves the browser by default; what fleet reporting may send, once a policy turns it on, is declared as optional", () => {
  const declared = manifest.browser_specific_settings.gecko.data_collection_permissions;
  // "none" stays the only required value: Firefox ignores it next to other required ones.
  expect(declared.required).toEqual(["none"]);
  // The sites visited (origin or URL of pages with findings) and technical data (certificates, browser and extension versions).
  expect([...declared.optional].sort()).toEqual(["browsingActivity", "technicalAndInteraction"]);
});
