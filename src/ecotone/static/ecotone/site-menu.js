// On a phone the header's links fold behind the Menu button: ecotone.css hides them while the
// header is .menu-closed, on narrow screens only. Without this script the button stays hidden
// and every link shows. Loaded right after the header, so the links never flash open.
(function () {
  "use strict";
  const header = document.querySelector(".site-header");
  const button = header && header.querySelector(".menu-button");
  if (!button) {
    return;
  }
  function setOpen(open) {
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-closed", !open);
  }
  setOpen(false);
  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" && button.offsetParent !== null) {
      setOpen(false);
      button.focus();
    }
  });
})();
