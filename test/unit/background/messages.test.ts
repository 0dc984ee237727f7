import { createMessageHandler, type MessageDeps } from "../../../background/messages";
import { MAX_CERTIFICATE_BYTES, type ResponseOf, type TabState } from "../../../src/protocol";
import { analyzer, makePki, securityInfo } from "../support/chains";

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** A tab whose page came with a real chain; `der` replaces the bytes the background kept for it. */
async function setup(der?: (kept: string[]) => string[]) {
  const info = await securityInfo(await makePki());
  const kept = info.certificates.map((c) => base64(Uint8Array.from(c.rawDER!)));
  const verdict = analyzer().analyze(info);
  // Only what the handler reads of the tab: its page's chain and the bytes kept for it.
  const state = { tabId: 4, top: { verdict, der: der ? der(kept) : kept }, origins: [] } as unknown as TabState;
  const handle = createMessageHandler({ tabs: { get: (tabId: number) => (tabId === 4 ? state : null) }, ready: Promise.resolve() } as unknown as MessageDeps);
  const ask = (sha256: string) => handle({ type: "ui-bg-get-certificate", tabId: 4, sha256 }) as Promise<ResponseOf<"ui-bg-get-certificate">>;
  return { ask, kept, chain: verdict.chain };
}

test("ui-bg-get-certificate answers with the certificate's bytes as Firefox gave them, undecoded", async () => {
  const { ask, kept, chain } = await setup();
  expect(await ask(chain[1].sha256)).toEqual({ der: kept[1] });
});

test("ui-bg-get-certificate refuses bytes over the size cap, and serves them up to it", async () => {
  // One size per certificate of the chain, each remainder mod 3, so every base64 padding is counted right.
  const sizes = [MAX_CERTIFICATE_BYTES, MAX_CERTIFICATE_BYTES + 1, MAX_CERTIFICATE_BYTES + 2];
  const { ask, chain } = await setup((kept) => kept.map((_, i) => base64(new Uint8Array(sizes[i]))));
  expect(chain).toHaveLength(sizes.length);
  const answers = await Promise.all(chain.map((c) => ask(c.sha256)));
  const expected = sizes.map((n) =>
    n > MAX_CERTIFICATE_BYTES ? { error: `The certificate is ${n.toLocaleString("en")} bytes, more than the ${MAX_CERTIFICATE_BYTES.toLocaleString("en")} Chain Sentry decodes.` } : { der: base64(new Uint8Array(n)) },
  );
  expect(answers).toEqual(expected);
});

test("ui-bg-get-certificate says so when the tab has no bytes for the certificate", async () => {
  const { ask } = await setup();
  expect(await ask("AB:CD")).toEqual({ error: "The certificate's bytes are not available for this tab any more; reload the page." });
});
