import type { ComponentChildren } from "preact";
import { CopyButton } from "./CopyButton";

/** A label/value list. Values are always rendered as text: certificate fields are attacker-controlled. */
export function Fields({ children, label }: { children: ComponentChildren; label: string }) {
  return (
    <div role="group" aria-label={label}>
      <dl class="fields">{children}</dl>
    </div>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A fingerprint or hash: monospaced, wrapping anywhere, with a copy button. */
export function HashField({ label, value }: { label: string; value: string }) {
  return (
    <Field label={label}>
      <span class="hash">
        <code>{value}</code>
        <CopyButton text={value} label={label} />
      </span>
    </Field>
  );
}

/** A list value; "none" when empty. */
export function ListValue({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span class="muted">none</span>;
  if (items.length === 1) return <>{items[0]}</>;
  return (
    <ul class="plain">
      {items.map((item, i) => (
        <li key={i}>{item}</li>
      ))}
    </ul>
  );
}
