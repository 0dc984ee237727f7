/**
 * The workbench: analyse any chain an analyst has (PEM, DER files, a SecurityInfo JSON, a tab
 * analysis exported by Chain Sentry) and see it as the popup shows a tab. Entirely offline: the
 * page runs the core's ChainAnalyzer itself on the bundled blocklist, with the lists the background
 * applies (ui-bg-get-lists), so its verdict is the background's, and `npm run analyze`'s.
 */
import { useEffect, useState } from "preact/hooks";
import { ChainAnalyzer } from "../../src/analyzer";
import type { CompiledIndex } from "../../src/blocklist";
import { errorMessage } from "../../src/errorMessage";
import type { Connector, TabState } from "../../src/protocol";
import { NO_LISTS } from "../../src/settings";
import { bannerFor } from "../chain/banner";
import { ChainRecordView } from "../chain/ChainRecordView";
import { analysisFileName, analysisJson } from "../chain/exports";
import { VerdictBanner } from "../chain/VerdictBanner";
import { PlatformProvider, usePlatform } from "../connect/context";
import { saveFile } from "../ui/download";
import { ExternalLink } from "../ui/ExternalLink";
import { hostOf, plural } from "../ui/format";
import { Notice } from "../ui/Notice";
import { useRequest } from "../ui/useRequest";
import { analyseChains, workbenchConnector } from "./analyse";
import { inputTooLarge, MAX_INPUT_BYTES, MAX_INPUT_CERTIFICATES, readInput, type InputPart } from "./input";

export interface WorkbenchPageProps {
  /** The bundled blocklist index: the extension's own assets/blocklist.json (tests read data/). */
  loadIndex: () => Promise<CompiledIndex>;
}

/** Done: the analysis, and the connector its views (and downloads) get the input's bytes from. */
type Result = { status: "idle" } | { status: "working" } | { status: "failed"; error: string } | { status: "done"; state: TabState; connector: Connector };

const PASTED = "the pasted text";

type IndexState = { status: "loading" } | { status: "ready"; index: CompiledIndex } | { status: "failed"; error: string };

export function WorkbenchPage({ loadIndex }: WorkbenchPageProps) {
  const platform = usePlatform();
  const index = useBundledIndex(loadIndex);
  const [lists] = useRequest("ui-bg-get-lists", {});

  const [text, setText] = useState("");
  const [files, setFiles] = useState<InputPart[]>([]);
  const [builtInRoot, setBuiltInRoot] = useState(false);
  const [result, setResult] = useState<Result>({ status: "idle" });

  const ready = index.status === "ready" && lists.status !== "loading";
  const analyse = async () => {
    if (index.status !== "ready") return;
    const parts = files.length ? files : [{ name: PASTED, bytes: new TextEncoder().encode(text) }];
    const read = readInput(parts);
    if (!read.ok) return setResult({ status: "failed", error: read.error });
    setResult({ status: "working" });
    // A fresh analyzer each time: nothing one input claimed (a fingerprint for other bytes) is cached for the next.
    const analyzer = new ChainAnalyzer(index.index, lists.status === "ready" ? lists.data : NO_LISTS);
    analyseChains(read.chains, analyzer, { builtInRoot, now: Date.now() }).then(
      ({ state, certificates }) => setResult({ status: "done", state, connector: workbenchConnector(platform.connector, certificates) }),
      (error) => setResult({ status: "failed", error: errorMessage(error) }),
    );
  };

  const takeFiles = async (list: FileList | null) => {
    const chosen = [...(list ?? [])];
    const total = chosen.reduce((n, f) => n + f.size, 0);
    // Sizes first: nothing over the bound is read into memory.
    if (total > MAX_INPUT_BYTES) {
      setFiles([]);
      return setResult({ status: "failed", error: inputTooLarge(total) });
    }
    setFiles(await Promise.all(chosen.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))));
    setResult({ status: "idle" });
  };

  return (
    <div class="workbench-page">
      <header class="topbar">
        <h1>Chain Sentry workbench</h1>
        <nav class="topbar-nav" aria-label="Chain Sentry pages">
          <ExternalLink href="history.html">History</ExternalLink>
          <ExternalLink href="options.html">Settings</ExternalLink>
        </nav>
      </header>
      <main>
        <WorkbenchIntro index={index} listsError={lists.status === "failed" ? lists.error : null} />
        <ChainInputForm
          text={text}
          onText={setText}
          files={files}
          onFiles={(list) => void takeFiles(list)}
          onClearFiles={() => setFiles([])}
          builtInRoot={builtInRoot}
          onBuiltInRoot={setBuiltInRoot}
          canAnalyse={ready && result.status !== "working"}
          onAnalyse={() => void analyse()}
        />
        <WorkbenchResult result={result} />
      </main>
      {result.status === "done" && <AnalysisActions result={result} index={index} />}
    </div>
  );
}

/** The bundled blocklist index, loaded once. */
function useBundledIndex(loadIndex: WorkbenchPageProps["loadIndex"]): IndexState {
  const [index, setIndex] = useState<IndexState>({ status: "loading" });
  useEffect(() => {
    loadIndex().then(
      (loaded) => setIndex({ status: "ready", index: loaded }),
      (error) => setIndex({ status: "failed", error: errorMessage(error) }),
    );
  }, [loadIndex]);
  return index;
}

