// Render every Vega-Lite spec on the page with the vendored vega-embed; without scripts the
// table beside each chart (in <noscript>) is shown instead.
// The pages' Content-Security-Policy allows no eval and no inline style elements, so Vega's
// expressions are run by its interpreter (vega-interpreter.js) instead of compiled with
// Function(...), and vega-embed's and the tooltip's own styles, which they would inject as <style>
// elements, are in app.css instead.
// Each chart's container ends in one state, in data-rendered: "true" (drawn), "empty" (the spec has
// no rows: a "no data" message instead of empty axes) or "error" (the message says why); the
// browser tests wait for it.
(function () {
  "use strict";

  // Every inline data set of a spec, its layers and its concatenated or faceted parts.
  function datasets(spec, found) {
    if (!spec || typeof spec !== "object") { return found; }
    if (spec.data && Array.isArray(spec.data.values)) { found.push(spec.data.values); }
    if (spec.datasets) {
      Object.keys(spec.datasets).forEach(function (name) { found.push(spec.datasets[name]); });
    }
    ["layer", "hconcat", "vconcat", "concat"].forEach(function (key) {
      (spec[key] || []).forEach(function (part) { datasets(part, found); });
    });
    if (spec.spec) { datasets(spec.spec, found); }
    return found;
  }

  function isEmpty(spec) {
    var found = datasets(spec, []);
    return found.length > 0 && found.every(function (values) { return values.length === 0; });
  }

  function say(target, state, message, className) {
    var note = document.createElement("p");
    note.className = className;
    note.textContent = message;
    target.replaceChildren(note);
    target.setAttribute("data-rendered", state);
  }

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
      var spec;
      try {
        spec = JSON.parse(source.textContent);
      } catch (error) {
        say(target, "error", "The chart could not be read: " + error.message, "chart-error");
        return;
      }
      if (isEmpty(spec)) {
        say(target, "empty", "No data to draw for this selection.", "chart-empty");
        return;
      }
      window.vegaEmbed(target, spec, options).then(function () {
        target.setAttribute("data-rendered", "true");
      }).catch(function (error) {
        say(target, "error", "The chart could not be drawn: " + error.message, "chart-error");
        console.error("chart not drawn:", error);
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
