// Invoice request: picking a saved title fills the form's fields with it.
(function () {
  "use strict";
  var saved = document.getElementById("saved-titles");
  if (!saved) return;
  saved.addEventListener("change", function () {
    var option = saved.options[saved.selectedIndex];
    if (!option.dataset.title) return;
    var title = JSON.parse(option.dataset.title);
    ["title", "tax_id", "address", "bank", "bank_account"].forEach(function (name) {
      var field = saved.form.elements.namedItem(name);
      if (field) field.value = title[name] || "";
    });
  });
})();
