import type { ComponentChildren } from "preact";
import { usePlatform } from "../connect/context";

/**
 * A link to a web page, opened in a new tab through the platform (tabs.create): plain target=_blank
 * links are unreliable from a browser-action popup.
 */
export function ExternalLink({ href, children, label }: { href: string; children: ComponentChildren; label?: string }) {
  const { openTab } = usePlatform();
  return (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={label}
      onClick={(event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        openTab(href);
      }}
    >
      {children}
    </a>
  );
}

/** The same for the block page, which has no platform: a plain new-tab link. */
export function PlainExternalLink({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}
