// Dialogue Hub charts (vendored Chart.js 4, no CDN; no inline scripts: CSP forbids them).
//
// A chart is a <canvas data-chart="ID"> next to a <script type="application/json" id="ID">
// written by Django's json_script. The JSON holds only numbers that are shown in the table
// the canvas describes (aria-describedby): a hidden count is null or left out, never sent.
//
//   {"kind": "weeks",  "labels": [...], "series": [{"label": "...", "values": [12, null, 0]}]}
//   {"kind": "shares", "labels": [...], "series": [{"label": "...", "values": [40.5, ...]}, ...]}
//
// "weeks" draws a bar per week (a null week is a gap); "shares" draws horizontal bars of
// percentages per group, one colour per series.
(function () {
  "use strict";

  function cssColor(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function readData(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function percent(value) {
    return value + "%";
  }

  function weeksConfig(data, colors) {
    const series = data.series[0];
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: series.label,
            data: series.values, // null = hidden to protect privacy: drawn as a gap
            backgroundColor: colors[0],
          },
        ],
      },
      options: {
        aspectRatio: window.innerWidth < 576 ? 1.4 : 2.8,
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          x: { ticks: { autoSkip: true, maxRotation: 60 } },
        },
        plugins: { legend: { display: false } },
      },
    };
  }

  function sharesConfig(data, colors, canvas) {
    const width = canvas.parentElement ? canvas.parentElement.clientWidth : 600;
    const height = 60 + data.labels.length * 36;
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            backgroundColor: colors[index % colors.length],
          };
        }),
      },
      options: {
        indexAxis: "y",
        aspectRatio: Math.max(0.6, width / height),
        scales: {
          x: { beginAtZero: true, suggestedMax: 50, ticks: { callback: percent } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + percent(context.parsed.x);
              },
            },
          },
        },
      },
    };
  }

  function draw(canvas) {
    const data = readData(canvas);
    if (!data || !Array.isArray(data.labels) || !Array.isArray(data.series)) {
      return;
    }
    const colors = [cssColor("--bs-primary", "#0d6efd"), cssColor("--bs-gray-500", "#adb5bd")];
    const config =
      data.kind === "shares" ? sharesConfig(data, colors, canvas) : weeksConfig(data, colors);
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      config.options.animation = false;
    }
    new window.Chart(canvas, config);
  }

  function init() {
    if (!window.Chart) {
      return; // the tables below each chart carry the same figures
    }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
