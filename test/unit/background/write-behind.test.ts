/**
 * WriteBehind, the batching under the alert history and the reporting queue: when a marked key
 * reaches storage, what a failure does, and what is never written. Time is Jest's fake clock.
 */
import { WriteBehind, type WriteBehindOptions } from "../../../background/writeBehind";

const START = Date.UTC(2026, 0, 15);

/** A WriteBehind over a storage that logs every call with its time; `values` is the owner's memory. */
function setup(options: Partial<WriteBehindOptions> = {}) {
  const calls: { at: number; op: "set" | "remove"; what: unknown }[] = [];
  const values = new Map<string, unknown>();
  let failNext = 0;
  const saved: boolean[] = [];
  const failed: unknown[] = [];
  const writer = new WriteBehind({
    storage: {
      set: async (items) => {
        if (failNext > 0 && failNext--) throw new Error("quota exceeded");
        calls.push({ at: Date.now() - START, op: "set", what: items });
      },
      remove: async (keys) => void calls.push({ at: Date.now() - START, op: "remove", what: keys }),
    },
    valueOf: (key) => values.get(key),
    onSaved: (afterFailure) => saved.push(afterFailure),
    onFailed: (error) => failed.push(error),
    now: () => Date.now(),
    intervalMs: 1000,
    ...options,
  });
  const mark = (...entries: [string, unknown][]) => {
    for (const [key, value] of entries) values.set(key, value);
    writer.mark(...entries.map(([key]) => key));
  };
  return { writer, calls, values, saved, failed, mark, failWrites: (n: number) => (failNext = n) };
}

const at = (ms: number) => jest.advanceTimersByTimeAsync(ms - (Date.now() - START));

beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(() => jest.useRealTimers());

test("nothing is written until the owner has restored its state; then what was marked goes in one write", async () => {
  const { writer, calls, mark } = setup();
  mark(["a", 1], ["b", 2]);
  await at(5000);
  expect(calls).toEqual([]);
  writer.enable();
  await at(5000);
  expect(calls).toEqual([{ at: 5000, op: "set", what: { a: 1, b: 2 } }]);
});

test("the first change after a quiet spell is written at once; a burst after it waits for the interval, then goes in one write", async () => {
  const { writer, calls, mark } = setup();
  writer.enable();
  mark(["a", 1]);
  await at(0);
  expect(calls).toEqual([{ at: 0, op: "set", what: { a: 1 } }]);
  await at(100);
  mark(["b", 2]);
  await at(400);
  mark(["c", 3], ["b", 4]);
  await at(999);
  expect(calls).toHaveLength(1);
  await at(1000);
  expect(calls[1]).toEqual({ at: 1000, op: "set", what: { b: 4, c: 3 } });
  // Quiet for longer than the interval: the next change is written at once again.
  await at(5000);
  mark(["d", 5]);
  await at(5000);
  expect(calls[2]).toEqual({ at: 5000, op: "set", what: { d: 5 } });
});

test("with batchMs, the first change waits for the rest of its burst", async () => {
  const { writer, calls, mark } = setup({ batchMs: 500 });
  writer.enable();
  mark(["a", 1]);
  await at(300);
  mark(["b", 2]);
  await at(499);
  expect(calls).toEqual([]);
  await at(500);
  expect(calls).toEqual([{ at: 500, op: "set", what: { a: 1, b: 2 } }]);
});

test("a key whose value is gone is removed, after the keys written with it; an empty side makes no call", async () => {
  const { writer, calls, mark, values } = setup();
  writer.enable();
  mark(["index", [1]], ["chunk:0", undefined]);
  await at(0);
  expect(calls.map((c) => [c.op, c.what])).toEqual([
    ["set", { index: [1] }],
    ["remove", ["chunk:0"]],
  ]);
  values.delete("index");
  writer.mark("index");
  await at(1000);
  expect(calls.slice(2).map((c) => [c.op, c.what])).toEqual([["remove", ["index"]]]);
});

test("urgent: written as soon as the interval allows, not after the batch", async () => {
  const { writer, calls, mark, values } = setup({ batchMs: 1000 });
  writer.enable();
  mark(["a", 1]);
  await at(1000); // written at 1000
  mark(["b", 2]); // would wait for its batch: until 2000
  await at(1100);
  values.set("c", 3);
  writer.dirty.add("c");
  writer.urgent(); // the interval since the last write ends at 2000 anyway
  await at(1999);
  expect(calls).toHaveLength(1);
  await at(2000);
  expect(calls[1]).toEqual({ at: 2000, op: "set", what: { b: 2, c: 3 } });
  // After a quiet spell, urgent does not wait for a batch at all.
  await at(10_000);
  mark(["d", 4]);
  writer.urgent();
  await at(10_000);
  expect(calls[2]).toEqual({ at: 10_000, op: "set", what: { d: 4 } });
});

test("a failed write keeps its keys, is reported and retried after a doubling wait up to maxRetryMs; the recovery is said once", async () => {
  const { writer, calls, mark, saved, failed, failWrites } = setup({ maxRetryMs: 3000 });
  writer.enable();
  failWrites(3);
  mark(["a", 1]);
  await at(0);
  expect(failed).toHaveLength(1);
  expect(saved).toEqual([]);
  // Retries at 0 + 2000 (failed), then + 3000, capped (failed), then + 3000 (saved).
  writer.urgent(); // does not hurry a retry during the backoff
  await at(1999);
  expect(failed).toHaveLength(1);
  await at(2000);
  expect(failed).toHaveLength(2);
  await at(4999);
  expect(failed).toHaveLength(2);
  await at(5000);
  expect(failed).toHaveLength(3);
  expect(calls).toEqual([]);
  await at(8000);
  expect(calls).toEqual([{ at: 8000, op: "set", what: { a: 1 } }]);
  expect(saved).toEqual([true]);
  mark(["b", 2]);
  await at(9000);
  expect(saved).toEqual([true, false]);
});

test("flush writes now, and never rejects", async () => {
  const { writer, calls, mark, failed, failWrites } = setup({ batchMs: 60_000 });
  writer.enable();
  mark(["a", 1]);
  await writer.flush();
  expect(calls).toEqual([{ at: 0, op: "set", what: { a: 1 } }]);
  failWrites(1);
  mark(["b", 2]);
  await expect(writer.flush()).resolves.toBeUndefined();
  expect(failed).toHaveLength(1);
  expect(writer.dirty).toEqual(new Set(["b"]));
});
