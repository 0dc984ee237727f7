import type { CompiledIndex } from "../../src/blocklist";
import { WorkbenchPage } from "../workbench/WorkbenchPage";
import { mount } from "./mount";

/**
 * The blocklist the build emits beside the background (vite.config.ts, blocklistAsJsonModule), the
 * very file the background imports: fetched rather than bundled, so the package holds it once, this
 * page's script stays small, and the 1 MB is parsed as JSON (faster than as a JavaScript literal)
 * only when someone opens the workbench.
 */
async function loadBundledIndex(): Promise<CompiledIndex> {
  const response = await fetch("/assets/blocklist.json");
  if (!response.ok) throw new Error(`assets/blocklist.json: ${response.status} ${response.statusText}`);
  return response.json();
}

mount(<WorkbenchPage loadIndex={loadBundledIndex} />);
