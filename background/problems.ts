/**
 * What went wrong in the background that the user must be told about, because it means something
 * is not working as configured: state that could not be restored, a storage write that failed, a
 * policy that could not be read. Kept in memory (bounded: one entry per area, newest message and a
 * count), sent to the options page and the popup with the status, and logged once per area.
 */
import type { Problem, ProblemArea } from "../src/protocol";

export class Problems {
  readonly #byArea = new Map<ProblemArea, Problem>();
  readonly #log: Pick<Console, "warn">;

  constructor(log: Pick<Console, "warn"> = console) {
    this.#log = log;
  }

  /** Records a problem; the same area again replaces the message and counts it. */
  report(area: ProblemArea, message: string, time = Date.now()): void {
    const previous = this.#byArea.get(area);
    if (!previous) this.#log.warn(`Chain Sentry: ${area}: ${message}`);
    // Messages may quote attacker-influenced text (an error naming a key): keep them short.
    this.#byArea.set(area, { area, message: message.slice(0, 500), time, count: (previous?.count ?? 0) + 1 });
  }

  /** The area works again (a later write succeeded): its problem is no longer shown. */
  resolve(area: ProblemArea): void {
    this.#byArea.delete(area);
  }

  list(): Problem[] {
    return [...this.#byArea.values()];
  }
}

/** An error's message, for a problem or a finding. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
