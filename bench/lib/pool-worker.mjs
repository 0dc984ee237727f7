// Worker-thread entry: loader hooks registered in the main thread do not reach workers on Node 20,
// so register tsx here, then load the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./pool-worker.ts");
