/* The selector's results refresh in place (htmx, every N seconds). Keep what the user had open and
   focused across a swap: expanded <details> (regions, pros and cons) and the focused control. */
(function () {
  "use strict";
  var saved = null;


  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (!target || target.id !== "results") return;
    var open = [];
    target.querySelectorAll("details[data-keep][open]").forEach(function (d) { open.push(d.getAttribute("data-keep")); });
    var active = document.activeElement;
    var focusKey = active && target.contains(active) ? active.getAttribute("data-focus-key") : null;
    saved = { open: open, focus: focusKey };
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (!saved) return;
    var results = document.getElementById("results");
    if (!results) return;
    var state = saved;
    saved = null;
    results.querySelectorAll("details[data-keep]").forEach(function (d) {
      if (state.open.indexOf(d.getAttribute("data-keep")) >= 0) d.open = true;
    });
    if (state.focus) {
      var els = results.querySelectorAll("[data-focus-key]");
      for (var i = 0; i < els.length; i++) {
        if (els[i].getAttribute("data-focus-key") === state.focus && els[i].offsetParent !== null) { els[i].focus(); break; }
      }
    }
  });
})();
