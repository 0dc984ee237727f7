// The limit: the least any chain inspector can do in Firefox. One getSecurityInfo call per HTTPS
// response for the chain without its bytes (certificateChain: true, rawDER: false: fingerprints,
// names and validity, what Chain Sentry asks first), in a blocking listener (the only place Firefox
// answers it), the answer awaited and dropped. Chain Sentry / limit is what Chain Sentry itself adds.
// `stats` lets the benchmark check that the listener ran and got certificates.
const stats = { responses: 0, withChain: 0 };

browser.webRequest.onHeadersReceived.addListener(
  async (details) => {
    const info = await browser.webRequest.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: false });
    stats.responses++;
    if (info?.certificates?.length) stats.withChain++;
    return {};
  },
  { urls: ["https://*/*", "wss://*/*"] },
  ["blocking"],
);

browser.runtime.onMessage.addListener((msg) => (msg?.type === "bench-stats" ? Promise.resolve(stats) : undefined));
