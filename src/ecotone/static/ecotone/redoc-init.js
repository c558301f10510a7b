/*
 * Starts Redoc on /api/redoc/ (templates/api/redoc.html). Redoc styles itself with <style>
 * elements it adds at run time; the Content Security Policy admits them by the page's nonce,
 * which this script carries and hands to Redoc. Native scrollbars, as the stylesheet of Redoc's
 * own scrollbars is added when its bundle loads, before it knows the nonce (and is refused).
 */
(function () {
  "use strict";

  var container = document.getElementById("redoc-container");
  Redoc.init(
    container.dataset.schemaUrl,
    { nonce: document.currentScript.nonce, nativeScrollbars: true },
    container
  );
})();
