// Benchmark probe, added to the benchmark's private copy of dist/popup/chain.html only (never to
// the build): a classic script that runs before the page's module scripts and records, in
// <html data-bench-*> attributes, when the app first renders (the skeleton), and when the verdict banner
// and the origins list first appear.
(() => {
  const wanted = Number(new URLSearchParams(location.search).get("benchOrigins") || 1);
  const root = document.documentElement;
  const check = () => {
    if (!root.dataset.benchFirstRender && document.querySelector(".tab-view")) root.dataset.benchFirstRender = String(performance.now());
    if (!root.dataset.benchVerdict && document.querySelector(".banner:not(.skeleton)")) root.dataset.benchVerdict = String(performance.now());
    if (!root.dataset.benchOrigins && document.querySelectorAll("li.origin").length >= wanted) root.dataset.benchOrigins = String(performance.now());
  };
  new MutationObserver(check).observe(root, { childList: true, subtree: true });
})();
