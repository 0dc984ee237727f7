import type { ComponentChildren } from "preact";

/** A framed message: errors from the background, policy problems, empty states. */
export function Notice({
  tone = "info",
  title,
  children,
  role,
}: {
  tone?: "info" | "error" | "warning";
  title?: string;
  children?: ComponentChildren;
  role?: "alert" | "status";
}) {
  return (
    <div class={`notice-box tone-${tone}`} role={role}>
      {title && <p class="notice-title">{title}</p>}
      {children}
    </div>
  );
}

export function BackgroundError({ error, onRetry }: { error: string; onRetry?: () => void }) {
  return (
    <Notice tone="error" role="alert" title="Chain Sentry's background did not answer">
      <p>{error}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </Notice>
  );
}
