/** @type {import('jest').Config} */
const swc = [
  "@swc/jest",
  {
    jsc: {
      parser: { syntax: "typescript", tsx: true },
      transform: { react: { runtime: "automatic", importSource: "preact" } },
      target: "es2022",
    },
    module: { type: "commonjs" },
  },
];
const shared = {
  transform: { "^.+\\.(t|j)sx?$": swc, "^.+\\.mjs$": swc },
  // preact 11, @testing-library/preact and jose are ESM-only: transform them to CJS.
  transformIgnorePatterns: ["/node_modules/(?!(preact|@testing-library/preact|jose)/)"],
  // Stryker's copy of the tree while `npm run mutate` runs: not this tree's modules (haste name collisions).
  modulePathIgnorePatterns: ["<rootDir>/.stryker-tmp/"],
};

export default {
  // Every product file counts, imported by a test or not (one no test loads shows as 0 %, not as absent).
  collectCoverageFrom: ["src/**/*.{ts,tsx}", "background/**/*.{ts,tsx}", "popup/**/*.{ts,tsx}", "cli/**/*.{ts,tsx}"],
  coverageReporters: ["text-summary", "json-summary"],
  projects: [
    // Pure core and background adapters: Node has real WebCrypto for certificate work.
    { ...shared, displayName: "unit", testEnvironment: "node", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    // Preact views under jsdom.
    { ...shared, displayName: "components", testEnvironment: "jsdom", testMatch: ["<rootDir>/test/components/**/*.test.tsx"] },
  ],
};
