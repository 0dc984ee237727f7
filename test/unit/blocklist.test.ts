/** The blocklist matcher's contract with the compiled index it loads. */
import { Blocklist } from "../../src/blocklist";
import { bundledIndex } from "./support/chains";

test("an index of another format is refused with a message saying how to rebuild it", () => {
  expect(() => Blocklist.fromIndex({ ...bundledIndex, format: 2 } as unknown as typeof bundledIndex)).toThrow(
    /blocklist index format 2 is not supported \(expected 1\); run npm run blocklist/,
  );
  expect(() => Blocklist.fromIndex(undefined as unknown as typeof bundledIndex)).toThrow(/format undefined is not supported/);
});
