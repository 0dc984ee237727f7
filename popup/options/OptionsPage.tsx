import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { errorMessage } from "../../src/errorMessage";
import { MAX_HISTORY_LIMIT, type Mode, type SettingsInput, type SettingsView } from "../../src/protocol";
import type { SettingsIssue } from "../../src/settings/issues";
import { lockedBySettings, type UserSettingKey } from "../../src/settings/schema";
import { useConnector } from "../connect/context";
import { ExternalLink } from "../ui/ExternalLink";
import { BackgroundError, Notice } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";
import { BundledBlocklist } from "./BundledBlocklist";
import { FeedsSection } from "./FeedsSection";
import { ReportingSection } from "./ReportingSection";
import { InspectionGaps } from "../ui/InspectionGaps";
import { formatListText } from "../../src/listFormat";
import { entrySummary, errorsByField, onecrlFileAsLines } from "./listText";

export function OptionsPage() {
  const [settings, reload] = useRequest("ui-bg-get-settings", {});
  return (
    <div class="options-page">
      <header class="topbar">
        <h1>Chain Sentry settings</h1>
        <nav class="topbar-nav" aria-label="Chain Sentry pages">
          <ExternalLink href="history.html">History</ExternalLink>
          <ExternalLink href="workbench.html">Analyse a chain</ExternalLink>
        </nav>
      </header>
      <main>
        <InspectionGaps />
        {settings.status === "loading" && <div class="skeleton form-skeleton" aria-busy="true" aria-label="Loading settings" />}
        {settings.status === "failed" && <BackgroundError error={settings.error} onRetry={reload} />}
        {settings.status === "ready" && <SettingsForm initial={settings.data} />}
        <ReportingSection />
        <FeedsSection />
        <BundledBlocklist />
      </main>
    </div>
  );
}

interface FormValues {
  mode: Mode;
  notifications: boolean;
  notifyWarnings: boolean;
  historyLimit: string;
  allowlistText: string;
  blocklistText: string;
}

interface ImportReport {
  name: string;
  count: number;
  errors: string[];
  notes: string[];
}

type SaveState =
  { status: "idle" } | { status: "saving" } | { status: "saved" } | { status: "rejected"; errors: SettingsIssue[] } | { status: "failed"; error: string };

function valuesOf(view: SettingsView): FormValues {
  const e = view.effective;
  return {
    mode: e.mode,
    notifications: e.notifications,
    notifyWarnings: e.notifyWarnings,
    historyLimit: String(e.historyLimit),
    allowlistText: formatListText(view.user.allowlist ?? []),
    blocklistText: formatListText(view.user.blocklist ?? []),
  };
}

function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

