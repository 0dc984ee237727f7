// Benchmark only, in the benchmark's private copy of the build (popup/bench-opener.html): opens the
// real toolbar popup with action.openPopup() (allowed without a user gesture by the pref
// extensions.openPopupWithoutUserGesture.enabled) and resolves with the popup's times, reported by
// bench/lib/popup-probe.js: from the call (the click) to the verdict rendered in the panel.
window.benchOpenToolbarPopup = () =>
  new Promise((resolve, reject) => {
    const clickedAt = performance.timeOrigin + performance.now();
    const timer = setTimeout(() => done(new Error("the toolbar popup reported no verdict within 10 s")), 10_000);
    const listener = (msg) => {
      if (msg?.type !== "bench-toolbar-popup") return undefined;
      done(null, msg);
      return undefined;
    };
    function done(error, msg) {
      clearTimeout(timer);
      browser.runtime.onMessage.removeListener(listener);
      if (error) reject(error);
      else resolve({ ...msg, clickToVerdictMs: msg.timeOrigin + msg.verdictMs - clickedAt, clickToPopupStartMs: msg.timeOrigin - clickedAt });
    }
    browser.runtime.onMessage.addListener(listener);
    browser.action.openPopup().catch((error) => done(error));
  });
