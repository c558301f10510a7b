/*
 * A form shown again after a failed submit starts with its error summary: the summary takes the
 * focus, so screen readers announce it and the keyboard starts there. A link of the summary
 * moves the focus to its field and shows the field's label above it (a plain jump would scroll
 * the label out of view). Without JavaScript the summary is still there and its links still jump.
 * The summary carries this script; loaded twice, it acts once.
 */
(function () {
  "use strict";

  if (window.ecotoneFormErrors) {
    return;
  }
  window.ecotoneFormErrors = true;

  function labelOf(field) {
    var group = (field.type === "checkbox" || field.type === "radio") && field.closest("fieldset");
    return (
      group ||
      (field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]')) ||
      field
    );
  }

  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!field) {
        return;
      }
      event.preventDefault();
      labelOf(field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
