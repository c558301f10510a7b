/*
 * The directory's filters are folded on phones, so a parent sees the results without scrolling
 * past every checkbox; on wide screens, where they sit beside the results, they start unfolded.
 * Without JavaScript they stay folded and open with a tap.
 */
(function () {
  "use strict";

  var WIDE = "(min-width: 1024px)";

  function unfoldOnWideScreens() {
    var filters = document.querySelector("details.more-filters");
    if (filters && window.matchMedia(WIDE).matches) {
      filters.open = true;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", unfoldOnWideScreens);
  } else {
    unfoldOnWideScreens();
  }
})();
