// The floor: one getSecurityInfo call with the whole chain and its bytes per HTTPS response, in a
// blocking listener (the only place Firefox answers it), and nothing done with the answer.
// `stats` lets the benchmark check that the listener ran and got certificates.
const stats = { responses: 0, withChain: 0, derBytes: 0 };

browser.webRequest.onHeadersReceived.addListener(
  async (details) => {
    const info = await browser.webRequest.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: true });
    stats.responses++;
    if (info?.certificates?.length) {
      stats.withChain++;
      stats.derBytes += info.certificates[0].rawDER?.length ?? 0;
    }
    return {};
  },
  { urls: ["https://*/*", "wss://*/*"] },
  ["blocking"],
);

browser.runtime.onMessage.addListener((msg) => (msg?.type === "bench-stats" ? Promise.resolve(stats) : undefined));
