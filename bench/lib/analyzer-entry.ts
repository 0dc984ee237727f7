// The analyzer alone, bundled as an IIFE (global ChainSentryBench) for the blocklist-load measurement in Firefox.
export { ChainAnalyzer } from "../../src/analyzer";
