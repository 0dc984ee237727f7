/**
 * What went wrong in the background that the user must be told about, because it means something
 * is not working as configured: state that could not be restored, a storage write that failed, a
 * policy that could not be read. Kept in memory (bounded: one entry per area, newest message and a
 * count), sent to the options page and the popup with the status, and logged once per area.
 */
import type { Problem, ProblemArea } from "../src/protocol";

/**
 * "failure": something that failed now and is resolved when it works again (a write, a rule update).
 * "restore": state lost at start-up, which later success does not bring back: shown until restart.
 */
export type ProblemKind = "failure" | "restore";

export class Problems {
  readonly #problems = new Map<string, Problem>();
  readonly #log: Pick<Console, "warn">;

  constructor(log: Pick<Console, "warn"> = console) {
    this.#log = log;
  }

  /** Records a problem; the same area and kind again replaces the message and counts it. */
  report(area: ProblemArea, message: string, kind: ProblemKind = "failure", time = Date.now()): void {
    const key = `${area}|${kind}`;
    const previous = this.#problems.get(key);
    if (!previous) this.#log.warn(`Chain Sentry: ${area}: ${message}`);
    // Messages may quote attacker-influenced text (an error naming a key): keep them short.
    this.#problems.set(key, { area, message: message.slice(0, 500), time, count: (previous?.count ?? 0) + 1 });
  }

  /** The area works again (a later write succeeded): its failure is no longer shown; what restore lost still is. */
  resolve(area: ProblemArea): void {
    this.#problems.delete(`${area}|failure`);
  }

  list(): Problem[] {
    return [...this.#problems.values()];
  }
}
