import browser from "webextension-polyfill";
import { Blocklist, type CompiledIndex } from "../src/blocklist";
import indexJson from "../data/blocklist.json";

// Placeholder wiring while the capture lands: answers the status request the load test uses.
const index = indexJson as unknown as CompiledIndex;
const blocklist = Blocklist.fromIndex(index);

browser.runtime.onMessage.addListener(async (message: unknown) => {
  if ((message as { type?: string })?.type === "ui-bg-get-status") {
    return { blocklistVersion: index.version, entries: blocklist.entries.length };
  }
  return undefined;
});
