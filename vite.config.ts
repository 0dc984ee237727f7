import { defineConfig, type Plugin } from "vite";
import preact from "@preact/preset-vite";
import { crx, type ManifestV3Export } from "@crxjs/vite-plugin";
import manifest from "./manifest.json" with { type: "json" };
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BLOCKLIST = fileURLToPath(new URL("./data/blocklist.json", import.meta.url));

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

export default defineConfig({
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
    rollupOptions: {
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