function SettingsForm({ initial }: { initial: SettingsView }) {
  const connector = useConnector();
  const [view, setView] = useState(initial);
  const [values, setValues] = useState(() => valuesOf(initial));
  // The lists as loaded: a list is sent only when it changed, so saving the mode never rewrites it.
  const [baseline, setBaseline] = useState(() => valuesOf(initial));
  const [imports, setImports] = useState<ImportReport[]>([]);
  const [save, setSave] = useState<SaveState>({ status: "idle" });

  const access = fieldAccess(view);
  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (save.status === "saved") setSave({ status: "idle" });
  };
  const { fields: fieldErrors, general } = save.status === "rejected" ? errorsByField(save.errors) : { fields: {}, general: [] };

  const onSubmit = (event: Event) => {
    event.preventDefault();
    setSave({ status: "saving" });
    connector.send("ui-bg-save-settings", { input: changedInput(view, values, baseline, access.readOnly) }).then(
      (result) => {
        if (!result.ok) {
          // Nothing was saved: keep every field as typed so the errors can be fixed in place.
          setSave({ status: "rejected", errors: result.errors });
          return;
        }
        setView(result.view);
        setValues(valuesOf(result.view));
        setBaseline(valuesOf(result.view));
        setImports([]);
        setSave({ status: "saved" });
      },
      (error) => setSave({ status: "failed", error: errorMessage(error) }),
    );
  };

  const importFiles = (event: Event) =>
    importOneCrlFiles(event.currentTarget as HTMLInputElement, (lines, report) => {
      if (lines) setValues((v) => ({ ...v, blocklistText: `${v.blocklistText}${v.blocklistText && !v.blocklistText.endsWith("\n") ? "\n" : ""}${lines}` }));
      setImports((list) => [...list, report]);
    });

  return (
    <form class="settings" onSubmit={onSubmit} noValidate>
      <PolicyNotice policy={view.policy} />
      {general.length > 0 && <ErrorList id="general-errors" errors={general} />}
      <ModeField values={values} set={set} access={access} errors={fieldErrors.mode} blockUnverifiableChains={view.effective.blockUnverifiableChains} />
      <NotificationFields values={values} set={set} access={access} errors={[...(fieldErrors.notifications ?? []), ...(fieldErrors.notifyWarnings ?? [])]} />
      <HistoryLimitField values={values} set={set} access={access} errors={fieldErrors.historyLimit} />
      <ListField
        id="allowlist"
        label="Allowlist"
        help="Your organisation's own roots and intermediates, by certificate SHA-256 or public key (SPKI SHA-256). They are no longer reported as dynamically supplied or as a non-built-in root. Nothing silences a blocked certificate."
        value={values.allowlistText}
        onInput={(text) => set("allowlistText", text)}
        managed={access.managed("allowlist")}
        readOnly={access.readOnly("allowlist")}
        errors={fieldErrors.allowlist}
        organisation={policyEntries(view.effective.allowlist)}
      />
      <ListField
        id="blocklist"
        label="Your own blocklist"
        help="Certificates and keys to block on top of the bundled blocklist."
        value={values.blocklistText}
        onInput={(text) => set("blocklistText", text)}
        managed={access.managed("blocklist")}
        readOnly={access.readOnly("blocklist")}
        errors={fieldErrors.blocklist}
        organisation={policyEntries(view.effective.blocklist)}
      >
        <OneCrlImport disabled={access.readOnly("blocklist")} onChange={(e) => void importFiles(e)} imports={imports} />
      </ListField>
      <SaveBar save={save} />
    </form>
  );
}

/**
 * Reads each file chosen in `picker` as a OneCRL document, in order, and empties the picker. A file
 * that cannot be read is reported as such, and the next ones are still read.
 */
async function importOneCrlFiles(picker: HTMLInputElement, onFile: (lines: string, report: ImportReport) => void): Promise<void> {
  const files = Array.from(picker.files ?? []);
  picker.value = "";
  for (const file of files) {
    try {
      const result = await onecrlFileAsLines(await readText(file));
      onFile(result.lines, { name: file.name, count: result.count, errors: result.errors, notes: result.notes });
    } catch (error) {
      onFile("", { name: file.name, count: 0, errors: [`The file could not be read: ${errorMessage(error)}`], notes: [] });
    }
  }
}

/** Which settings the policy sets (managed), and which the user may not change (managed or locked). */
interface FieldAccess {
  managed: (key: UserSettingKey) => boolean;
  readOnly: (key: UserSettingKey) => boolean;
}

function fieldAccess(view: SettingsView): FieldAccess {
  const managed = (key: UserSettingKey) => view.managedKeys.includes(key);
  // The schema's lock rule: what lockSettings freezes (the history's size stays the user's).
  const readOnly = (key: UserSettingKey) => managed(key) || lockedBySettings(key, view.policy.locked);
  return { managed, readOnly };
}

/** What the user changed and may change: the one thing a save sends. */
function changedInput(view: SettingsView, values: FormValues, baseline: FormValues, readOnly: FieldAccess["readOnly"]): SettingsInput {
  const e = view.effective;
  const out: SettingsInput = {};
  if (!readOnly("mode") && values.mode !== e.mode) out.mode = values.mode;
  if (!readOnly("notifications") && values.notifications !== e.notifications) out.notifications = values.notifications;
  if (!readOnly("notifyWarnings") && values.notifyWarnings !== e.notifyWarnings) out.notifyWarnings = values.notifyWarnings;
  if (!readOnly("historyLimit") && values.historyLimit !== String(e.historyLimit)) out.historyLimit = Number(values.historyLimit.trim() || NaN);
  if (!readOnly("allowlist") && values.allowlistText !== baseline.allowlistText) out.allowlistText = values.allowlistText;
  if (!readOnly("blocklist") && values.blocklistText !== baseline.blocklistText) out.blocklistText = values.blocklistText;
  return out;
}

