/**
 * src/ is the pure core: it must run in Node, in tests and in a command-line tool. This fails the
 * build when a WebExtension or DOM API sneaks in, when a core file imports anything outside src/
 * but the few packages the core is allowed, and when any product file imports from test/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const root = join(__dirname, "..", "..");
const srcDir = join(root, "src");

function sourceFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => join(dir, f));
}
const files = sourceFiles(srcDir);
const PRODUCT_DIRS = ["src", "background", "popup", "cli"];

/** What the core may import besides its own files: certificate parsing (with its Reflect polyfill) and JWS. */
const ALLOWED_PACKAGES = new Set(["@abraham/reflection", "@peculiar/x509", "@peculiar/asn1-schema", "@peculiar/asn1-x509", "jose"]);
/** Compiled data (npm run blocklist, npm run ct-logs): plain JSON, no code. */
const dataDir = join(root, "data");

const FORBIDDEN: [RegExp, string][] = [
  [/\b(browser|chrome)\s*\.\s*[a-z]/, "uses the WebExtension API"],
  // A property named so (`status.document`, `{ document: … }`) is not the global.
  [/(?<![.\w$])(document|window|localStorage|sessionStorage|navigator)\b(?!\??\s*:)/, "uses a DOM global"],
];

const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

/** Every module specifier a file names: static and side-effect imports, re-exports, import() and require(). */
function importSpecifiers(code: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...stripComments(code).matchAll(p)].map((m) => m[1]));
}

/** A relative specifier → the file it loads (as the bundler and jest resolve it), or null when none exists. */
function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

const packageName = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
const inside = (dir: string, file: string) => file.startsWith(dir + sep);

/** Why each import of a core file is not allowed (empty when all are). */
function coreImportProblems(file: string): string[] {
  return importSpecifiers(readFileSync(file, "utf8")).flatMap((specifier) => {
    if (!specifier.startsWith(".")) return ALLOWED_PACKAGES.has(packageName(specifier)) ? [] : [`imports package ${specifier}`];
    const target = resolveRelative(file, specifier);
    if (!target) return [`imports ${specifier}, which resolves to no file`];
    if (inside(srcDir, target) || (inside(dataDir, target) && target.endsWith(".json"))) return [];
    return [`imports ${relative(root, target)}, outside src/`];
  });
}

test("the core has source files to check", () => {
  expect(files.length).toBeGreaterThan(10);
});

test("the import check resolves every form of import and knows what lies outside src/", () => {
  const code = `import a from "../../background/x";\nexport { b } from './y';\nimport "@abraham/reflection";\nconst c = await import("../scripts/pki");\n// import "commented-out";`;
  expect(importSpecifiers(code)).toEqual(["../../background/x", "./y", "@abraham/reflection", "../scripts/pki"]);
  const rule = join(srcDir, "rules", "expired.ts");
  expect(inside(srcDir, resolveRelative(rule, "../../background/messages")!)).toBe(false);
  expect(inside(srcDir, resolveRelative(rule, "../verdict")!)).toBe(true);
  expect(packageName("@peculiar/x509/lib")).toBe("@peculiar/x509");
  expect(packageName("preact/hooks")).toBe("preact");
});

test.each(files.map((f) => [relative(srcDir, f), f]))(
  "src/%s uses no browser or DOM API and imports nothing outside src/ but the allowed packages",
  (_, file) => {
    const code = stripComments(readFileSync(file, "utf8"));
    const problems = [...FORBIDDEN.filter(([pattern]) => pattern.test(code)).map(([, what]) => what), ...coreImportProblems(file)];
    expect(problems).toEqual([]);
  },
);

test("no product file (src/, background/, popup/, cli/) imports from test/", () => {
  const testDir = join(root, "test");
  const offenders = PRODUCT_DIRS.flatMap((dir) => sourceFiles(join(root, dir))).flatMap((file) =>
    importSpecifiers(readFileSync(file, "utf8"))
      .filter((s) => s.startsWith(".") && inside(testDir, resolve(dirname(file), s)))
      .map((s) => `${relative(root, file)} imports ${s}`),
  );
  expect(offenders).toEqual([]);
});

test("every core module loads in plain Node, with no browser globals defined", async () => {
  expect(typeof (globalThis as { browser?: unknown }).browser).toBe("undefined");
  expect(typeof (globalThis as { document?: unknown }).document).toBe("undefined");
  for (const file of files) await expect(import(file)).resolves.toBeDefined();
});
