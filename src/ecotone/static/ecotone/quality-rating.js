// "My ratings" (quality/assessments/rate.html): each change saves that attribute at once, and
// every answer is kept in this browser's localStorage until the server confirms it, so nothing
// is lost when a session ends: a 302 to the sign-in page or a 403 keeps the answer, and the
// page restores it (and offers to save it) once the person is signed in again. Without this
// script the section's Save button saves every attribute of the section.
(function () {
  "use strict";
  var form = document.querySelector("form[data-rating-form]");
  if (!form || !window.fetch) return;
  var key = form.dataset.storageKey;
  var text = form.dataset;
  var banner = document.querySelector("[data-rating-banner]");
  var section = form.querySelector("input[name=section]").value;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(key)) || {}; } catch (e) { return {}; }
  }
  function store(pending) {
    try {
      if (Object.keys(pending).length) window.localStorage.setItem(key, JSON.stringify(pending));
      else window.localStorage.removeItem(key);
    } catch (e) { /* storage full or refused: the server save still runs */ }
  }
  function same(a, b) { return !!a && !!b && a.stage === b.stage && a.note === b.note; }
  function valueOf(fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    var note = fieldset.querySelector("textarea");
    return { stage: checked ? checked.value : "", note: note ? note.value : "" };
  }
  function show(fieldset, message, problem) {
    var status = fieldset.querySelector("[data-status]");
    status.textContent = message;
    status.classList.toggle("errorlist", !!problem);
  }
  function keep(attribute, value) {
    var pending = load();
    pending[attribute] = value;
    store(pending);
  }
  function forget(attribute, value) {
    var pending = load();
    if (same(pending[attribute], value)) { delete pending[attribute]; store(pending); }
  }
  function signedOut() {
    banner.hidden = false;
    banner.querySelector("[data-banner-text]").textContent = text.textBannerSignedOut;
    banner.querySelector("[data-sign-in]").hidden = false;
  }

  function save(fieldset) {
    var attribute = fieldset.dataset.attribute;
    var value = valueOf(fieldset);
    keep(attribute, value);
    show(fieldset, text.textSaving);
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    body.append("section", section);
    body.append("attribute", attribute);
    body.append("stage-" + attribute, value.stage);
    body.append("note-" + attribute, value.note);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (json && !response.redirected) {
        return response.json().then(function (answer) {
          if (response.ok) {
            forget(attribute, value);
            show(fieldset, answer.message || text.textSaved);
          } else {
            // refused by the rules (the message says why): kept so the person can correct it
            show(fieldset, answer.error, true);
          }
        });
      }
      // the sign-in page (a followed 302) or a 403: the session ended; the answer stays kept
      show(fieldset, text.textKept, true);
      signedOut();
    }).catch(function () { show(fieldset, text.textOffline, true); });
  }

  var fieldsets = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-attribute]"));
  fieldsets.forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { save(fieldset); });
    // a note is kept while it is typed, saved when the person leaves it (its change event)
    var note = fieldset.querySelector("textarea");
    if (note) note.addEventListener("input", function () { keep(fieldset.dataset.attribute, valueOf(fieldset)); });
  });
  form.addEventListener("submit", function () {
    fieldsets.forEach(function (fieldset) { keep(fieldset.dataset.attribute, valueOf(fieldset)); });
  });

  // Answers kept from an earlier visit that the server does not have: put them back.
  var pending = load();
  var restored = [];
  fieldsets.forEach(function (fieldset) {
    var attribute = fieldset.dataset.attribute;
    var kept = pending[attribute];
    if (!kept) return;
    if (same(kept, valueOf(fieldset))) { forget(attribute, kept); return; }
    var radio = Array.prototype.find.call(
      fieldset.querySelectorAll("input[type=radio]"), function (r) { return r.value === kept.stage; });
    if (radio) radio.checked = true;
    var note = fieldset.querySelector("textarea");
    if (note) note.value = kept.note || "";
    show(fieldset, text.textRestored, true);
    restored.push(fieldset);
  });
  if (restored.length && banner) {
    banner.hidden = false;
    banner.querySelector("[data-banner-text]").textContent = text.textBannerRestored;
    var button = banner.querySelector("[data-save-restored]");
    button.hidden = false;
    button.addEventListener("click", function () {
      Promise.all(restored.map(save)).then(function () {
        if (!Object.keys(load()).some(function (a) { return restored.some(function (f) { return f.dataset.attribute === a; }); })) {
          banner.hidden = true;
        }
      });
    });
  }
})();
