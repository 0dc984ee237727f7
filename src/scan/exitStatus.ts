/**
 * The exit status of the command-line tools (`npm run analyze`, `npm run scan`): the worst verdict,
 * so a script can branch on it without parsing the output.
 */
import { LEVEL_RANK, worstLevel, type Level } from "../verdict";
import type { HostOutcome } from "./report";

/** Bad usage (sysexits.h EX_USAGE): nothing was analysed. */
export const EXIT_USAGE = 64;
/**
 * A host that could not be scanned counts as a warning: its chain went unchecked, which is worth
 * a look, but nothing in it was seen to be wrong (that is a verdict's job).
 */
export const FAILED_HOST_LEVEL: Level = "warning";

/** 0 ok, 1 notice, 2 warning, 3 blocked: the rank of the worst level. */
export function exitStatus(levels: Iterable<Level>): number {
  return LEVEL_RANK[worstLevel(levels)];
}

/** The worst verdict over a scan's hosts, a host that failed counting as FAILED_HOST_LEVEL. */
export function scanExitStatus(outcomes: Iterable<HostOutcome>): number {
  return exitStatus(Array.from(outcomes, (o) => (o === "failed" ? FAILED_HOST_LEVEL : o)));
}