/** The entries the organisation's policy adds to a list, shown under the user's own. */
function policyEntries(entries: SettingsView["effective"]["allowlist" | "blocklist"]): string[] {
  return entries.filter((e) => e.source === "policy").map(entrySummary);
}

/** What one field of the form is given: the values, their setter, who may change it, and its errors. */
interface FieldProps {
  values: FormValues;
  set: <K extends keyof FormValues>(key: K, value: FormValues[K]) => void;
  access: FieldAccess;
  errors?: string[];
}

function PolicyNotice({ policy }: { policy: SettingsView["policy"] }) {
  if (!policy.present && policy.errors.length === 0) return null;
  return (
    <Notice tone={policy.errors.length ? "warning" : "info"} title="Your organisation manages Chain Sentry">
      <p>
        {policy.locked
          ? "Your organisation has locked the mode, the lists and notifications: they are shown here read-only."
          : "Settings marked “Set by your organisation” come from your organisation's policy and cannot be changed here."}
      </p>
      {policy.errors.length > 0 && (
        <>
          <p>These parts of the policy were ignored:</p>
          <ul>
            {policy.errors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        </>
      )}
    </Notice>
  );
}

function ModeField({ values, set, access, errors, blockUnverifiableChains }: FieldProps & { blockUnverifiableChains: boolean }) {
  return (
    <fieldset class="setting">
      <legend>When a blocked certificate appears</legend>
      <Managed field="mode" managed={access.managed("mode")} locked={access.readOnly("mode")} />
      <label class="choice">
        <input type="radio" name="mode" value="warn" checked={values.mode === "warn"} disabled={access.readOnly("mode")} onChange={() => set("mode", "warn")} />
        Warn: mark the tab and record it, and let the page load
      </label>
      <label class="choice">
        <input
          type="radio"
          name="mode"
          value="block"
          checked={values.mode === "block"}
          disabled={access.readOnly("mode")}
          onChange={() => set("mode", "block")}
        />
        Block: stop the request and show what was blocked; also stop requests whose chain could not be checked
      </label>
      {blockUnverifiableChains && (
        <p class="muted">
          Your organisation also stops, in block mode, sites for which a certificate error was overridden: Firefox then reports no chain to check.
        </p>
      )}
      <ErrorList id="mode-errors" errors={errors} />
    </fieldset>
  );
}

function NotificationFields({ values, set, access, errors }: FieldProps) {
  return (
    <fieldset class="setting">
      <legend>Notifications</legend>
      <CheckboxSetting field="notifications" values={values} set={set} access={access}>
        Desktop notification when a blocked certificate appears
      </CheckboxSetting>
      <CheckboxSetting field="notifyWarnings" values={values} set={set} access={access}>
        Also notify for warnings
      </CheckboxSetting>
      <ErrorList id="notifications-errors" errors={errors} />
    </fieldset>
  );
}

/** A yes/no setting: its checkbox and label, then who sets it when the user may not. */
function CheckboxSetting({ field, values, set, access, children }: FieldProps & { field: "notifications" | "notifyWarnings"; children: ComponentChildren }) {
  return (
    <>
      <label class="choice">
        <input type="checkbox" checked={values[field]} disabled={access.readOnly(field)} onChange={(e) => set(field, e.currentTarget.checked)} />
        {children}
      </label>
      <Managed field={field} managed={access.managed(field)} locked={access.readOnly(field)} />
    </>
  );
}

function HistoryLimitField({ values, set, access, errors }: FieldProps) {
  return (
    <div class="setting">
      <label class="block-label" for="history-limit">
        Events kept in the history
      </label>
      <Managed field="historyLimit" managed={access.managed("historyLimit")} locked={access.readOnly("historyLimit")} />
      <input
        id="history-limit"
        type="number"
        min={1}
        max={MAX_HISTORY_LIMIT}
        step={1}
        inputMode="numeric"
        value={values.historyLimit}
        disabled={access.readOnly("historyLimit")}
        aria-invalid={errors ? true : undefined}
        aria-describedby={errors ? "historyLimit-errors" : undefined}
        onInput={(e) => set("historyLimit", e.currentTarget.value)}
      />
      <ErrorList id="historyLimit-errors" errors={errors} />
    </div>
  );
}

/** The OneCRL file picker under the user's blocklist, and what each imported file added. */
function OneCrlImport({ disabled, onChange, imports }: { disabled: boolean; onChange: (event: Event) => void; imports: ImportReport[] }) {
  return (
    <>
      <label class="file-import">
        Import OneCRL-format JSON file
        <input type="file" accept=".json,application/json" multiple disabled={disabled} onChange={onChange} />
      </label>
      {imports.length > 0 && (
        <ul class="plain imports" aria-label="Imported files" aria-live="polite">
          {imports.map((f, i) => (
            <li key={i}>
              <p>
                {f.name}: {f.count === 1 ? "1 entry" : `${f.count} entries`} added to the list above
                {f.count > 0 && "; save to apply them"}.
              </p>
              {[...f.errors, ...f.notes].length > 0 && (
                <ul class={f.errors.length ? "field-errors" : "help"}>
                  {[...f.errors, ...f.notes].map((m, j) => (
                    <li key={j}>{m}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function SaveBar({ save }: { save: SaveState }) {
  return (
    <div class="save-bar">
      <button type="submit" class="primary" disabled={save.status === "saving"}>
        Save
      </button>
      <span class="save-status" role="status">
        {save.status === "saving" && "Saving…"}
        {save.status === "saved" && "Saved"}
        {save.status === "rejected" && `Not saved: ${save.errors.length === 1 ? "1 problem" : `${save.errors.length} problems`} to fix`}
      </span>
      {save.status === "failed" && <BackgroundError error={save.error} />}
    </div>
  );
}

function Managed({ field, managed, locked }: { field: UserSettingKey; managed: boolean; locked: boolean }) {
  if (managed)
    return (
      <p class="managed" id={`${field}-managed`}>
        Set by your organisation
      </p>
    );
  if (locked)
    return (
      <p class="managed" id={`${field}-managed`}>
        Locked by your organisation
      </p>
    );
  return null;
}

function ErrorList({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <ul id={id} class="field-errors" role="alert">
      {errors.map((e, i) => (
        <li key={i}>{e}</li>
      ))}
    </ul>
  );
}

function ListField(props: {
  id: "allowlist" | "blocklist";
  label: string;
  help: string;
  value: string;
  onInput: (text: string) => void;
  managed: boolean;
  readOnly: boolean;
  errors?: string[];
  organisation: string[];
  children?: ComponentChildren;
}) {
  const { id, errors } = props;
  return (
    <div class="setting list-setting">
      <label class="block-label" for={`${id}-text`}>
        {props.label}
      </label>
      <Managed field={id} managed={props.managed} locked={props.readOnly} />
      <p class="help" id={`${id}-help`}>
        {props.help} One entry per line: a PEM certificate, a fingerprint prefixed with <code>sha256:</code>, <code>sha1:</code> or <code>spki:</code> (or
        bare), or an SPKI SHA-256 in base64. Text after <code> #</code> is a label; lines starting with <code>#</code> are comments.
      </p>
      <textarea
        id={`${id}-text`}
        rows={6}
        spellcheck={false}
        value={props.value}
        readOnly={props.readOnly}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={`${id}-help${errors?.length ? ` ${id}-errors` : ""}`}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <ErrorList id={`${id}-errors`} errors={errors} />
      {props.children}
      {props.organisation.length > 0 && (
        <div class="organisation-entries">
          <p>From your organisation ({props.organisation.length}):</p>
          <ul class="plain">
            {props.organisation.map((line, i) => (
              <li key={i}>
                <code>{line}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
