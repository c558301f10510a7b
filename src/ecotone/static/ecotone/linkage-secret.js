// The data steward's "Set up / Rotate the linkage secret" page (measures/linkage/secret.html):
// the browser draws the secret, 160 bits from crypto.getRandomValues, writes it as
// linkage.generate_secret does (the encoder's formatSecret, read back by its parseSecret), shows
// it once with a copy button, and puts only its check value (the encoder's checkValue) in the
// form. The secret is in no form field: it is never sent. Without this script the page says it
// needs JavaScript. Texts come from the page's data-text-* attributes (translated there).
(function () {
  "use strict";
  var panel = document.querySelector("[data-linkage-secret]");
  var form = document.querySelector("form[data-secret-form]");
  if (!panel || !form) return;
  var text = panel.dataset;
  var encoder = window.EcotoneRosterEncoder;
  var shown = panel.querySelector("[data-secret-shown]");
  var output = panel.querySelector("[data-secret]");
  var copyStatus = panel.querySelector("[data-copy-status]");
  var generate = panel.querySelector("[data-generate]");
  var checkField = form.querySelector("[data-check-value]");
  var save = form.querySelector("[data-save]");
  panel.hidden = false;

  function refuse(message) {
    generate.disabled = true;
    var note = document.createElement("p");
    note.className = "errorlist";
    note.setAttribute("role", "alert");
    note.textContent = message;
    panel.insertBefore(note, panel.firstChild);
  }

  if (!encoder || !window.crypto || !window.crypto.getRandomValues || !window.crypto.subtle || typeof BigInt !== "function") {
    refuse(text.textUnsupported);
    return;
  }

  generate.addEventListener("click", function () {
    var bytes = new Uint8Array(20);
    window.crypto.getRandomValues(bytes);
    var secret = encoder.formatSecret(bytes);
    // The check value is computed from the secret as written, read back as a partner's page
    // reads what they type: what is saved is what partners' pages will compare with.
    encoder
      .checkValue(encoder.parseSecret(secret))
      .then(function (check) {
        output.textContent = secret;
        checkField.value = check;
        shown.hidden = false;
        form.hidden = false;
        save.disabled = false;
        copyStatus.textContent = "";
        generate.hidden = true;
        output.focus();
      })
      .catch(function () {
        refuse(text.textFailed);
      });
  });

  panel.querySelector("[data-copy]").addEventListener("click", function () {
    var secret = output.textContent;
    var copied =
      navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(secret)
        : Promise.reject(new Error("no clipboard"));
    copied.then(
      function () { copyStatus.textContent = text.textCopied; },
      function () {
        copyStatus.textContent = text.textCopyFailed;
        var range = document.createRange();
        range.selectNodeContents(output);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      },
    );
  });

  // Once saved (or left), the secret is not kept on the page: a back-navigation restoring it
  // from the browser's page cache would show it again.
  window.addEventListener("pagehide", function () {
    output.textContent = "";
    checkField.value = "";
    shown.hidden = true;
    save.disabled = true;
    generate.hidden = false;
  });
})();
