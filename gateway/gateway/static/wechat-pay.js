// WeChat Pay on the order page: ask our server for the pay sheet's parameters, open it, and
// then ask our server for the result. The sheet's own "ok" proves nothing; only the server's
// answer (from WeChat Pay's notification or its own query) moves the order on.
// Choosing WeChat Pay comes back here with the payment created and the button marked
// data-open-at-once: the sheet then opens as soon as the JS-SDK is ready, so the customer taps
// once. The button stays for whoever closed the sheet or comes back later.
(function () {
  "use strict";
  var button = document.getElementById("wechat-pay");
  var paymentId = button ? button.dataset.paymentId : document.body.dataset.paymentId;
  if (!paymentId) return;

  function askResult() {
    return fetch("/api/repair/payments/" + paymentId + "/wechat/result", {
      method: "POST", credentials: "same-origin"
    }).then(function () {
      location.replace(location.pathname);
    });
  }

  function openPaySheet() {
    button.disabled = true;
    fetch("/api/repair/payments/" + paymentId + "/wechat", {
      method: "POST", credentials: "same-origin"
    })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (bridge) {
        wx.chooseWXPay({
          timestamp: bridge.timeStamp,
          nonceStr: bridge.nonceStr,
          package: bridge["package"],
          signType: bridge.signType,
          paySign: bridge.paySign,
          success: askResult,
          cancel: function () { button.disabled = false; },
          fail: function () { button.disabled = false; askResult(); }
        });
      })
      .catch(function () {
        button.disabled = false;
        document.getElementById("wechat-pay-error").hidden = false;
      });
  }

  if (/[?&]pay_result=/.test(location.search)) {
    askResult();
    return;
  }
  if (!button) return;

  button.addEventListener("click", openPaySheet);
  if (button.dataset.openAtOnce) {
    if (document.documentElement.dataset.wxReady === "1") openPaySheet();
    else document.addEventListener("reparo:wx-ready", openPaySheet, { once: true });
  }
})();
