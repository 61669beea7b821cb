/* The selector's results refresh in place (htmx, every N seconds). Keep what the user had open and
   focused across a swap: expanded <details> (regions, pros and cons), the focused control and the
   scroll position (a swap first removes the old results, so the browser would otherwise jump).
   On phones the filters fold away once applied, so the first result is on screen. */
(function () {
  "use strict";
  var saved = null;
  var phone = window.matchMedia ? window.matchMedia("(max-width: 639px)") : { matches: false };

  function restoreScroll(state) {
    if (state && (window.scrollX !== state.x || window.scrollY !== state.y)) window.scrollTo(state.x, state.y);
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (!target || target.id !== "results") return;
    var open = [];
    target.querySelectorAll("details[data-keep][open]").forEach(function (d) { open.push(d.getAttribute("data-keep")); });
    var active = document.activeElement;
    var focusKey = active && target.contains(active) ? active.getAttribute("data-focus-key") : null;
    var fromForm = !!(evt.detail.requestConfig && evt.detail.requestConfig.elt &&
                      evt.detail.requestConfig.elt.id === "selector-filters");
    saved = { open: open, focus: focusKey, x: window.scrollX, y: window.scrollY, fromForm: fromForm,
              submit: !!(evt.detail.requestConfig && evt.detail.requestConfig.triggeringEvent &&
                         evt.detail.requestConfig.triggeringEvent.type === "submit") };
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (!saved) return;
    var results = document.getElementById("results");
    if (!results) return;
    var state = saved;
    results.querySelectorAll("details[data-keep]").forEach(function (d) {
      if (state.open.indexOf(d.getAttribute("data-keep")) >= 0) d.open = true;
    });
    if (state.focus) {
      var els = results.querySelectorAll("[data-focus-key]");
      for (var i = 0; i < els.length; i++) {
        if (els[i].getAttribute("data-focus-key") === state.focus && els[i].offsetParent !== null) {
          els[i].focus({ preventScroll: true });
          break;
        }
      }
    }
    restoreScroll(state);
    if (state.submit && phone.matches) foldFilters(true);
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!saved) return;
    restoreScroll(saved);
    saved = null;
  });

  function foldFilters(scroll) {
    var panel = document.querySelector("details.filters-panel");
    if (!panel) return;
    panel.open = false;
    var results = document.getElementById("results");
    if (scroll && results) results.scrollIntoView({ block: "start" });
  }

  function init() {
    var panel = document.querySelector("details.filters-panel");
    if (panel && phone.matches && panel.getAttribute("data-applied") === "true") foldFilters(false);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
