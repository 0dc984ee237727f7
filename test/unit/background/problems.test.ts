/** Problems: what the popup and options page show of what went wrong, and what goes to the console. */
import { Problems } from "../../../background/problems";

test("a problem is logged once per area and kind; repeats replace the message and count; resolving clears failures, not lost state", () => {
  const log = { warn: jest.fn() };
  const problems = new Problems(log);
  problems.report("history", "the first failure", "failure", 1);
  problems.report("history", "the second failure", "failure", 2);
  problems.report("history", "restored without 3 chunks", "restore", 3);
  expect(log.warn.mock.calls).toEqual([["Chain Sentry: history: the first failure"], ["Chain Sentry: history: restored without 3 chunks"]]);
  expect(problems.list()).toEqual([
    { area: "history", message: "the second failure", time: 2, count: 2 },
    { area: "history", message: "restored without 3 chunks", time: 3, count: 1 },
  ]);
  problems.resolve("history");
  expect(problems.list().map((p) => p.message)).toEqual(["restored without 3 chunks"]);
  // After it was resolved, a new failure is news again.
  problems.report("history", "failing again", "failure", 4);
  expect(log.warn).toHaveBeenCalledTimes(3);
});

test("a message that quotes attacker-sized text is cut to 500 characters", () => {
  const problems = new Problems({ warn: () => undefined });
  problems.report("capture", `a response could not be checked: ${"x".repeat(100_000)}`);
  expect(problems.list()[0].message).toHaveLength(500);
});
