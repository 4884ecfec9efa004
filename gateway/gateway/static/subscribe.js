// The subscription prompt: once WeChat's JS-SDK is ready, show the open tag; when the customer
// allows messages in WeChat's consent sheet, tell repair_service which templates they allowed
// (each "allow" is good for one message of that template).
(function () {
  "use strict";
  var prompt = document.getElementById("subscribe-prompt");
  var tag = document.getElementById("subscribe-button");
  if (!prompt || !tag || !window.wx || !window.fetch) return;

  wx.ready(function () { prompt.hidden = false; });

  tag.addEventListener("success", function (event) {
    var details = JSON.parse(event.detail.subscribeDetails || "{}");
    var accepted = Object.keys(details).filter(function (id) {
      return JSON.parse(details[id]).status === "accept";
    });
    if (!accepted.length) return;
    fetch("/api/repair/subscriptions/consents", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ accepted: accepted })
    }).then(function (response) {
      if (!response.ok) return;
      tag.hidden = true;
      prompt.querySelector(".app-subscribe-ask").hidden = true;
      prompt.querySelector(".app-subscribe-done").hidden = false;
      prompt.dataset.consented = accepted.join(",");
    });
  });
  tag.addEventListener("error", function () { prompt.hidden = true; });
})();
