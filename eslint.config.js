/**
 * `npm run lint`: ESLint's and typescript-eslint's recommended rules (syntax only: the type-aware
 * ones would need a second, slow type check beside `npm run typecheck`) and the rules of hooks.
 */
import Module from "node:module";
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

// typescript-eslint parses with TypeScript's JavaScript API, which TypeScript 7 (the native
// compiler that typechecks this project) no longer has: its require("typescript") gets TypeScript
// 5.9, installed as "typescript-js-api" (package.json), before typescript-eslint is loaded.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, request === "typescript" ? "typescript-js-api" : request, ...rest);
};
const { default: tseslint } = await import("typescript-eslint");

export default tseslint.config(
  { ignores: ["dist/", "web-ext-artifacts/", "artifacts/", ".cache/", "coverage/", "data/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A leading underscore names what is left out on purpose (`const { der: _der, ...rest } = …`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // Sanitisers strip control characters from what servers and policies send: matching them is the point.
      "no-control-regex": "off",
      // It counts `this.#timer ??= …` (which reads the field) as a write only.
      "no-unused-private-class-members": "off",
    },
  },
  {
    files: ["popup/**/*.tsx", "test/components/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Injected into a benchmark's copy of an extension page.
    files: ["bench/lib/popup-probe.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["bench/floor-extension/*.js"],
    languageOptions: { globals: { ...globals.webextensions } },
  },
  {
    // The benchmarks pass JSON between processes and files and only report its numbers.
    files: ["bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
