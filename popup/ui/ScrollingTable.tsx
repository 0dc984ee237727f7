import type { ComponentChildren } from "preact";

/**
 * The box a wide table scrolls sideways in. It takes keyboard focus and has a name, so that a
 * keyboard user can reach and scroll it too (axe: scrollable-region-focusable, WCAG 2.1.1).
 */
export function ScrollingTable({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
