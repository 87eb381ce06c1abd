/* Draws the dashboard's plotly figures from the JSON embedded beside each chart.
   A dashboard holds a chart per subscale and per question block: drawing them all at once kept a
   laptop busy for seconds. Each is drawn when it comes near the screen (or its <details> opens),
   and every one before printing. */
(function () {
  "use strict";
  var charts = document.querySelectorAll("[data-figure]");

  function draw(el) {
    if (!window.Plotly || el.getAttribute("data-drawn")) { return; }
    var source = document.getElementById("figure-" + el.getAttribute("data-figure"));
    if (!source) { return; }
    el.setAttribute("data-drawn", "1");
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, {displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d"]});
  }

  function start() {
    if (!("IntersectionObserver" in window)) { charts.forEach(draw); return; }
    var near = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { near.unobserve(entry.target); draw(entry.target); }
      });
    }, {rootMargin: "600px 0px"});  /* a screen or so ahead, so scrolling finds charts ready */
    charts.forEach(function (el) { near.observe(el); });
  }

  document.querySelectorAll("details").forEach(function (d) {
    d.addEventListener("toggle", function () {
      d.querySelectorAll("[data-figure]").forEach(function (el) {
        if (window.Plotly && el.data) { window.Plotly.Plots.resize(el); }
      });
    });
  });
  window.addEventListener("beforeprint", function () { charts.forEach(draw); });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