/** What the workbench checks a chain against, its bounds, and what could not be loaded for it. */
function WorkbenchIntro({ index, listsError }: { index: IndexState; listsError: string | null }) {
  return (
    <>
      <p class="muted">
        Analyse a chain you have: it is checked here, offline, with the bundled blocklist and the lists in force in Chain Sentry (your organisation's, its
        feeds' and your own), as a tab's chain would be. Up to {plural(MAX_INPUT_CERTIFICATES, "certificate")} per chain and{" "}
        {(MAX_INPUT_BYTES / 1024 / 1024).toLocaleString("en")} MiB of input.
      </p>
      {index.status === "failed" && (
        <Notice tone="error" role="alert" title="The bundled blocklist could not be loaded">
          {index.error}
        </Notice>
      )}
      {listsError !== null && (
        <Notice tone="warning" role="status" title="Your lists are not applied">
          Chain Sentry's background did not answer ({listsError}), so chains are checked against the bundled blocklist only.
        </Notice>
      )}
    </>
  );
}

/** The chain to analyse: pasted text or files, and whether its last certificate is a built-in root. */
function ChainInputForm(props: {
  text: string;
  onText: (text: string) => void;
  files: InputPart[];
  onFiles: (list: FileList | null) => void;
  onClearFiles: () => void;
  builtInRoot: boolean;
  onBuiltInRoot: (builtIn: boolean) => void;
  canAnalyse: boolean;
  onAnalyse: () => void;
}) {
  return (
    <form
      class="workbench-input"
      aria-label="Chain to analyse"
      onSubmit={(e) => {
        e.preventDefault();
        props.onAnalyse();
      }}
    >
      <label for="workbench-text">PEM chain (leaf first), or a JSON export</label>
      <textarea
        id="workbench-text"
        spellcheck={false}
        placeholder="-----BEGIN CERTIFICATE-----"
        value={props.text}
        disabled={props.files.length > 0}
        onInput={(e) => props.onText(e.currentTarget.value)}
      />
      <DropZone files={props.files} onFiles={props.onFiles} onClear={props.onClearFiles} />
      <label>
        <input type="checkbox" checked={props.builtInRoot} onChange={(e) => props.onBuiltInRoot(e.currentTarget.checked)} /> The last certificate is a root
        built into Firefox (PEM and DER only: a JSON says so itself)
      </label>
      <div class="actions">
        <button type="submit" disabled={!props.canAnalyse}>
          Analyse
        </button>
      </div>
    </form>
  );
}

/** Files dropped on it or chosen with its picker, and the names of those taken. */
function DropZone({ files, onFiles, onClear }: { files: InputPart[]; onFiles: (list: FileList | null) => void; onClear: () => void }) {
  const [dragging, setDragging] = useState(false);
  return (
    <div
      class={`drop-zone${dragging ? " dragging" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        onFiles(e.dataTransfer?.files ?? null);
      }}
    >
      <label>
        Or drop or choose files (PEM, DER, JSON; several DER or PEM files form one chain, in the order given){" "}
        <input
          type="file"
          multiple
          accept=".pem,.crt,.cer,.der,.json,application/json,application/x-pem-file"
          onChange={(e) => onFiles(e.currentTarget.files)}
        />
      </label>
      {files.length > 0 && (
        <p>
          {files.map((f) => f.name).join(", ")}{" "}
          <button type="button" onClick={onClear}>
            Clear files
          </button>
        </p>
      )}
    </div>
  );
}

/** Under a finished analysis: its download, and the blocklist version it was made with. */
function AnalysisActions({ result, index }: { result: Extract<Result, { status: "done" }>; index: IndexState }) {
  return (
    <footer class="page-actions">
      <button
        type="button"
        onClick={async () => saveFile(analysisFileName(result.state), await analysisJson(result.state, result.connector), "application/json")}
      >
        Download analysis (JSON)
      </button>
      {index.status === "ready" && <span class="muted">Bundled blocklist {index.index.version}</span>}
    </footer>
  );
}

/** The analysis as the popup shows a tab: banner, then each chain (ladder, findings, details, PEM). */
function WorkbenchResult({ result }: { result: Result }) {
  const platform = usePlatform();
  if (result.status === "idle") return null;
  if (result.status === "failed")
    return (
      <Notice tone="error" role="alert" title="This input cannot be analysed">
        {result.error}
      </Notice>
    );
  if (result.status === "working") return <VerdictBanner banner={null} />;
  const { state } = result;
  const records = [...(state.top ? [state.top] : []), ...state.origins.flatMap((o) => o.chains)];
  return (
    <PlatformProvider platform={{ ...platform, connector: result.connector }}>
      <VerdictBanner banner={bannerFor(state)} />
      {records.map((record, i) => (
        <section key={i} class="section" aria-label={`Chain ${i + 1}`}>
          {records.length > 1 && <h2>{record === state.top ? "The page's chain" : hostOf(record.origin)}</h2>}
          <ChainRecordView tabId={state.tabId} record={record} detailsOpen />
        </section>
      ))}
    </PlatformProvider>
  );
}
