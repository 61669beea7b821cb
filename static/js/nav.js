/* Phone navigation: a "Menu" button folds the header links (no framework). Without JavaScript
   the button stays hidden and the links show as they are. */
(function () {
  "use strict";
  function init() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".nav-toggle");
    if (!button) return;
    header.classList.add("has-nav-toggle");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("nav-open", open);
    });
    document.addEventListener("keydown", function (evt) {
      if (evt.key === "Escape" && header.classList.contains("nav-open")) {
        header.classList.remove("nav-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
