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
  { ignores: ["dist/", "web-ext-artifacts/", "artifacts/", ".cache/", "coverage/", "data/", ".stryker-tmp/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // What is left out on purpose: a leading underscore, or a property taken out of a rest (`const { a, ...rest } = …`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Sanitisers strip control characters from what servers and policies send: matching them is the point.
      "no-control-regex": "off",
      // It counts `this.#timer ??= …` (which reads the field) as a write only.
      "no-unused-private-class-members": "off",
    },
  },
  {
    // Product code: a function over 80 lines is split into named pieces (issue 14). Tests (a describe
    // or test callback holds its cases and their fixtures), the benchmarks and scripts/ (tooling that
    // does not ship) are left out.
    files: ["src/**", "background/**", "popup/**", "cli/**"],
    rules: { "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }] },
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
    // CommonJS: the Jest plugins that Jest loads with require() (scripts/stryker-test-*.cjs).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The benchmarks' scripts in extension pages (added to private copies of the build) and their test extensions.
    files: ["bench/lib/popup-*.js", "bench/*-extension/*.js"],
    languageOptions: { globals: { ...globals.browser, ...globals.webextensions } },
  },
  {
    // The benchmarks pass JSON between processes and files and only report its numbers.
    files: ["bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
