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


// File fields: upload the chosen file to the repair API at once (the staff session cookie is
// sent) and put the stored file's key in the form field the server reads.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.dataset || !input.dataset.uploadInto || !input.files.length) return;
  var file = input.files[0];
  var target = document.getElementById(input.dataset.uploadInto);
  var status = document.querySelector('[data-upload-status="' + input.dataset.uploadInto + '"]');
  status.textContent = "…";
  fetch("/api/repair/files", {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/octet-stream", "X-File-Name": encodeURIComponent(file.name) },
    body: file
  })
    .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
    .then(function (result) {
      if (result[0]) { target.value = result[1].key; status.textContent = "✓ " + result[1].name; }
      else { target.value = ""; status.textContent = result[1].detail || "upload failed"; }
    })
    .catch(function () { status.textContent = "upload failed"; });
});
