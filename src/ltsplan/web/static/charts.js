// Render every Vega-Lite spec on the page with the vendored vega-embed; without scripts the
// table beside each chart (in <noscript>) is shown instead.
// The pages' Content-Security-Policy allows no eval and no inline style elements, so Vega's
// expressions are run by its interpreter (vega-interpreter.js) instead of compiled with
// Function(...), and vega-embed's and the tooltip's own styles, which they would inject as <style>
// elements, are in app.css instead.
(function () {
  "use strict";
  function draw() {
    if (typeof window.vegaEmbed !== "function" || !window.vegaInterpreter) { return; }
    var options = {
      actions: false,
      renderer: "svg",
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true }
    };
    document.querySelectorAll("figure.chart").forEach(function (figure) {
      var target = figure.querySelector("[data-chart]");
      var source = figure.querySelector("script.vega-spec");
      if (!target || !source) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(target, spec, options).then(function () {
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
