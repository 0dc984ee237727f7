/**
 * What `import browser from "webextension-polyfill"` gives in the build (vite.config.ts resolves the
 * package to this module): Firefox's own promise-based `browser` namespace. In Firefox the polyfill
 * hands back that very object (it wraps only Chrome's callback API), so the extension, which is
 * Firefox-only, behaves the same without loading the polyfill's 10 kB into the background and into
 * every page. Types still come from the package; the unit tests mock it.
 */
export default (globalThis as unknown as { browser: unknown }).browser;
