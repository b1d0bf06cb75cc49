/* Indicator charts (YTCS): draws every <canvas data-chart="ID"> from the JSON the page embeds with Django's
 * json_script under the element id ID, with the vendored Chart.js (static/vendor/chartjs/chart.umd.js).
 *
 * The JSON: {type: "bar"|"line", title, labels: [...], unit, decimals,
 *            datasets: [{label, role: "value"|"series"|"target"|"projection", data: [number|null, ...]}]}
 * A <select data-chart-switch="CANVAS-ID"> whose option values are JSON ids redraws that canvas with the chosen
 * data. Charts are drawn on page load and again after htmx swaps new content in.
 */
(function () {
  "use strict";

  var PALETTE = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e"];
  var TARGET = "#c62828";
  var PROJECTION = "#757575";

  function locale() {
    var lang = (document.documentElement.getAttribute("lang") || "vi").toLowerCase();
    return lang.indexOf("vi") === 0 ? "vi-VN" : "en-GB";
  }

  function formatter(decimals) {
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: Math.max(decimals || 0, 0) });
  }

  function style(set, index, type) {
    var color = PALETTE[index % PALETTE.length];
    var out = { label: set.label, data: set.data, spanGaps: true };
    if (set.role === "target") {
      out.borderColor = TARGET;
      out.backgroundColor = TARGET;
      out.borderDash = [6, 4];
      out.borderWidth = 2;
      out.pointRadius = 4;
      if (type === "bar") {
        // A mark at the target's height on each bar, no line between units.
        out.type = "line";
        out.showLine = false;
        out.pointStyle = "line";
        out.pointRadius = 14;
        out.pointBorderWidth = 3;
      }
      out.order = 0;
    } else if (set.role === "projection") {
      out.borderColor = PROJECTION;
      out.backgroundColor = PROJECTION;
      out.borderDash = [3, 3];
      out.pointRadius = 3;
      out.order = 1;
    } else {
      out.borderColor = color;
      out.backgroundColor = type === "bar" ? color + "cc" : color;
      out.pointRadius = 3;
      out.order = 2;
    }
    return out;
  }

  function config(spec) {
    var number = formatter(spec.decimals);
    var unit = spec.unit ? " " + spec.unit : "";
    return {
      type: spec.type === "bar" ? "bar" : "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, i) { return style(set, i, spec.type); })
      },
      options: {
        locale: locale(),
        responsive: true,
        maintainAspectRatio: true,
        animation: { duration: 250 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: spec.datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.parsed.y;
                if (value === null || value === undefined) { return null; }
                return item.dataset.label + ": " + number.format(value) + unit;
              }
            }
          }
        },
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (value) { return number.format(value); } } },
          x: { ticks: { autoSkip: true, maxRotation: 45 } }
        }
      }
    };
  }

  function draw(canvas) {
    if (typeof window.Chart === "undefined") { return; }
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var existing = window.Chart.getChart(canvas);
    if (existing) {
      if (existing.$ytcsSource === source.id) { return; }
      existing.destroy();
    }
    var chart = new window.Chart(canvas, config(JSON.parse(source.textContent)));
    chart.$ytcsSource = source.id;
  }

  function drawAll(root) {
    var canvases = (root || document).querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, draw);
  }

  function destroyIn(root) {
    if (typeof window.Chart === "undefined" || !root) { return; }
    Array.prototype.forEach.call(root.querySelectorAll("canvas[data-chart]"), function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) { chart.destroy(); }
    });
  }

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-chart-switch]")) { return; }
    var canvas = document.getElementById(select.getAttribute("data-chart-switch"));
    if (!canvas) { return; }
    canvas.setAttribute("data-chart", select.value);
    draw(canvas);
  });

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:beforeSwap", function (event) { destroyIn(event.detail && event.detail.target); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.detail && event.detail.target); });
})();
