import type { ComponentChildren } from "preact";
import { useId, useState } from "preact/hooks";

/**
 * A disclosure: a real <button aria-expanded> that shows its panel. The panel is rendered only
 * while open, so what it needs (a certificate's details) is asked for only when someone looks.
 */
export function Expander({
  summary,
  children,
  onOpen,
  class: className = "",
  initiallyOpen = false,
}: {
  summary: ComponentChildren;
  children: () => ComponentChildren;
  onOpen?: () => void;
  class?: string;
  initiallyOpen?: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const id = useId();
  return (
    <div class={`expander ${className}`}>
      <button
        type="button"
        class="expander-toggle"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => {
          if (!open) onOpen?.();
          setOpen(!open);
        }}
      >
        <span class="chevron" aria-hidden="true" />
        {summary}
      </button>
      <div id={id} class="expander-panel" hidden={!open}>
        {open && children()}
      </div>
    </div>
  );
}
