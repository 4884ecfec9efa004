// Inside WeChat: configure the JS-SDK for this page and set the share card from the page's
// <meta name="share-*"> tags. Outside WeChat (no `wx`) nothing happens. Once the JS-SDK is ready,
// <html data-wx-ready="1"> says so and the document hears "reparo:wx-ready".
(function () {
  "use strict";
  if (!window.wx || !window.fetch) return;
  var url = location.href.split("#")[0];
  fetch("/wechat/jsapi-config?url=" + encodeURIComponent(url), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
    .then(function (config) {
      wx.config({
        debug: false,
        appId: config.appId,
        timestamp: config.timestamp,
        nonceStr: config.nonceStr,
        signature: config.signature,
        jsApiList: ["updateAppMessageShareData", "updateTimelineShareData", "chooseWXPay"],
        openTagList: ["wx-open-subscribe"]
      });
      wx.ready(function () {
        var meta = function (name) {
          var tag = document.querySelector('meta[name="share-' + name + '"]');
          return tag ? tag.content : "";
        };
        var card = { title: meta("title") || document.title, desc: meta("description"),
                     link: url, imgUrl: meta("image") };
        wx.updateAppMessageShareData(card);
        wx.updateTimelineShareData(card);
        document.documentElement.dataset.wxReady = "1";
        document.dispatchEvent(new Event("reparo:wx-ready"));
      });
    })
    .catch(function () { document.documentElement.dataset.wxReady = "0"; });
})();
