/*
 * A "select all" checkbox for a table of rows to act on in bulk: checking it checks every
 * row's box named in its data-select-all attribute (within the same form); it shows as mixed
 * when only some are checked. Without JavaScript the box is hidden and each row is chosen
 * by hand.
 */
(function () {
  "use strict";

  function wire(master) {
    var form = master.form;
    var name = master.getAttribute("data-select-all");
    if (!form || !name) {
      return;
    }
    var boxes = function () {
      return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
    };
    var sync = function () {
      var all = boxes();
      var checked = all.filter(function (box) { return box.checked; }).length;
      master.checked = all.length > 0 && checked === all.length;
      master.indeterminate = checked > 0 && checked < all.length;
    };
    master.hidden = false;
    master.closest("label") && (master.closest("label").hidden = false);
    master.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = master.checked; });
      master.indeterminate = false;
    });
    form.addEventListener("change", function (event) {
      if (event.target !== master) {
        sync();
      }
    });
    sync();
  }

  function init() {
    document.querySelectorAll("input[data-select-all]").forEach(wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
