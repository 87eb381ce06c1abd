/* Draws the dashboard's plotly figures from the JSON embedded beside each chart.
   A dashboard holds a chart per subscale and per question block: drawing them all at once kept a
   laptop busy for seconds. Each is drawn when it comes near the screen (or its <details> opens),
   and every one before printing, redrawn to the width of an A4 page.
   On a phone, long category labels (questions, subscales) are wrapped onto several lines so none is
   cut, and the heatmap's colour key goes under the chart. */
(function () {
  "use strict";
  var charts = document.querySelectorAll("[data-figure]");
  var NARROW = 560;      /* px: a phone held upright */
  var PRINT_WIDTH = 700;  /* px: A4's printable width at 96 dpi, less the page margins */

  function wrap(text, width) {
    if (typeof text !== "string" || text.length <= width) { return text; }
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.join("<br>");
  }

  /* Answers to each question: on a phone the question goes above its bar, across the whole width. */
  function labelsAbove(figure, width) {
    var categories = figure.data[0].y, chars = Math.max(20, Math.floor(width / 6)), lines = 1;
    var labels = categories.map(function (c) {
      var text = wrap(c, chars);
      lines = Math.max(lines, text.split("<br>").length);
      return text;
    });
    var layout = figure.layout;
    layout.yaxis = Object.assign({}, layout.yaxis, {showticklabels: false});
    layout.annotations = categories.map(function (c, i) {
      return {x: 0, xref: "paper", xanchor: "left", y: c, yref: "y", yanchor: "bottom", yshift: 7,
        text: labels[i], align: "left", showarrow: false, font: {size: 10}};
    });
    layout.bargap = 0.55;
    layout.height = 130 + (20 + 13 * lines) * categories.length;
    layout.margin = Object.assign({}, layout.margin, {l: 4, r: 4, t: 36});  /* under the mode bar */
    layout.legend = Object.assign({}, layout.legend, {orientation: "h", y: -40 / layout.height, font: {size: 10}});
  }

  /* A gap with one decimal and its sign; one that rounds to nothing is "0.0", never "-0.0". */
  function signed(value) {
    if (value === null || value === undefined) { return ""; }
    var rounded = Math.round(value * 10) / 10;
    return rounded === 0 ? "0.0" : (rounded > 0 ? "+" : "\u2212") + Math.abs(rounded).toFixed(1);
  }

  function longestWord(text) {
    return Math.max.apply(null, text.split(" ").map(function (word) { return word.length; }));
  }

  /* The perception-gap heatmap's columns (the audiences, or the units side by side): each name wrapped to the
     width its column has, or, where a word is longer than that, turned upright on short lines, so no name runs
     into its neighbour. Returns how far (px) the names reach below the cells. */
  function fitColumns(figure, trace, width) {
    var names = trace.x.map(function (x) { return String(x).split("<br>").join(" "); });
    var chars = Math.floor(width * 0.5 / names.length / 7);  /* the subscale names take about half the width */
    var upright = names.some(function (name) { return longestWord(name) > chars; });
    trace.x = names.map(function (name) { return wrap(name, upright ? 18 : chars); });
    var lines = trace.x.map(function (x) { return x.split("<br>"); });
    if (!upright) {
      return 14 * Math.max.apply(null, lines.map(function (l) { return l.length; }));
    }
    figure.layout.xaxis = Object.assign({}, figure.layout.xaxis, {tickangle: -90});
    var longest = Math.max.apply(null, lines.map(function (l) {
      return Math.max.apply(null, l.map(function (line) { return line.length; }));
    }));
    return Math.ceil(6.5 * longest);
  }

  function fitNarrow(figure, width) {
    if (figure.layout.barmode === "relative" && figure.data.length && Array.isArray(figure.data[0].y)) {
      labelsAbove(figure, width);
      return;
    }
    var chars = Math.max(14, Math.floor(width / 16));  /* about half the chart for its labels */
    var rows = 1, below = 0, heatmap = null;
    figure.data.forEach(function (trace) {
      if (Array.isArray(trace.y) && trace.y.some(function (y) { return typeof y === "string"; })) {
        trace.y = trace.y.map(function (y) { return wrap(y, chars); });
        trace.y.forEach(function (y) { if (typeof y === "string") { rows = Math.max(rows, y.split("<br>").length); } });
      }
      if (trace.type === "heatmap") {
        trace.text = trace.z.map(function (row) { return row.map(signed); });  /* the reading is in the table below */
        trace.texttemplate = "%{text}";
        below = Array.isArray(trace.x) && trace.x.length ? fitColumns(figure, trace, width) : 14;
        heatmap = trace;
      }
    });
    var layout = figure.layout;
    layout.font = Object.assign({}, layout.font, {size: 11});
    if (layout.xaxis && layout.xaxis.title) {  /* the axis is plain ("score"); its title would sit on the key */
      layout.xaxis = Object.assign({}, layout.xaxis, {title: {text: ""}});
    }
    if (rows > 1 && layout.height) { layout.height = Math.round(layout.height * (1 + 0.35 * (rows - 1))); }
    layout.margin = Object.assign({}, layout.margin, {l: 4, r: 4});
    if (heatmap) {  /* taller by the column names, and the colour key just under them (not a quarter further down) */
      layout.height += below;
      layout.margin = Object.assign({}, layout.margin, {b: below + 70});
      var cells = layout.height - layout.margin.t - layout.margin.b;
      heatmap.colorbar = Object.assign({}, heatmap.colorbar, {orientation: "h", thickness: 10, len: 0.9,
        y: -(below + 16) / cells, yanchor: "top"});
    }
    layout.legend = Object.assign({}, layout.legend, {orientation: "h", y: -0.2});
  }

  function draw(el) {
    if (!window.Plotly || el.getAttribute("data-drawn")) { return; }
    var source = document.getElementById("figure-" + el.getAttribute("data-figure"));
    if (!source) { return; }
    el.setAttribute("data-drawn", "1");
    var figure = JSON.parse(source.textContent);
    var width = el.clientWidth || window.innerWidth;
    if (width < NARROW) { fitNarrow(figure, width); }
    window.Plotly.newPlot(el, figure.data, figure.layout, {displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d"]});
  }

  /* Charts on the screen are drawn at once; those just below it one per task afterwards, so the browser
     paints the first screen before it draws what the reader has not reached yet. */
  var waiting = [];
  function drawNext() {
    var el = waiting.shift();
    if (el) { draw(el); setTimeout(drawNext, 0); }
  }
  function onScreen(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }

  function start() {
    if (!("IntersectionObserver" in window)) { charts.forEach(draw); return; }
    var near = new IntersectionObserver(function (entries) {
      var idle = !waiting.length;
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) { return; }
        near.unobserve(entry.target);
        if (onScreen(entry.target)) { draw(entry.target); } else { waiting.push(entry.target); }
      });
      if (idle && waiting.length) { setTimeout(drawNext, 0); }
    }, {rootMargin: "600px 0px"});  /* a screen or so ahead, so scrolling finds charts ready */
    charts.forEach(function (el) { near.observe(el); });
  }

  function drawn() {
    return Array.prototype.filter.call(charts, function (el) { return window.Plotly && el.data; });
  }

  document.querySelectorAll("details").forEach(function (d) {
    d.addEventListener("toggle", function () {
      d.querySelectorAll("[data-figure]").forEach(function (el) {
        if (window.Plotly && el.data) { window.Plotly.Plots.resize(el); }
      });
    });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(draw);
    drawn().forEach(function (el) {  /* to the page's width, and shorter: a printed chart needs no room for hovering */
      var height = el.layout && el.layout.height;
      el.setAttribute("data-screen-height", height || "");
      window.Plotly.relayout(el, height ? {width: PRINT_WIDTH, height: Math.max(150, Math.round(height * 0.7))} : {width: PRINT_WIDTH});
    });
  });
  window.addEventListener("afterprint", function () {
    drawn().forEach(function (el) {
      var height = Number(el.getAttribute("data-screen-height")) || null;
      window.Plotly.relayout(el, {width: null, height: height, autosize: true});
      window.Plotly.Plots.resize(el);
    });
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
