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


// Files are uploaded to the repair API as soon as they are chosen (the staff session cookie is
// sent, with the CSRF token as a header), so a large photo travels while the person types and
// the action's form only carries the stored files' keys.
function csrfToken() {
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function uploadFile(file) {
  return fetch("/api/repair/files", {
    method: "PUT",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/octet-stream",
      "X-File-Name": encodeURIComponent(file.name),
      "X-CSRF-Token": csrfToken()
    },
    body: file
  }).then(function (response) {
    return response.json().then(
      function (body) { return { ok: response.ok, body: body }; },
      function () { return { ok: false, body: {} }; }
    );
  });
}

// One file (the invoice PDF): its key goes into the hidden field named by data-upload-into.
// The stored kind is read from the content, so a photo renamed .pdf is refused here already,
// not only when the form is sent.
function uploadSingle(input) {
  var target = document.getElementById(input.dataset.uploadInto);
  var status = document.querySelector('[data-upload-status="' + input.dataset.uploadInto + '"]');
  status.textContent = "…";
  uploadFile(input.files[0])
    .then(function (result) {
      var wanted = input.dataset.accepts;
      target.value = "";
      if (result.ok && wanted && result.body.kind !== wanted) {
        status.textContent = status.dataset.wrongKind;
      } else if (result.ok) {
        target.value = result.body.key;
        status.textContent = "✓ " + result.body.name;
      } else {
        status.textContent = result.body.detail || status.dataset.failed;
      }
    })
    .catch(function () { status.textContent = status.dataset.failed; });
}

// Photos: each chosen photo becomes a thumbnail with a hidden "photo" field holding its key.
// The form's submit button waits while any photo is still uploading.
function setPending(form, change) {
  var pending = (parseInt(form.dataset.pending || "0", 10) || 0) + change;
  form.dataset.pending = String(pending);
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.disabled = pending > 0;
  });
}

function photoItem(list, name) {
  var item = document.createElement("li");
  item.className = "uploading";
  var caption = document.createElement("span");
  caption.textContent = name;
  var remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link";
  remove.dataset.removePhoto = "";
  remove.setAttribute("aria-label", list.dataset.removeLabel);
  remove.textContent = "×";
  item.appendChild(caption);
  item.appendChild(remove);
  list.appendChild(item);
  return item;
}

function uploadPhotos(input) {
  var list = document.getElementById(input.dataset.photoUpload);
  var form = input.form;
  Array.prototype.forEach.call(input.files, function (file) {
    var item = photoItem(list, file.name);
    setPending(form, 1);
    uploadFile(file)
      .then(function (result) {
        if (!result.ok) throw new Error(result.body.detail || list.dataset.failed);
        var image = document.createElement("img");
        image.className = "thumb";
        image.alt = result.body.name;
        image.src = "/api/repair/files/" + result.body.key + "?variant=preview";
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "photo";
        field.value = result.body.key;
        item.insertBefore(image, item.firstChild);
        item.appendChild(field);
        item.className = "";
      })
      .catch(function (error) {
        item.className = "failed";
        item.firstChild.textContent = file.name + ": " + (error.message || list.dataset.failed);
      })
      .then(function () { setPending(form, -1); });
  });
  input.value = "";  // the same photo may be chosen again, and the form never posts the files
}

document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.dataset || !input.files || !input.files.length) return;
  if (input.dataset.uploadInto) uploadSingle(input);
  if (input.dataset.photoUpload) uploadPhotos(input);
});

document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-remove-photo]");
  if (button) button.closest("li").remove();
});
