/*
 * A program page's share and print. Without JavaScript "Share" is a plain link to the page
 * (to copy or long-press) and "Print" stays hidden; with it, "Share" opens the device's share
 * sheet where there is one (the Web Share API), else copies the address and says so, and
 * "Print" prints the page (the print styles drop the navigation and the buttons).
 */
(function () {
  "use strict";

  function say(status, key) {
    status.textContent = "";
    // A fresh text node, so a screen reader announces the same words a second time.
    window.setTimeout(function () {
      status.textContent = status.dataset[key];
    }, 50);
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return Promise.reject(new Error("no clipboard"));
  }

  function start() {
    var status = document.querySelector("[data-share-status]");
    Array.prototype.forEach.call(document.querySelectorAll("a[data-share]"), function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var url = link.href;
        if (navigator.share) {
          navigator.share({ title: link.dataset.shareTitle, url: url }).catch(function () {
            // Closing the share sheet is no error to report.
          });
          return;
        }
        copy(url).then(
          function () { say(status, "copied"); },
          function () { say(status, "failed"); }
        );
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
