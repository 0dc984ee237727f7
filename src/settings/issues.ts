/**
 * What every settings validator reports: an issue is a path into the value it checked (the policy,
 * a list, the options page's input) and a message. Pages route an issue by its path (the options
 * page puts `["blocklist", { line: 3 }]` under the blocklist field); people read it formatted,
 * `blocklist line 3: …` or `blocklist[3].sha256: …`, the path written once, here.
 */

/** A line of pasted list text, and for OneCRL JSON the record that opens there. */
export interface TextLocation {
  line: number;
  record?: number;
  /** The OneCRL record's own id, when it has one. */
  id?: string;
}

/** A name the user chose (a header name): quoted when written, since it can be anything. */
export interface NameSegment {
  name: string;
}

/** A key of an object, an index into an array, a name the user chose, or a place in list text. */
export type PathSegment = string | number | NameSegment | TextLocation;

export interface SettingsIssue {
  /** From the value checked down to the part at fault; empty for the value as a whole. */
  path: PathSegment[];
  /** What was expected and what was found, without the path. */
  message: string;
}

/** The result of checking one value: the value to use (absent: nothing applies) and every issue found. */
export interface Checked<T> {
  value?: T;
  issues: SettingsIssue[];
}

/** A single check's outcome, for the checks whose message the caller places on a path. */
export type Check<T> = { ok: true; value: T } | { ok: false; error: string };

export const issueAt = (path: PathSegment[], message: string): SettingsIssue => ({ path, message });

/** The issues of a part, placed under the path of the whole. */
export const under = (prefix: PathSegment[], issues: readonly SettingsIssue[]): SettingsIssue[] =>
  issues.map((i) => ({ path: [...prefix, ...i.path], message: i.message }));

/** The path as people read it: `reporting.headers."X-Key"`, `blocklist[3].sha256`, `blocklist line 2`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, i) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (typeof segment === "string") return i === 0 ? segment : `.${segment}`;
      if ("name" in segment) return `.${describeValue(segment.name)}`;
      const record = segment.record === undefined ? "" : `, record ${segment.record}${segment.id === undefined ? "" : ` (id ${segment.id})`}`;
      return `${i === 0 ? "" : " "}line ${segment.line}${record}`;
    })
    .join("");
}

/** `blocklist[3].sha256: expected …`; an issue about the whole value is its message alone. */
export function formatIssue(issue: SettingsIssue): string {
  return issue.path.length ? `${formatPath(issue.path)}: ${issue.message}` : issue.message;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a message quotes it: strings quoted (and cut), numbers as written, kinds for the rest. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case "number":
    case "boolean":
      return String(value);
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}
