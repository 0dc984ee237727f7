// The built extension's pages load the certificate decoder (@peculiar/x509, ~200 kB) only when a
// certificate is opened: what a page loads up front is its script and the modules Vite preloads for it.
// Run after npm run build (it reads dist/, or $CHAIN_SENTRY_EXTENSION_DIR).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dist = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), process.env.CHAIN_SENTRY_EXTENSION_DIR || "dist");
const pages = readdirSync(path.join(dist, "popup")).filter((f) => f.endsWith(".html"));

test("every page loads up front no module of the certificate decoder", () => {
  assert.ok(pages.includes("index.html") && pages.includes("blocked.html"), `pages: ${pages.join(", ")}`);
  for (const page of pages) {
    const html = readFileSync(path.join(dist, "popup", page), "utf8");
    const upFront = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"/g)].map((m) => m[1]);
    assert.ok(upFront.length > 0, `${page}: no script found`);
    const decoder = upFront.filter((src) => /x509|certificateView|listText/.test(src));
    assert.deepEqual(decoder, [], `${page} loads the decoder up front`);
  }
});
