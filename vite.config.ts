import { defineConfig } from "vite";
import preact from "@preact/preset-vite";
import { crx, type ManifestV3Export } from "@crxjs/vite-plugin";
import manifest from "./manifest.json" with { type: "json" };

export default defineConfig({
  plugins: [
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
      },
    },
  },
});
