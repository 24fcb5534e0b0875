// Draws the dashboard's charts from the figures the page embeds (json_script), and redraws the
// participation line each time htmx swaps the live part in place.
(function () {
  "use strict";
  const charts = {};

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function label(name) {
    const node = document.getElementById("chart-labels");
    return node ? node.dataset[name] || name : name;
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") return;
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new Chart(canvas, config);
    canvas.dataset.drawn = "true";
  }

  function percentAxis() {
    return { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => v + "%" } } };
  }

  function drawTimeline() {
    const timeline = data("report-timeline");
    if (!timeline || !timeline.values.length) return;
    draw("chart-timeline", {
      type: "line",
      data: {
        labels: timeline.labels,
        datasets: [
          { label: label("participated"), data: timeline.values, borderColor: "#b3261e", backgroundColor: "rgba(179,38,30,.15)", fill: true, tension: 0.2 },
          { label: label("eligible"), data: timeline.values.map(() => timeline.eligible), borderColor: "#616e7c", borderDash: [6, 4], pointRadius: 0 },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });
  }

  function drawAll() {
    const chart = data("report-charts");
    if (chart) {
      draw("chart-rates", {
        type: "bar",
        data: {
          labels: chart.rates.map((r) => r.name),
          datasets: [
            { label: label("participationRate"), data: chart.rates.map((r) => r.participation_rate), backgroundColor: "#b3261e" },
            { label: label("passRate"), data: chart.rates.map((r) => r.pass_rate), backgroundColor: "#1b7f3b" },
          ],
        },
        options: { scales: percentAxis() },
      });
      draw("chart-hours", {
        type: "bar",
        data: {
          labels: chart.hours.map((r) => r.name),
          datasets: [
            { label: label("hoursMean"), data: chart.hours.map((r) => r.hours_mean), backgroundColor: "#1b7f3b" },
            { label: label("requiredMean"), data: chart.hours.map((r) => r.required_mean), backgroundColor: "#cbd2d9" },
          ],
        },
        options: { scales: { y: { beginAtZero: true } } },
      });
      draw("chart-credentials", {
        type: "bar",
        data: {
          labels: chart.credentials.map((r) => r.name),
          datasets: [
            { label: label("valid"), data: chart.credentials.map((r) => r.valid), backgroundColor: "#1b7f3b" },
            { label: label("expiring"), data: chart.credentials.map((r) => r.expiring), backgroundColor: "#d69e2e" },
            { label: label("suspended"), data: chart.credentials.map((r) => r.suspended), backgroundColor: "#b3261e" },
            { label: label("reviewFailed"), data: chart.credentials.map((r) => r.review_failed), backgroundColor: "#7b341e" },
            { label: label("notEnforcing"), data: chart.credentials.map((r) => r.officers_not_enforcing), backgroundColor: "#616e7c" },
          ],
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
      draw("chart-trend", {
        type: "line",
        data: {
          labels: chart.trend.map((r) => String(r.year)),
          datasets: [
            { label: label("participationRate"), data: chart.trend.map((r) => r.participation_rate), borderColor: "#b3261e" },
            { label: label("passRate"), data: chart.trend.map((r) => r.pass_rate), borderColor: "#1b7f3b" },
          ],
        },
        options: { scales: percentAxis() },
      });
    }
    drawTimeline();
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawTimeline);
})();
