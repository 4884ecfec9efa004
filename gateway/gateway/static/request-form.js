// Repair request form: add and remove product blocks, keep a half-filled form across reloads,
// and send it once however often the button is tapped.
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  if (!form) return;
  var products = document.getElementById("products");
  var draftKey = form.dataset.draftKey;

  function renumber() {
    products.querySelectorAll(".app-product").forEach(function (block, index) {
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

  function restoreDraft() {
    var values;
    try { values = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { values = null; }
    if (!values) return;
    while (products.querySelectorAll(".app-product").length < values.__count) addProduct();
    Object.keys(values).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && "value" in field && !field.value) field.value = values[name];
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
  form.addEventListener("submit", function (event) {
    var button = document.getElementById("submit-request");
    if (button.disabled) { event.preventDefault(); return; }
    button.disabled = true;
    localStorage.removeItem(draftKey);
  });
  if (!form.querySelector(".app-error")) restoreDraft();
})();
