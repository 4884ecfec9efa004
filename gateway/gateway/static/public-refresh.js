// The public progress page follows the order without a manual reload: every few seconds it asks
// for the page again and swaps in the new content when it changed.
(function () {
  "use strict";
  var main = document.querySelector(".app-main");
  if (!main || !window.fetch) return;
  setInterval(function () {
    fetch(location.href, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".app-main");
        if (fresh && fresh.innerHTML !== main.innerHTML) main.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  }, 3000);
})();
