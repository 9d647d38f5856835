// Render every Vega-Lite spec on the page with the vendored vega-embed; without scripts the
// table beside each chart (in <noscript>) is shown instead.
(function () {
  "use strict";
  function draw() {
    if (typeof window.vegaEmbed !== "function") { return; }
    document.querySelectorAll("figure.chart").forEach(function (figure) {
      var target = figure.querySelector("[data-chart]");
      var source = figure.querySelector("script.vega-spec");
      if (!target || !source) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then(function () {
        target.setAttribute("data-rendered", "true");
      }).catch(function (error) {
        target.textContent = "The chart could not be drawn: " + error.message;
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
