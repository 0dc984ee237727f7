// Benchmark probe, added to the benchmark's private copies of dist/popup/chain.html and
// dist/popup/index.html only (never to the build): a classic script that runs before the page's
// module scripts and records, in <html data-bench-*> attributes, when the app first renders (the
// skeleton), and when the verdict banner and the origins list first appear. In the toolbar popup
// (index.html in its panel, opened by bench/lib/popup-opener.js) it then reports those times to the
// opener with a runtime message, which Chain Sentry's background ignores, and closes the panel.
(() => {
  const params = new URLSearchParams(location.search);
  const toolbar = location.pathname.endsWith("/index.html");
  const wanted = Number(params.get("benchOrigins") || (toolbar ? 20 : 1));
  const root = document.documentElement;
  let reported = false;
  const check = () => {
    if (!root.dataset.benchFirstRender && document.querySelector(".tab-view")) root.dataset.benchFirstRender = String(performance.now());
    if (!root.dataset.benchVerdict && document.querySelector(".banner:not(.skeleton)")) root.dataset.benchVerdict = String(performance.now());
    if (!root.dataset.benchOrigins && document.querySelectorAll("li.origin").length >= wanted) root.dataset.benchOrigins = String(performance.now());
    if (toolbar && !reported && root.dataset.benchVerdict && root.dataset.benchOrigins) {
      reported = true;
      const nav = performance.getEntriesByType("navigation")[0];
      browser.runtime
        .sendMessage({
          type: "bench-toolbar-popup",
          timeOrigin: performance.timeOrigin,
          verdictMs: Number(root.dataset.benchVerdict),
          originsMs: Number(root.dataset.benchOrigins),
          firstRenderMs: Number(root.dataset.benchFirstRender),
          domContentLoadedMs: nav ? nav.domContentLoadedEventStart : null,
          originsShown: document.querySelectorAll("li.origin").length,
        })
        .finally(() => setTimeout(() => window.close(), 100));
    }
  };
  new MutationObserver(check).observe(root, { childList: true, subtree: true });
})();
