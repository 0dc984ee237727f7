import type { Level } from "../../src/verdict";
import { LEVEL_WORD } from "../../src/names";
import type { BadgeInfo } from "./badges";

export function Badge({ badge }: { badge: BadgeInfo }) {
  return (
    <span class={`badge tone-${badge.tone}`} title={badge.title}>
      {badge.label}
    </span>
  );
}

export function LevelTag({ level }: { level: Level }) {
  return <span class={`badge tone-${level === "ok" ? "good" : level}`}>{LEVEL_WORD[level]}</span>;
}
