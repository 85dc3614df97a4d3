/* The patient dashboard's charts (Chart.js, served by the app from npm's package).
 *
 * Everything drawn comes from the page's json_script "trend-data", which the server built
 * from assessments.trends.patient_trends(): this file decides nothing clinical, it only draws.
 * Left and right differ by line style and point shape as well as colour; a decline is a
 * larger triangle, and the chart card also says "decline" in words.
 */
(function () {
  "use strict";

  const DAY_MS = 86400000;
  const LEFT = { color: "#1f5fa8", pointStyle: "circle", dash: [] };
  const RIGHT = { color: "#a34a00", pointStyle: "rectRot", dash: [6, 4] };
  const DECLINE = "#a4161a";

  function dayNumber(iso) {
    return Date.parse(iso + "T00:00:00Z") / DAY_MS;
  }


  function shortDate(day) {
    const d = new Date(Math.round(day) * DAY_MS);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "2-digit", timeZone: "UTC" });
  }

  function dateAxis(range) {
    return {
      type: "linear",
      min: range.min,
      max: range.max,
      ticks: { callback: shortDate, maxTicksLimit: 5, maxRotation: 0 },
      grid: { color: "#eef0f2" },
    };
  }

  function dateRange(days) {
    let min = Math.min(...days);
    let max = Math.max(...days);
    // Room either side, and a sensible span when there is a single date.
    const pad = Math.max(14, (max - min) * 0.06);
    return { min: min - pad, max: max + pad };
  }

  function muscleCharts(data, range) {
    const labelOf = new Map(data.grades.map((g) => [g.thirds, g.label]));
    const gradeTicks = data.grades.map((g) => g.thirds);
    const declined = new Set(data.declines.map((d) => `${d.muscle_group}|${d.side}|${d.to_date}`));
    const fromOf = new Map(data.declines.map((d) => [`${d.muscle_group}|${d.side}|${d.to_date}`, d.from_grade]));
    const bySide = new Map(data.series.map((s) => [`${s.muscle_group}|${s.side}`, s.points]));

    for (const group of data.muscle_groups) {
      const canvas = document.getElementById(`chart-${group.value}`);
      if (!canvas) continue;
      const datasets = [];
      let anyDecline = false;
      for (const [side, style] of [["left", LEFT], ["right", RIGHT]]) {
        const points = bySide.get(`${group.value}|${side}`);
        if (!points) continue;
        const data_ = points.map((p) => {
          const decline = declined.has(`${group.value}|${side}|${p.assessed_on}`);
          anyDecline = anyDecline || decline;
          return {
            x: dayNumber(p.assessed_on),
            y: p.thirds,
            grade: p.grade,
            date: p.assessed_on,
            decline,
            from: decline ? fromOf.get(`${group.value}|${side}|${p.assessed_on}`) : null,
          };
        });
        datasets.push({
          label: side === "left" ? "Left" : "Right",
          side,
          data: data_,
          borderColor: style.color,
          backgroundColor: style.color,
          borderDash: style.dash,
          borderWidth: 2,
          pointStyle: (ctx) => (ctx.raw && ctx.raw.decline ? "triangle" : style.pointStyle),
          pointRadius: (ctx) => (ctx.raw && ctx.raw.decline ? 8 : 4),
          pointBackgroundColor: (ctx) => (ctx.raw && ctx.raw.decline ? DECLINE : style.color),
          pointBorderColor: (ctx) => (ctx.raw && ctx.raw.decline ? DECLINE : style.color),
          rotation: (ctx) => (ctx.raw && ctx.raw.decline ? 180 : 0),
        });
      }
      if (!datasets.length) continue;
      const card = canvas.closest(".chart-card");
      card.hidden = false;
      if (anyDecline) card.classList.add("has-decline");
      new Chart(canvas, {
        type: "line",
        data: { datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          parsing: false,
          interaction: { mode: "nearest", intersect: false },
          scales: {
            x: dateAxis(range),
            y: {
              type: "linear",
              // A little room beyond 0 and 5 so that points on them are not cut in half.
              min: -0.6,
              max: 15.6,
              // The MRC scale in thirds: ticks only at real grades, labelled "4-", "4", "4+".
              afterBuildTicks: (axis) => {
                axis.ticks = gradeTicks.map((value) => ({ value }));
              },
              ticks: { autoSkip: false, font: { size: 10 }, callback: (value) => labelOf.get(value) ?? "" },
              grid: { color: (ctx) => (ctx.tick && ctx.tick.value % 3 === 0 ? "#d4d9df" : "#f1f3f5") },
              title: { display: true, text: "MRC grade" },
            },
          },
          plugins: {
            legend: { labels: { usePointStyle: true, boxHeight: 8 } },
            tooltip: {
              callbacks: {
                title: (items) => items[0].raw.date,
                label: (item) =>
                  `${item.dataset.label}: ${item.raw.grade}` + (item.raw.decline ? ` (decline from ${item.raw.from})` : ""),
              },
            },
          },
        },
      });
    }
  }

  function mrcSumChart(data, range) {
    const canvas = document.getElementById("chart-mrc-sum");
    if (!canvas) return;
    const points = data.mrc_sum.filter((p) => p.score !== null);
    const last = points.length - 1;
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: "MRC sum",
            data: points.map((p, i) => ({ x: dayNumber(p.assessed_on), y: p.score, date: p.assessed_on, drop: data.mrc_sum_drop && i === last })),
            borderColor: "#17456e",
            backgroundColor: "#17456e",
            pointStyle: (ctx) => (ctx.raw && ctx.raw.drop ? "triangle" : "circle"),
            rotation: (ctx) => (ctx.raw && ctx.raw.drop ? 180 : 0),
            pointRadius: (ctx) => (ctx.raw && ctx.raw.drop ? 8 : 4),
            pointBackgroundColor: (ctx) => (ctx.raw && ctx.raw.drop ? DECLINE : "#17456e"),
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: dateAxis(range),
          y: { min: 0, max: 60, ticks: { stepSize: 10 }, title: { display: true, text: "MRC sum (0–60)" } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => items[0].raw.date,
              label: (item) => `MRC sum ${item.raw.y}` + (item.raw.drop ? " (dropped)" : ""),
            },
          },
        },
      },
    });
  }

  // Injury on the y axis; near-falls sit on their own row below.
  const LEVELS = ["Near-fall", "None", "Minor", "Moderate", "Severe"];
  const LEVEL_OF = { none: 1, minor: 2, moderate: 3, severe: 4 };

  const fallWindowBand = {
    id: "fallWindowBand",
    beforeDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      const left = Math.max(scales.x.getPixelForValue(options.start), chartArea.left);
      const right = Math.min(scales.x.getPixelForValue(options.end), chartArea.right);
      if (right <= left) return;
      ctx.save();
      ctx.fillStyle = "rgba(255, 191, 71, 0.18)";
      ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      ctx.fillStyle = "#7a4b00";
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText("last 182 days", left + 4, chartArea.top + 12);
      ctx.restore();
    },
  };

  function fallsChart(data) {
    const canvas = document.getElementById("chart-falls");
    if (!canvas) return;
    const start = dayNumber(data.fall_window_start);
    const today = dayNumber(data.today);
    const days = data.falls.map((f) => dayNumber(f.date)).concat([start, today]);
    const range = dateRange(days);
    const point = (f) => ({
      x: dayNumber(f.date),
      y: f.near_fall ? 0 : LEVEL_OF[f.injury],
      date: f.date,
      injury: f.injury,
      medical: f.medical_attention,
    });
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "Fall",
            data: data.falls.filter((f) => !f.near_fall).map(point),
            pointStyle: "circle",
            pointRadius: 6,
            backgroundColor: "#a4161a",
            borderColor: "#a4161a",
          },
          {
            label: "Near-fall",
            data: data.falls.filter((f) => f.near_fall).map(point),
            pointStyle: "crossRot",
            pointRadius: 7,
            borderWidth: 2,
            backgroundColor: "#555d66",
            borderColor: "#555d66",
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: dateAxis(range),
          y: {
            min: -0.5,
            max: 4.5,
            afterBuildTicks: (axis) => {
              axis.ticks = LEVELS.map((_, value) => ({ value }));
            },
            ticks: { autoSkip: false, callback: (value) => LEVELS[value] ?? "" },
            title: { display: true, text: "Injury" },
          },
        },
        plugins: {
          fallWindowBand: { start, end: today },
          legend: { labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: (items) => items[0].raw.date,
              label: (item) =>
                `${item.dataset.label}, injury ${item.raw.injury}` + (item.raw.medical ? ", medical attention" : ""),
            },
          },
        },
      },
      plugins: [fallWindowBand],
    });
  }

  function draw() {
    const script = document.getElementById("trend-data");
    if (!script || typeof Chart === "undefined") return;
    const data = JSON.parse(script.textContent);
    const assessmentDays = data.series.flatMap((s) => s.points.map((p) => dayNumber(p.assessed_on)));
    if (assessmentDays.length) {
      // One date range for every strength chart, so they line up and compare at a glance.
      const range = dateRange(assessmentDays);
      muscleCharts(data, range);
      mrcSumChart(data, range);
    }
    if (data.falls.length) fallsChart(data);
    document.documentElement.dataset.chartsReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
