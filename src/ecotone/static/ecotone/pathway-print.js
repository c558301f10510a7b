// The pathway page's "Print" button: shown only with JavaScript (the browser's own print works
// without it; the print stylesheet does the rest).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
});
