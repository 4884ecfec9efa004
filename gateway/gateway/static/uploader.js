// Photo, video and proof uploads with progress and removal. Each widget keeps the uploaded
// files' references as JSON in a hidden input that the surrounding form submits.
(function () {
  "use strict";

  function refs(widget) {
    try { return JSON.parse(widget.querySelector("input[type=hidden]").value || "[]"); }
    catch (e) { return []; }
  }

  function save(widget, list) {
    widget.querySelector("input[type=hidden]").value = JSON.stringify(list);
    widget.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function showItem(widget, ref) {
    var item = document.createElement("li");
    item.className = "app-upload-item";
    item.dataset.key = ref.key;
    item.textContent = ref.name + " ";
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "weui-btn weui-btn_mini weui-btn_default app-upload-remove";
    remove.textContent = widget.dataset.removeLabel || "×";
    remove.addEventListener("click", function () {
      save(widget, refs(widget).filter(function (r) { return r.key !== ref.key; }));
      item.remove();
    });
    item.appendChild(remove);
    widget.querySelector(".app-upload-list").appendChild(item);
  }

  function upload(widget, file) {
    var row = document.createElement("li");
    row.className = "app-upload-item";
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    row.textContent = file.name + " ";
    row.appendChild(progress);
    widget.querySelector(".app-upload-list").appendChild(row);

    var request = new XMLHttpRequest();
    request.open("PUT", "/api/repair/files");
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress.value = Math.round(event.loaded * 100 / event.total);
    });
    request.addEventListener("load", function () {
      row.remove();
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
      if (request.status === 201) {
        var kind = answer.kind === "video" ? widget.dataset.videoKind : widget.dataset.kind;
        var ref = { kind: kind || widget.dataset.kind, key: answer.key, name: answer.name };
        save(widget, refs(widget).concat([ref]));
        showItem(widget, ref);
      } else {
        showError(widget, file.name + ": " + (refusal(widget, answer) || request.statusText));
      }
    });
    request.addEventListener("error", function () {
      row.remove();
      showError(widget, file.name + ": " + (widget.dataset.networkError || "network error"));
    });
    request.send(file);
  }

  // The refusal in the page's language when its code is known, else the service's own words.
  function refusal(widget, answer) {
    var words = {};
    try { words = JSON.parse(widget.dataset.refusals || "{}"); } catch (e) { words = {}; }
    var text = words[answer.code];
    if (!text) return answer.detail;
    var megabytes = answer.limit_bytes ? Math.round(answer.limit_bytes / 104857.6) / 10 : "";
    return text.replace("{limit}", megabytes);
  }

  function showError(widget, text) {
    var error = widget.querySelector(".app-upload-error");
    error.textContent = text;
    error.hidden = false;
  }

  function attach(widget) {
    if (widget.dataset.ready) return;
    widget.dataset.ready = "1";
    widget.querySelector(".app-upload-list").innerHTML = "";
    refs(widget).forEach(function (ref) { showItem(widget, ref); });
    widget.querySelector("input[type=file]").addEventListener("change", function (event) {
      widget.querySelector(".app-upload-error").hidden = true;
      Array.prototype.forEach.call(event.target.files, function (file) { upload(widget, file); });
      event.target.value = "";
    });
  }

  window.reparoUploaders = function (root) {
    (root || document).querySelectorAll(".app-uploader").forEach(attach);
  };
  window.reparoUploaders();
})();
