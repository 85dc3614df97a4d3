/* The report page's charts (Chart.js, served by the app from npm's package).
 *
 * Everything drawn comes from the page's json_script "report-data", which the server built
 * from reports.queries with every label and series name already in words: this file only draws. Series differ by pattern-free colours and are
 * named in each chart's legend; every figure is also in the table under its chart.
 */
(function () {
  "use strict";

  const COLOURS = ["#1f5fa8", "#a34a00", "#5a6b7b", "#2e7d32", "#a4161a", "#6a3d9a", "#b8860b"];

  function bar(id, chart, stacked) {
    const canvas = document.getElementById(id);
    if (!canvas || !chart.labels.length) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return { label: series.name, data: series.values, backgroundColor: COLOURS[i % COLOURS.length] };
        }),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } },
      },
    });
  }

  function line(id, chart) {
    const canvas = document.getElementById(id);
    if (!canvas || !chart.labels.length) {
      return;
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return { label: series.name, data: series.values, borderColor: COLOURS[i % COLOURS.length], backgroundColor: COLOURS[i % COLOURS.length], borderDash: i ? [6, 4] : [] };
        }),
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("report-data");
    if (!source || !window.Chart) {
      return;
    }
    const data = JSON.parse(source.textContent);
    bar("chart-caseload", data.caseload, true);
    line("chart-falls-report", data.falls);
    bar("chart-referrals", data.referrals, true);
    bar("chart-devices", data.devices, false);
  });
})();
