import { defineConfig, type Plugin } from "vite";
import preact from "@preact/preset-vite";
import { crx, type ManifestV3Export } from "@crxjs/vite-plugin";
import manifest from "./manifest.json" with { type: "json" };
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BLOCKLIST = fileURLToPath(new URL("./data/blocklist.json", import.meta.url));
/** webextension-polyfill in the build: Firefox's native `browser` (see the module). */
const FIREFOX_BROWSER = fileURLToPath(new URL("./background/firefoxBrowser.ts", import.meta.url));

/**
 * data/blocklist.json (1 MB) ships as a file of its own (dist/assets/blocklist.json) that the
 * background imports as a native JSON module, instead of being inlined as a 1 MB JavaScript object
 * literal: engines parse JSON text several times faster than the same data as JavaScript (npm run
 * bench, index load in Firefox: 41-45 → 30 ms). Vite's `json.stringify` does not help here: the
 * minifier turns its JSON.parse("…") argument into a template literal, as slow to parse as the object.
 */
function blocklistAsJsonModule(): Plugin {
  return {
    name: "chain-sentry:blocklist-json-module",
    enforce: "pre",
    load(id) {
      if (id !== BLOCKLIST) return null;
      return { code: 'import data from "chain-sentry:blocklist.json" with { type: "json" };\nexport default data;', moduleType: "js" };
    },
    resolveId(id) {
      return id === "chain-sentry:blocklist.json" ? { id: "./blocklist.json", external: "relative" } : null;
    },
    // The bundler drops the import attribute of an external import: put it back.
    renderChunk(code) {
      const plain = /(from\s*["']\.\/blocklist\.json["'])(?!\s*with)/;
      return plain.test(code) ? { code: code.replace(plain, '$1 with { type: "json" }'), map: null } : null;
    },
    generateBundle(_, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === "chunk" && c.code.includes("./blocklist.json"));
      if (!chunks.some((c) => c.type === "chunk" && /blocklist\.json["']\s*with\s*\{\s*type:\s*"json"/.test(c.code))) {
        this.error("the background's import of blocklist.json lost its JSON import attribute");
      }
      this.emitFile({ type: "asset", fileName: "assets/blocklist.json", source: readFileSync(BLOCKLIST) });
    },
  };
}

/**
 * The toolbar popup and the chain page (the tab views) load their code as two module chunks beside
 * their entry, not the dozen small ones the bundler's default split gives (one per set of pages and
 * lazy modules sharing a module): "ui", what those pages import and the background does not, and
 * "common", what they share with the background. Each extra module is one more request and module
 * record before the page can render (npm run bench, popup: BENCHMARKS.md). Modules only reached
 * through a dynamic import (the certificate decoder) stay lazy, and the other pages keep the
 * default split for what the tab views do not use.
 */
function chunkOf(id: string, ctx: { getModuleInfo(id: string): { importers: readonly string[] } | null }): string | null {
  const reaches = (from: string, isRoot: (id: string) => boolean, seen = new Set<string>()): boolean => {
    if (isRoot(from)) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (ctx.getModuleInfo(from)?.importers ?? []).some((importer) => reaches(importer, isRoot, seen));
  };
  const tabView = /\/popup\/entries\/(popup|chain)\.tsx$/;
  // The entries themselves stay in their pages' chunks.
  if (tabView.test(id) || !reaches(id, (m) => tabView.test(m))) return null;
  return reaches(id, (m) => /\/background\/index\.ts$/.test(m)) ? "common" : "ui";
}

export default defineConfig({
  resolve: { alias: { "webextension-polyfill": FIREFOX_BROWSER } },
  plugins: [
    blocklistAsJsonModule(),
    preact(),
    // browser: "firefox" is required: without it crxjs lists the ESM background chunk without
    // "type": "module" and Firefox refuses to load it (web-ext lint does not notice).
    // The cast: a JSON import widens literal types such as data_collection_permissions.required.
    crx({ manifest: manifest as ManifestV3Export, browser: "firefox" }),
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "firefox140",
    sourcemap: false,
    // Firefox supports modulepreload: no polyfill script for it in every page.
    modulePreload: { polyfill: false },
    rollupOptions: {
      output: { codeSplitting: { groups: [{ name: chunkOf, debugName: "tab views" }] } },
      // Extension pages that are not named in the manifest (opened with tabs.create or as a redirect).
      input: {
        chain: "popup/chain.html",
        options: "popup/options.html",
        history: "popup/history.html",
        blocked: "popup/blocked.html",
        workbench: "popup/workbench.html",
      },
    },
  },
});
