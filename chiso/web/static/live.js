/* chiso live board: ask the board's fragment every 2 s while the tab is visible, never in a hidden tab.
   Shipped with the package (no CDN); htmx swaps the fragment, the browser revalidates it with its ETag. */
(function () {
  "use strict";
  var timer = null;

  function board() { return document.getElementById("board"); }

  function tick() {
    var el = board();
    if (el && window.htmx && document.visibilityState === "visible") {
      window.htmx.trigger(el, "live-tick");
    }
  }

  function start() {
    var el = board();
    if (timer === null && el) {
      timer = window.setInterval(tick, parseInt(el.getAttribute("data-poll-ms"), 10) || 2000);
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function onVisibility() {
    if (document.visibilityState === "visible") {
      tick();
      start();
    } else {
      stop();
    }
  }

  document.addEventListener("visibilitychange", onVisibility);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
