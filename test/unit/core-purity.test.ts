/**
 * src/ is the pure core: it must run in Node, in tests and in a command-line tool. This fails the
 * build when a WebExtension or DOM API sneaks in.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const srcDir = join(__dirname, "..", "..", "src");
const files = (readdirSync(srcDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(srcDir, f));

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+["']webextension-polyfill["']/, "imports webextension-polyfill"],
  [/\b(browser|chrome)\s*\.\s*[a-z]/, "uses the WebExtension API"],
  // A property named so (`status.document`, `{ document: … }`) is not the global.
  [/(?<![.\w$])(document|window|localStorage|sessionStorage|navigator)\b(?!\??\s*:)/, "uses a DOM global"],
  [/from\s+["']preact/, "imports preact (views belong in popup/)"],
  [/from\s+["']\.\.\/(background|popup)\//, "imports from the adapters"],
];

const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

test("the core has source files to check", () => {
  expect(files.length).toBeGreaterThan(10);
});

test.each(files.map((f) => [relative(srcDir, f), f]))("src/%s uses no browser or DOM API", (_, file) => {
  const code = stripComments(readFileSync(file, "utf8"));
  const problems = FORBIDDEN.filter(([pattern]) => pattern.test(code)).map(([, what]) => what);
  expect(problems).toEqual([]);
});

test("every core module loads in plain Node, with no browser globals defined", async () => {
  expect(typeof (globalThis as { browser?: unknown }).browser).toBe("undefined");
  expect(typeof (globalThis as { document?: unknown }).document).toBe("undefined");
  for (const file of files) await expect(import(file)).resolves.toBeDefined();
});
