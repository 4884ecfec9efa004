// Photo, video and proof uploads with progress and removal. Each widget keeps the uploaded
// files' references as JSON in a hidden input that the surrounding form submits; a file's
// reference is added only once its upload has finished, so an unfinished upload is never sent.
// At most two files upload at a time (the rest wait their turn) so that picking many photos on
// a phone does not flood repair_service. window.reparoUploadsPending() says how many files are
// still uploading or waiting; the document hears "reparo:uploads" whenever that number changes.
// A file over repair_service's size limit for its kind (the widget's data-limits) is refused
// here, before a single byte of it is sent. window.reparoShowUploads(widget) lists the files
// again after a script (the request form's draft) has put references into the hidden input.
(function () {
  "use strict";
  var AT_ONCE = 2;
  var waiting = [];
  var running = 0;

  function pending() { return waiting.length + running; }

  function announce() {
    document.dispatchEvent(new CustomEvent("reparo:uploads", { detail: { pending: pending() } }));
  }

  function next() {
    while (running < AT_ONCE && waiting.length) {
      running += 1;
      waiting.shift()();
    }
    announce();
  }

  function done() {
    running -= 1;
    next();
  }

  function refs(widget) {
    try { return JSON.parse(widget.querySelector("input[type=hidden]").value || "[]"); }
    catch (e) { return []; }
  }

  function save(widget, list) {
    widget.querySelector("input[type=hidden]").value = JSON.stringify(list);
    widget.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // A photo is shown by its preview (repair_service makes one for every image it accepts); a
  // video by a play mark, since its poster frame is not always there.
  function thumbnail(ref) {
    if (/_video$/.test(ref.kind)) {
      var mark = document.createElement("span");
      mark.className = "app-upload-thumb app-upload-video";
      mark.textContent = "\u25B6";
      return mark;
    }
    var image = document.createElement("img");
    image.className = "app-upload-thumb";
    image.alt = "";
    image.width = 56;
    image.height = 56;
    image.addEventListener("error", function () { image.remove(); });
    image.src = "/api/repair/files/" + encodeURI(ref.key) + "?variant=preview";
    return image;
  }

  // The files in the order the list shows them, which is the order they were chosen in.
  function listed(widget) {
    var items = widget.querySelectorAll(".app-upload-list .app-upload-item[data-key]");
    return Array.prototype.map.call(items, function (item) { return item.reparoRef; });
  }

  // ``slot``: the row the file held while it uploaded, so it keeps its place in the list even
  // when a file chosen after it finished first.
  function showItem(widget, ref, slot) {
    var item = document.createElement("li");
    item.className = "app-upload-item";
    item.dataset.key = ref.key;
    item.reparoRef = ref;
    item.appendChild(thumbnail(ref));
    var name = document.createElement("span");
    name.className = "app-upload-name";
    name.textContent = ref.name;
    item.appendChild(name);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "weui-btn weui-btn_mini weui-btn_default app-upload-remove";
    remove.textContent = widget.dataset.removeLabel || "×";
    remove.addEventListener("click", function () {
      save(widget, refs(widget).filter(function (r) { return r.key !== ref.key; }));
      item.remove();
    });
    item.appendChild(remove);
    if (slot) slot.replaceWith(item);
    else widget.querySelector(".app-upload-list").appendChild(item);
  }

  function queue(widget, file) {
    var row = document.createElement("li");
    row.className = "app-upload-item app-upload-running";
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    row.textContent = file.name + " ";
    row.appendChild(progress);
    widget.querySelector(".app-upload-list").appendChild(row);
    waiting.push(function () { upload(widget, file, row, progress); });
  }

  function upload(widget, file, row, progress) {
    var request = new XMLHttpRequest();
    request.open("PUT", "/api/repair/files");
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress.value = Math.round(event.loaded * 100 / event.total);
    });
    request.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
      if (request.status === 201 && !accepted(widget, answer)) {
        row.remove();
        showError(widget, file.name + ": " + refusal(widget, { code: "unsupported_file" }));
      } else if (request.status === 201) {
        var kind = answer.kind === "video" ? widget.dataset.videoKind : widget.dataset.kind;
        var ref = { kind: kind || widget.dataset.kind, key: answer.key, name: answer.name };
        showItem(widget, ref, row);
        save(widget, listed(widget));
      } else {
        row.remove();
        showError(widget, file.name + ": " + refusal(widget, answer));
      }
      done();
    });
    ["error", "abort", "timeout"].forEach(function (failure) {
      request.addEventListener(failure, function () {
        row.remove();
        showError(widget, file.name + ": " + (widget.dataset.networkError || "network error"));
        done();
      });
    });
    request.send(file);
  }

  // Whether the stored file is of a kind this field takes (any kind when it names none).
  function accepted(widget, answer) {
    var kinds = (widget.dataset.accepts || "").split(" ").filter(Boolean);
    return !kinds.length || kinds.indexOf(answer.kind) >= 0;
  }

  // The refusal in the page's language when its code is known, else a general "upload failed"
  // in the page's language (never the server's raw status text, e.g. "Internal Server Error").
  function refusal(widget, answer) {
    var words = {};
    try { words = JSON.parse(widget.dataset.refusals || "{}"); } catch (e) { words = {}; }
    var text = words[answer.code];
    if (!text) return widget.dataset.networkError || "upload failed";
    var megabytes = answer.limit_bytes ? Math.round(answer.limit_bytes / 104857.6) / 10 : "";
    return text.replace("{limit}", megabytes);
  }

  // The limit for this file, by the type the browser reports. Without one (some phones give HEIC
  // photos none) only the largest limit applies: repair_service decides the kind from the content.
  function limitFor(widget, file) {
    var limits = {};
    try { limits = JSON.parse(widget.dataset.limits || "{}"); } catch (e) { limits = {}; }
    var family = (file.type || "").split("/")[0];
    var kind = file.type === "application/pdf" ? "pdf" : family;
    if (limits[kind]) return limits[kind];
    var all = Object.keys(limits).map(function (name) { return limits[name]; });
    return all.length ? Math.max.apply(null, all) : 0;
  }

  function showError(widget, text) {
    var error = widget.querySelector(".app-upload-error");
    error.textContent = text;
    error.hidden = false;
  }

  // Lists the files the widget's hidden input holds (again, after a draft is restored).
  function showAll(widget) {
    widget.querySelector(".app-upload-list").innerHTML = "";
    refs(widget).forEach(function (ref) { showItem(widget, ref); });
  }

  function attach(widget) {
    if (widget.dataset.ready) return;
    widget.dataset.ready = "1";
    showAll(widget);
    widget.querySelector("input[type=file]").addEventListener("change", function (event) {
      widget.querySelector(".app-upload-error").hidden = true;
      Array.prototype.forEach.call(event.target.files, function (file) {
        var limit = limitFor(widget, file);
        if (limit && file.size > limit) {
          var tooLarge = { code: "file_too_large", limit_bytes: limit };
          showError(widget, file.name + ": " + refusal(widget, tooLarge));
        } else {
          queue(widget, file);
        }
      });
      event.target.value = "";
      next();
    });
  }

  window.reparoUploadsPending = pending;
  window.reparoShowUploads = showAll;
  window.reparoUploaders = function (root) {
    (root || document).querySelectorAll(".app-uploader").forEach(attach);
  };
  window.reparoUploaders();
})();
