/**
 * The two forms the blocklist index reaches the analyzer in, for the load-time benchmark:
 *  - "json": data/blocklist.json read as text and JSON.parse'd;
 *  - "bundle": what the built background (dist/) does for `import indexJson from "../data/blocklist.json"`:
 *    import it as a JSON module (vite.config.ts), or, with Vite's defaults, evaluate the object
 *    literal the bundler inlined (JSON.parse(`...`) with `json.stringify`). Found by parsing the bundle;
 *  - "stringified": JSON.parse(`...`) built here, to compare with what json.stringify would emit.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAst } from "vite";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BLOCKLIST_PATH = path.join(REPO, "data", "blocklist.json");

/** The background module Firefox loads first: dist/manifest.json → loader → the chunk it imports. */
export function backgroundChunk(distDir = path.join(REPO, "dist")): string {
  const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
  let file = path.join(distDir, manifest.background.scripts[0]);
  const loader = readFileSync(file, "utf8");
  // crxjs writes a one-line loader that imports the real chunk.
  const imported = /^import\s+['"]([^'"]+)['"];?\s*$/.exec(loader.trim());
  if (imported) file = path.resolve(path.dirname(file), imported[1]);
  return file;
}

type Node = { type: string; start: number; end: number; [k: string]: any };

export interface BundleForm {
  file: string;
  /** "json-module" (imported with { type: "json" }) or the initializer's expression type. */
  kind: string;
  /** The JSON text for a JSON module, else the JavaScript expression's source. */
  text: string;
  json: boolean;
}

/**
 * How the built background gets the index: a JSON module it imports (vite.config.ts), or the
 * source of the initializer the bundler inlined (an object literal, or JSON.parse(`…`)).
 */
export function bundleExpression(distDir?: string): BundleForm {
  const file = backgroundChunk(distDir);
  const src = readFileSync(file, "utf8");
  const ast = parseAst(src) as unknown as { body: Node[] };
  for (const statement of ast.body) {
    if (statement.type !== "ImportDeclaration" || !/\.json$/.test(statement.source.value)) continue;
    const jsonFile = path.resolve(path.dirname(file), statement.source.value);
    const text = readFileSync(jsonFile, "utf8");
    if (text.includes('"knownIntermediates"')) return { file: path.relative(REPO, jsonFile), kind: "json-module", text, json: true };
  }
  let best: Node | undefined;
  for (const statement of ast.body) {
    const declaration = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    if (declaration?.type !== "VariableDeclaration") continue;
    for (const d of declaration.declarations as Node[]) {
      const init = d.init as Node | null;
      if (!init || init.end - init.start < 100_000) continue;
      const text = src.slice(init.start, init.end);
      if (!text.includes("knownIntermediates")) continue;
      if (!best || init.end - init.start > best.end - best.start) best = init;
    }
  }
  if (!best) throw new Error(`no blocklist index (JSON module import or inlined initializer) found in ${file}`);
  const kind = best.type === "CallExpression" ? `${src.slice(best.callee.start, best.callee.end)}(string)` : best.type;
  return { file: path.relative(REPO, file), kind, text: src.slice(best.start, best.end), json: false };
}

/** `JSON.parse(\`…\`)`: what Vite's json.stringify emits once this bundler's minifier has run. */
export function stringifiedExpression(jsonText: string): string {
  return "JSON.parse(`" + jsonText.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`)";
}
