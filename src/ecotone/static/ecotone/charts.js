// Draws every chart of the page (templates/_chart.html) from its Vega-Lite spec with
// vega-embed, and adds a download of it as PNG and SVG. The Content Security Policy allows no
// eval: `ast: true` makes Vega interpret expressions (vega-embed's bundled vega-interpreter)
// instead of compiling them. vega-embed's own action links answer the mouse only, so the
// downloads are buttons of ours. Without JavaScript, or if drawing fails, the table stays.
(function () {
  "use strict";
  const script = document.currentScript;
  const labels = {
    png: script.dataset.png,
    svg: script.dataset.svg,
  };
  const locale = {
    decimal: script.dataset.decimal || ".",
    thousands: script.dataset.thousands || ",",
    grouping: [3],
    currency: ["", ""],
  };

  function download(view, name, format) {
    view.toImageURL(format, format === "png" ? 2 : 1).then(function (url) {
      const link = document.createElement("a");
      link.href = url;
      link.download = name + "." + format;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  function draw(container) {
    const source = document.getElementById(container.dataset.spec);
    if (!source || typeof vegaEmbed !== "function") return;
    const spec = JSON.parse(source.textContent);
    container.hidden = false;
    vegaEmbed(container, spec, {
      mode: "vega-lite",
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      logLevel: vega.Error,
      formatLocale: locale,
      tooltip: { disableDefaultStyle: true, theme: "light" },
    })
      .then(function (result) {
        const tools = document.createElement("div");
        tools.className = "chart-downloads";
        ["png", "svg"].forEach(function (format) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "outline secondary compact";
          button.textContent = labels[format];
          button.addEventListener("click", function () {
            download(result.view, container.dataset.name || "chart", format);
          });
          tools.appendChild(button);
        });
        container.after(tools);
        const table = container.parentElement.querySelector("details.chart-table");
        if (table) table.open = false;
      })
      .catch(function () {
        container.hidden = true;
      });
  }

  function start() {
    document.querySelectorAll(".chart-view[data-spec]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
