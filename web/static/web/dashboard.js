/* The patient dashboard's charts (Chart.js, served by the app from npm's package).
 *
 * Everything drawn comes from the page's json_script "trend-data", which the server built
 * from clinical_rules.trends.patient_trends(): this file decides nothing clinical, it only
 * draws. Left and right differ by line style and point shape as well as colour. On the muscle
 * charts a decline (rule 1, or rule 11 from the best of the past year) is a red ▼ triangle, the
 * best it fell from a purple ★ star, an improvement (rule 13) a green ▲ triangle; each chart's
 * legend names the marks it shows and its card says them in words. On the MRC sum, EDSS and
 * timed-walk charts the latest point is a red ▼ when its rule found it worse. On the muscle and
 * MRC sum charts each start or increase of an antispasticity drug (the events rule 16 looks at)
 * is a dashed vertical line at its date, topped by a ▼ that names it in the tooltip and legend.
 */
(function () {
  "use strict";

  const DAY_MS = 86400000;
  const LEFT = { color: "#1f5fa8", pointStyle: "circle", dash: [] };
  const RIGHT = { color: "#a34a00", pointStyle: "rectRot", dash: [6, 4] };
  const DECLINE = "#a4161a";
  const MEASURE = "#17456e";
  const MARKS = {
    decline: { label: "Decline", pointStyle: "triangle", rotation: 180, radius: 8, color: DECLINE },
    best: { label: "Best before decline", pointStyle: "star", rotation: 0, radius: 10, color: "#6b3fa0" },
    improvement: { label: "Improvement", pointStyle: "triangle", rotation: 0, radius: 8, color: "#1e6b34" },
  };

  const DOSE = { label: "Antispasticity dose change", color: "#6a5d00", pointStyle: "triangle", rotation: 180 };

  /* The dose changes as a dataset of their own: a ▼ at the top of the chart (``top``) on each
   * date, with the words in its tooltip; doseChangeLines draws the line down from it. */
  function doseDataset(doseChanges, top) {
    return {
      label: DOSE.label,
      doseChange: true,
      data: doseChanges.map((d) => ({ x: dayNumber(d.date), y: top, date: d.date, text: d.text })),
      showLine: false,
      clip: false,
      pointStyle: DOSE.pointStyle,
      rotation: DOSE.rotation,
      pointRadius: 6,
      pointHoverRadius: 8,
      borderColor: DOSE.color,
      backgroundColor: DOSE.color,
    };
  }

  const doseChangeLines = {
    id: "doseChangeLines",
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      chart.data.datasets.forEach((dataset, index) => {
        if (!dataset.doseChange || !chart.isDatasetVisible(index)) return;
        ctx.save();
        ctx.strokeStyle = DOSE.color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([4, 3]);
        for (const point of dataset.data) {
          const x = scales.x.getPixelForValue(point.x);
          ctx.beginPath();
          ctx.moveTo(x, chartArea.top);
          ctx.lineTo(x, chartArea.bottom);
          ctx.stroke();
        }
        ctx.restore();
      });
    },
  };

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

  function sideKey(item) {
    return `${item.muscle_group}|${item.side}`;
  }

  /* A muscle-side's points, each with what the server's rules say about it.
   *
   * The rules speak of the latest assessment and list only muscle-sides it graded, so their
   * point is the series' last; the best a decline from best fell from is the last earlier point
   * of its date and grade.
   */
  function musclePoints(points, { decline, fromBest, improvement }) {
    const last = points.length - 1;
    const best = fromBest
      ? points.findLastIndex((p, i) => i < last && p.assessed_on === fromBest.best_date && p.grade === fromBest.best_grade)
      : -1;
    return points.map((p, i) => {
      const latest = i === last;
      const point = {
        x: dayNumber(p.assessed_on),
        y: p.thirds,
        grade: p.grade,
        date: p.assessed_on,
        decline: latest && Boolean(decline),
        from: latest && decline ? decline.from_grade : null,
        fromBest: latest && fromBest ? { grade: fromBest.best_grade, date: fromBest.best_date } : null,
        best: i === best ? { grade: fromBest.to_grade, date: fromBest.to_date } : null,
        improvement: latest && improvement ? { grade: improvement.from_grade, date: improvement.from_date } : null,
      };
      return { ...point, mark: markName(point) };
    });
  }

  // Which of MARKS a muscle point is drawn with: a latest point is a decline or an improvement
  // (never both), a best is always an earlier point.
  function markName(point) {
    if (point.decline || point.fromBest) return "decline";
    if (point.improvement) return "improvement";
    return point.best ? "best" : null;
  }

  function muscleTooltip(item) {
    const p = item.raw;
    if (item.dataset.doseChange) return p.text;
    const notes = [];
    if (p.decline) notes.push(`decline from ${p.from}`);
    if (p.fromBest) notes.push(`decline from best ${p.fromBest.grade} on ${p.fromBest.date}`);
    if (p.best) notes.push(`best before the decline to ${p.best.grade} on ${p.best.date}`);
    if (p.improvement) notes.push(`improvement from ${p.improvement.grade} on ${p.improvement.date}`);
    return `${item.dataset.label}: ${p.grade}` + (notes.length ? ` (${notes.join("; ")})` : "");
  }

  /* The legend: left and right in their own style (whatever their first point is marked
   * with), then the marks this chart shows. */
  function muscleLegend(chart) {
    const sides = Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
      const dataset = chart.data.datasets[item.datasetIndex];
      if (dataset.doseChange) return { ...item, pointStyle: DOSE.pointStyle, rotation: DOSE.rotation };
      const style = dataset.side === "left" ? LEFT : RIGHT;
      return { ...item, pointStyle: style.pointStyle, rotation: 0, fillStyle: style.color, strokeStyle: style.color };
    });
    const shown = new Set(chart.data.datasets.flatMap((d) => d.data.map((p) => p.mark)));
    const marks = Object.entries(MARKS)
      .filter(([name]) => shown.has(name))
      .map(([, mark]) => ({
        text: mark.label,
        pointStyle: mark.pointStyle,
        rotation: mark.rotation,
        fillStyle: mark.color,
        strokeStyle: mark.color,
        lineWidth: 2,
        fontColor: Chart.defaults.color,
      }));
    return sides.concat(marks);
  }

  const MUSCLE_TOP = 15.6;

  function muscleCharts(data, range) {
    const labelOf = new Map(data.grades.map((g) => [g.thirds, g.label]));
    const gradeTicks = data.grades.map((g) => g.thirds);
    const declineOf = new Map(data.declines.map((d) => [sideKey(d), d]));
    const fromBestOf = new Map(data.declines_from_best.map((d) => [sideKey(d), d]));
    const improvementOf = new Map(data.improvements.map((d) => [sideKey(d), d]));
    const bySide = new Map(data.series.map((s) => [sideKey(s), s.points]));
    const markOf = (ctx) => (ctx.raw && ctx.raw.mark ? MARKS[ctx.raw.mark] : null);

    for (const group of data.muscle_groups) {
      const canvas = document.getElementById(`chart-${group.value}`);
      if (!canvas) continue;
      const datasets = [];
      for (const [side, style] of [["left", LEFT], ["right", RIGHT]]) {
        const key = sideKey({ muscle_group: group.value, side });
        const points = bySide.get(key);
        if (!points) continue;
        datasets.push({
          label: side === "left" ? "Left" : "Right",
          side,
          data: musclePoints(points, {
            decline: declineOf.get(key),
            fromBest: fromBestOf.get(key),
            improvement: improvementOf.get(key),
          }),
          borderColor: style.color,
          backgroundColor: style.color,
          borderDash: style.dash,
          borderWidth: 2,
          clip: false,
          pointStyle: (ctx) => markOf(ctx)?.pointStyle ?? style.pointStyle,
          pointRadius: (ctx) => markOf(ctx)?.radius ?? 4,
          pointBackgroundColor: (ctx) => markOf(ctx)?.color ?? style.color,
          pointBorderColor: (ctx) => markOf(ctx)?.color ?? style.color,
          // A star is drawn as lines only: thicker, so that it reads as a mark.
          pointBorderWidth: (ctx) => (markOf(ctx) === MARKS.best ? 2.5 : 1),
          rotation: (ctx) => markOf(ctx)?.rotation ?? 0,
        });
      }
      if (!datasets.length) continue;
      if (data.dose_changes.length) datasets.push(doseDataset(data.dose_changes, MUSCLE_TOP));
      const card = canvas.closest(".chart-card");
      card.hidden = false;
      if (datasets.some((d) => d.data.some((p) => p.mark === "decline"))) card.classList.add("has-decline");
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
              max: MUSCLE_TOP,
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
            legend: {
              labels: { usePointStyle: true, boxHeight: 8, generateLabels: muscleLegend },
              // The marks' entries stand for no dataset: clicking them hides nothing.
              onClick: (event, item, legend) => {
                if (item.datasetIndex !== undefined) Chart.defaults.plugins.legend.onClick(event, item, legend);
              },
            },
            tooltip: { callbacks: { title: (items) => items[0].raw.date, label: muscleTooltip } },
          },
        },
        plugins: [doseChangeLines],
      });
    }
  }

  /* A measure over time (MRC sum, EDSS, timed 25-foot walk): one line, its latest point a red
   * ▼ when the server's rule found it worse than the one before. */
  function measureChart(canvasId, range, { label, points, worse, worseText, unit, y, doseChanges = [] }) {
    const canvas = document.getElementById(canvasId);
    if (!canvas) return;
    const last = points.length - 1;
    const isWorse = (ctx) => Boolean(ctx.raw && ctx.raw.worse);
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label,
            data: points.map((p, i) => ({ x: dayNumber(p.date), y: p.value, date: p.date, worse: worse && i === last })),
            borderColor: MEASURE,
            backgroundColor: MEASURE,
            clip: false,
            pointStyle: (ctx) => (isWorse(ctx) ? "triangle" : "circle"),
            rotation: (ctx) => (isWorse(ctx) ? 180 : 0),
            pointRadius: (ctx) => (isWorse(ctx) ? 8 : 4),
            pointBackgroundColor: (ctx) => (isWorse(ctx) ? DECLINE : MEASURE),
            pointBorderColor: (ctx) => (isWorse(ctx) ? DECLINE : MEASURE),
          },
          ...(doseChanges.length ? [doseDataset(doseChanges, y.max)] : []),
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: { x: dateAxis(range), y },
        plugins: {
          // Shown only to name the dose-change marks: the one measure is named by the card.
          legend: {
            display: doseChanges.length > 0,
            labels: {
              usePointStyle: true,
              boxHeight: 8,
              filter: (item, chartData) => Boolean(chartData.datasets[item.datasetIndex].doseChange),
            },
          },
          tooltip: {
            callbacks: {
              title: (items) => items[0].raw.date,
              label: (item) =>
                item.dataset.doseChange
                  ? item.raw.text
                  : `${label} ${item.raw.y}${unit}` + (item.raw.worse ? ` (${worseText})` : ""),
            },
          },
        },
      },
      plugins: [doseChangeLines],
    });
  }

  const MRC_SUM_MAX = 60;

  function mrcSumChart(data, range) {
    const points = data.mrc_sum.filter((p) => p.score !== null).map((p) => ({ date: p.assessed_on, value: p.score }));
    // Zoomed to the recorded sums, with a little room either way, never beyond the scale's 0–60
    // (the whole scale while no assessment is complete).
    const scores = points.length ? points.map((p) => p.value) : [0, MRC_SUM_MAX];
    const pad = Math.max(2, Math.ceil((Math.max(...scores) - Math.min(...scores)) * 0.1));
    measureChart("chart-mrc-sum", range, {
      label: "MRC sum",
      points,
      worse: data.mrc_sum_drop,
      worseText: "dropped",
      unit: "",
      doseChanges: data.dose_changes,
      y: {
        min: Math.max(0, Math.min(...scores) - pad),
        max: Math.min(MRC_SUM_MAX, Math.max(...scores) + pad),
        ticks: { precision: 0 },
        title: { display: true, text: "MRC sum (of 60)" },
      },
    });
  }

  // EDSS runs 0–10 in half steps: a grid line at each, a label at each whole step.
  const EDSS_STEPS = Array.from({ length: 21 }, (_, i) => i / 2);

  function edssChart(data, range) {
    measureChart("chart-edss", range, {
      label: "EDSS",
      points: data.edss.map((p) => ({ date: p.assessed_on, value: Number(p.edss) })),
      worse: data.edss_worsening,
      worseText: "worsening",
      unit: "",
      y: {
        min: 0,
        max: 10,
        afterBuildTicks: (axis) => {
          axis.ticks = EDSS_STEPS.map((value) => ({ value }));
        },
        ticks: { autoSkip: false, callback: (value) => (Number.isInteger(value) ? value : "") },
        grid: { color: (ctx) => (ctx.tick && Number.isInteger(ctx.tick.value) ? "#d4d9df" : "#f1f3f5") },
        title: { display: true, text: "EDSS (0–10)" },
      },
    });
  }

  function walkChart(data, range) {
    measureChart("chart-t25fw", range, {
      label: "T25FW",
      points: data.timed_25ft_walk.map((p) => ({ date: p.assessed_on, value: Number(p.seconds) })),
      worse: data.walking_slowed,
      worseText: "walking slowed",
      unit: " s",
      y: { beginAtZero: true, title: { display: true, text: "Seconds" } },
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
          { label: "Fall", diary: false, near: false, pointStyle: "circle", pointRadius: 6, color: "#a4161a" },
          { label: "Fall (diary)", diary: true, near: false, pointStyle: "rectRot", pointRadius: 7, color: "#6a040f" },
          { label: "Near-fall", diary: false, near: true, pointStyle: "crossRot", pointRadius: 7, color: "#555d66" },
          { label: "Near-fall (diary)", diary: true, near: true, pointStyle: "cross", pointRadius: 7, color: "#343a40" },
        ].map((d) => ({
          label: d.label,
          data: data.falls.filter((f) => f.near_fall === d.near && f.from_diary === d.diary).map(point),
          pointStyle: d.pointStyle,
          pointRadius: d.pointRadius,
          borderWidth: 2,
          backgroundColor: d.color,
          borderColor: d.color,
        })),
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
    const assessmentDays = [...data.series.flatMap((s) => s.points), ...data.edss, ...data.timed_25ft_walk].map(
      (p) => dayNumber(p.assessed_on)
    );
    if (assessmentDays.length) {
      // A dose change after the latest assessment is still drawn (the server sends none before the first).
      assessmentDays.push(...data.dose_changes.map((d) => dayNumber(d.date)));
      // One date range for every assessment chart, so they line up and compare at a glance.
      const range = dateRange(assessmentDays);
      muscleCharts(data, range);
      mrcSumChart(data, range);
      edssChart(data, range);
      walkChart(data, range);
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
