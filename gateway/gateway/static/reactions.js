// Likes and favourites change at once: the button flips before the server answers, and the
// server's counts replace the guess when they arrive (or the guess is undone on failure).
// Signed-out customers post the form as it is; the gateway sends them to sign-in and back.
(function () {
  "use strict";
  if (window.reparoReactions) return;  // the partial may appear more than once on a page
  window.reparoReactions = true;

  function show(form, active, count) {
    var button = form.querySelector("button");
    button.setAttribute("aria-pressed", active ? "true" : "false");
    button.classList.toggle("weui-btn_primary", active);
    button.classList.toggle("weui-btn_default", !active);
    button.querySelector(".app-reaction-label").textContent =
      active ? button.dataset.labelOn : button.dataset.labelOff;
    button.querySelector(".app-reaction-count").textContent = String(count);
    form.elements.on.value = active ? "false" : "true";
  }

  function showCounts(container, counts) {
    container.querySelectorAll("form[data-reaction]").forEach(function (form) {
      if (form.dataset.reaction === "like") show(form, counts.liked, counts.likes);
      else show(form, counts.favourited, counts.favourites);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var container = form.closest && form.closest(".app-reactions");
    if (!container || !form.matches("form[data-reaction]")) return;
    if (container.dataset.signedIn !== "true") return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) return;
    var turningOn = form.elements.on.value === "true";
    var before = parseInt(button.querySelector(".app-reaction-count").textContent, 10) || 0;
    var body = new FormData(form);
    show(form, turningOn, Math.max(0, before + (turningOn ? 1 : -1)));
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.status === 401) {
        return response.json().then(function (answer) { window.location.assign(answer.signin_url); });
      }
      if (!response.ok) throw new Error("reaction failed: " + response.status);
      return response.json().then(function (counts) { showCounts(container, counts); });
    }).catch(function () {
      show(form, !turningOn, before);
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
