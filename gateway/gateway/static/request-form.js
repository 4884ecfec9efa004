// Repair request form: add and remove product blocks, keep a half-filled form across reloads,
// and send it once however often the button is tapped.
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  if (!form) return;
  var products = document.getElementById("products");
  var draftKey = form.dataset.draftKey;

  // Numbers the product blocks and their fields; "remove" shows only when there is another left.
  function renumber() {
    var blocks = products.querySelectorAll(".app-product");
    blocks.forEach(function (block, index) {
      block.querySelector(".app-remove-product").hidden = blocks.length <= 1;
      block.dataset.index = index;
      block.querySelector(".app-product-number").textContent = index + 1;
      block.querySelectorAll("[name^='items-']").forEach(function (field) {
        field.name = field.name.replace(/^items-\d+-/, "items-" + index + "-");
      });
    });
  }

  function addProduct() {
    var blocks = products.querySelectorAll(".app-product");
    if (blocks.length >= 20) return null;
    var copy = blocks[blocks.length - 1].cloneNode(true);
    copy.querySelectorAll("input, textarea").forEach(function (field) {
      field.value = field.type === "hidden" ? "[]" : "";
    });
    copy.querySelectorAll(".app-uploader").forEach(function (widget) {
      delete widget.dataset.ready;
    });
    products.appendChild(copy);
    renumber();
    if (window.reparoUploaders) window.reparoUploaders(copy);
    return copy;
  }

  function saveDraft() {
    var values = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "idempotency_key") values[name] = value;
    });
    values.__count = products.querySelectorAll(".app-product").length;
    localStorage.setItem(draftKey, JSON.stringify(values));
  }

  // Puts a saved draft back into the form: text typed and files already uploaded (their
  // references; the files themselves are kept by repair_service). Only empty fields are filled,
  // so a part number the page was opened with (?pn=) stays.
  function restoreDraft() {
    var values;
    try { values = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { values = null; }
    if (!values) return;
    while (products.querySelectorAll(".app-product").length < values.__count) {
      if (!addProduct()) break;
    }
    Object.keys(values).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field || !("value" in field) || typeof values[name] !== "string") return;
      if (field.type === "hidden" && field.closest(".app-uploader")) {
        if (field.value && field.value !== "[]") return;
        field.value = values[name];
        if (window.reparoShowUploads) window.reparoShowUploads(field.closest(".app-uploader"));
      } else if (!field.value) {
        field.value = values[name];
      }
    });
  }

  document.getElementById("add-product").addEventListener("click", function () {
    addProduct();
    saveDraft();
  });
  products.addEventListener("click", function (event) {
    if (!event.target.classList.contains("app-remove-product")) return;
    if (products.querySelectorAll(".app-product").length <= 1) return;
    event.target.closest(".app-product").remove();
    renumber();
    saveDraft();
  });
  form.addEventListener("input", saveDraft);

  // Part numbers: suggest products from the catalogue by part number or name (Chinese too);
  // any other text is accepted as typed and flagged by repair_service as an unknown PN.
  var options = document.getElementById("catalogue-options");
  var pending = null;
  products.addEventListener("input", function (event) {
    if (!event.target.classList.contains("app-pn") || !window.fetch) return;
    clearTimeout(pending);
    var text = event.target.value.trim();
    if (!text) return;
    pending = setTimeout(function () {
      fetch("/api/repair/catalogue?limit=10&q=" + encodeURIComponent(text))
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (products) {
          options.innerHTML = "";
          products.forEach(function (product) {
            var option = document.createElement("option");
            option.value = product.pn;
            option.label = product.name + " · " + product.pn;
            options.appendChild(option);
          });
        })
        .catch(function () {});
    }, 250);
  });
  // Review before sending: the first submit (after the browser's own checks) shows what will be
  // sent; "confirm" sends it, once, however often it is tapped.
  var review = document.getElementById("request-review");
  var reviewed = false;
  var CONFIRM_DELAY_MS = 700;
  var confirmReady = null;

  function labels() {
    try { return JSON.parse(review.querySelector(".app-review").dataset.labels || "{}"); }
    catch (e) { return {}; }
  }

  // One labelled value of the summary: a term and its description in the list.
  function pair(list, label, text, className) {
    var term = document.createElement("dt");
    term.textContent = label;
    var value = document.createElement("dd");
    value.textContent = text;
    if (className) value.className = className;
    list.appendChild(term);
    list.appendChild(value);
  }

  function heading(parent, text) {
    var title = document.createElement("p");
    title.className = "app-review-product";
    title.textContent = text;
    parent.appendChild(title);
  }

  function list(parent) {
    var terms = document.createElement("dl");
    terms.className = "app-review-list";
    parent.appendChild(terms);
    return terms;
  }

  function showReview() {
    var body = review.querySelector(".app-review");
    var words = labels();
    var value = function (name) { return (form.elements.namedItem(name) || {}).value || ""; };
    body.textContent = "";
    var contact = list(body);
    pair(contact, words.name, value("contact_name"));
    pair(contact, words.phone, value("contact_phone"));
    pair(contact, words.ship_from, value("ship_from_address"));
    products.querySelectorAll(".app-product").forEach(function (block, index) {
      var field = function (suffix) { return block.querySelector("[name$='-" + suffix + "']").value; };
      var files = 0;
      block.querySelectorAll(".app-uploader input[type=hidden]").forEach(function (hidden) {
        try { files += JSON.parse(hidden.value || "[]").length; } catch (e) { /* none */ }
      });
      heading(body, (words.product || "{n}").replace("{n}", index + 1));
      var product = list(body);
      pair(product, words.pn, field("pn"), "app-review-pn");
      pair(product, words.sn, field("sn"), "app-review-sn");
      pair(product, words.fault, field("fault_description"));
      pair(product, words.files, String(files), "app-review-files");
    });
    review.hidden = false;
    // "Confirm" opens where "Submit request" was: the second tap of a double tap would confirm
    // a review nobody saw. It takes no taps for a moment, long enough to outlast a double tap.
    var confirm = document.getElementById("review-confirm");
    confirm.disabled = true;
    clearTimeout(confirmReady);
    confirmReady = setTimeout(function () { confirm.disabled = false; }, CONFIRM_DELAY_MS);
  }

  // Photos still uploading hold the request back: sent now, it would go without them. The
  // customer is told why, and the request continues by itself once the last upload has finished
  // or failed (to the review, or straight to sending if they had already confirmed).
  var uploadsNotice = document.getElementById("uploads-pending");
  var heldBy = null;

  function uploadsPending() {
    return window.reparoUploadsPending ? window.reparoUploadsPending() : 0;
  }

  function holdUntilUploaded(then) {
    heldBy = then;
    uploadsNotice.hidden = false;
    if (review) review.querySelector(".app-review-wait").hidden = false;
  }

  document.addEventListener("reparo:uploads", function (event) {
    if (event.detail.pending > 0 || !heldBy) return;
    var then = heldBy;
    heldBy = null;
    uploadsNotice.hidden = true;
    if (review) review.querySelector(".app-review-wait").hidden = true;
    then();
  });

  function confirmAndSend() {
    if (uploadsPending() > 0) { holdUntilUploaded(confirmAndSend); return; }
    reviewed = true;
    document.getElementById("review-confirm").disabled = true;
    form.requestSubmit();
  }

  if (review) {
    document.getElementById("review-edit").addEventListener("click", function () {
      review.hidden = true;
    });
    document.getElementById("review-confirm").addEventListener("click", confirmAndSend);
  }
  // The browser's "required" check accepts a field holding only spaces (repair_service then
  // refuses it). Typed text is trimmed before anything is checked or sent, so a blank field is
  // missing here too and the browser points at it.
  function trimFields() {
    var blank = null;
    form.querySelectorAll("input:not([type=hidden]):not([type=file]), textarea").forEach(
      function (field) {
        var trimmed = field.value.trim();
        if (trimmed !== field.value) field.value = trimmed;
        if (field.required && !trimmed && !blank) blank = field;
      }
    );
    return blank;
  }

  form.addEventListener("submit", function (event) {
    var button = document.getElementById("submit-request");
    if (trimFields()) {
      event.preventDefault();
      saveDraft();
      form.reportValidity();
      return;
    }
    if (uploadsPending() > 0) {
      event.preventDefault();
      if (!heldBy) holdUntilUploaded(function () { form.requestSubmit(); });
      return;
    }
    if (review && !reviewed) { event.preventDefault(); showReview(); return; }
    if (button.disabled) { event.preventDefault(); return; }
    button.disabled = true;
    localStorage.removeItem(draftKey);
  });
  // A page showing the server's refusal holds what was just sent: that is kept as the draft.
  // Any other visit (a reload, a language switch, coming back later) gets the draft back. The
  // uploaders' own (hidden) error boxes do not count as a refusal.
  // The refused page answers the form's POST: its history entry becomes a plain visit of the
  // form, so a reload shows the form (from the draft) instead of sending the request again.
  if (form.querySelector(".app-form-refusal")) {
    saveDraft();
    if (window.history.replaceState) window.history.replaceState(null, "", location.href);
  } else {
    restoreDraft();
  }
})();
