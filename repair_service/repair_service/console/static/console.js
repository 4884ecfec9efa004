// Console behaviour that htmx attributes cannot express: the overview charts.
(function () {
  "use strict";

  function drawCharts() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
      canvas.dataset.drawn = "1";
      new Chart(canvas, {
        type: "bar",
        data: { labels: spec.labels, datasets: spec.datasets },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { beginAtZero: true, title: { display: !!spec.unit, text: spec.unit } } } },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", drawCharts);
  document.addEventListener("htmx:after:swap", drawCharts);
})();
