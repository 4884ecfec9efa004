/*
 * Stand-in for WeChat's JS-SDK (jweixin) served by the local WeChat sandbox, for pages opened in
 * ordinary and headless browsers. Never served in production: the real SDK exists only inside
 * WeChat. wx.config checks the signature against the sandbox, so a wrong signature fails here as
 * it would in WeChat. window.__wxSandbox records calls and share data for tests, and
 * window.__wxSandbox.payResult ("ok", "cancel" or "fail") decides how chooseWXPay ends.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";
  var status = "idle";
  var lastError = null;
  var readyQueue = [];
  var errorQueue = [];
  var allowed = [];
  var sandbox = { base: base, calls: [], share: {}, config: null, payResult: "ok" };
  window.__wxSandbox = sandbox;

  function settle(name, opts, outcome, result) {
    opts = opts || {};
    result = result || {};
    result.errMsg = name + ":" + outcome;
    var handler = outcome === "ok" ? opts.success : outcome === "cancel" ? opts.cancel : opts.fail;
    setTimeout(function () {
      if (handler) handler(result);
      if (opts.complete) opts.complete(result);
    }, 0);
  }

  function api(name, run) {
    return function (opts) {
      sandbox.calls.push({ api: name, args: opts || {} });
      if (allowed.indexOf(name) < 0) {
        settle(name, opts, "the permission value is offline verifying");
        return;
      }
      run(opts || {});
    };
  }

  function share(kind) {
    return function (opts) {
      sandbox.share[kind] = { title: opts.title, desc: opts.desc, link: opts.link, imgUrl: opts.imgUrl };
      settle(kind, opts, "ok");
    };
  }

  var wx = {
    config: function (opts) {
      status = "pending";
      sandbox.config = opts;
      allowed = (opts.jsApiList || []).concat(["checkJsApi"]);
      fetch(base + "/sandbox/jsapi/verify", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          appId: opts.appId, timestamp: Number(opts.timestamp), nonceStr: opts.nonceStr,
          signature: opts.signature, url: location.href.split("#")[0]
        })
      }).then(function (r) { return r.json(); }).then(function (answer) {
        if (answer.ok) {
          status = "ready";
          readyQueue.splice(0).forEach(function (fn) { fn(); });
        } else {
          fail({ errMsg: answer.errMsg });
        }
      }).catch(function () { fail({ errMsg: "config:fail" }); });
    },
    ready: function (fn) { if (status === "ready") fn(); else readyQueue.push(fn); },
    error: function (fn) { if (status === "failed") fn(lastError); else errorQueue.push(fn); },
    checkJsApi: api("checkJsApi", function (opts) {
      var result = {};
      (opts.jsApiList || []).forEach(function (n) { result[n] = typeof wx[n] === "function"; });
      settle("checkJsApi", opts, "ok", { checkResult: result });
    }),
    updateAppMessageShareData: null,
    updateTimelineShareData: null,
    onMenuShareAppMessage: null,
    onMenuShareTimeline: null,
    chooseImage: api("chooseImage", function (opts) {
      var count = Math.min(opts.count || 9, 9);
      var ids = [];
      for (var i = 1; i <= count; i++) ids.push("wxLocalResource://sandbox-image-" + i);
      settle("chooseImage", opts, "ok", { localIds: ids, sourceType: "album" });
    }),
    getLocalImgData: api("getLocalImgData", function (opts) {
      // A 1x1 transparent PNG: enough for pages that preview or upload the chosen image.
      var png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
      settle("getLocalImgData", opts, "ok", { localData: "data:image/png;base64," + png });
    }),
    uploadImage: api("uploadImage", function (opts) {
      settle("uploadImage", opts, "ok", { serverId: "sandbox-media-" + Date.now() });
    }),
    previewImage: api("previewImage", function (opts) { settle("previewImage", opts, "ok"); }),
    scanQRCode: api("scanQRCode", function (opts) {
      settle("scanQRCode", opts, "ok", { resultStr: sandbox.scanResult || "" });
    }),
    closeWindow: api("closeWindow", function (opts) { settle("closeWindow", opts, "ok"); }),
    hideMenuItems: api("hideMenuItems", function (opts) { settle("hideMenuItems", opts, "ok"); }),
    showMenuItems: api("showMenuItems", function (opts) { settle("showMenuItems", opts, "ok"); }),
    chooseWXPay: api("chooseWXPay", function (opts) {
      // With a prepay id, play WeChat's pay sheet: the sandbox's pay page, which comes back to
      // this page with ?pay_result=. Without one, end as window.__wxSandbox.payResult says.
      var prepay = /prepay_id=([^&]+)/.exec((opts && opts["package"]) || "");
      if (!prepay || sandbox.payResult !== "ok") {
        settle("chooseWXPay", opts, sandbox.payResult || "ok");
        return;
      }
      var query = new URLSearchParams({
        appId: (sandbox.config && sandbox.config.appId) || "",
        timeStamp: opts.timestamp, nonceStr: opts.nonceStr, "package": opts["package"],
        signType: opts.signType, paySign: opts.paySign,
        return_url: location.href.split("#")[0]
      });
      location.href = base + "/sandbox/pay/" + prepay[1] + "?" + query.toString();
    })
  };
  ["updateAppMessageShareData", "updateTimelineShareData", "onMenuShareAppMessage",
   "onMenuShareTimeline"].forEach(function (name) { wx[name] = api(name, share(name)); });

  function fail(error) {
    status = "failed";
    lastError = error;
    errorQueue.splice(0).forEach(function (fn) { fn(error); });
  }

  window.wx = window.jWeixin = wx;

  // <wx-open-subscribe template="id1,id2">: the subscription consent prompt. A tap grants one
  // consent per allowed template to the user this browser signed in as at the sandbox.
  // window.__wxSandbox.subscribeDecision is "accept" (the default), "reject", or an object
  // giving each template id its own answer, as the user ticks them in WeChat's sheet.
  sandbox.subscribeDecision = "accept";
  if (window.customElements && !customElements.get("wx-open-subscribe")) {
    customElements.define("wx-open-subscribe", class extends HTMLElement {
      connectedCallback() {
        var root = this.shadowRoot || this.attachShadow({ mode: "open" });
        var template = this.querySelector("script[type='text/wxtag-template']");
        root.innerHTML = template ? template.textContent : "<button>订阅通知</button>";
        root.addEventListener("click", this.decide.bind(this));
      }
      decide() {
        var element = this;
        var ids = (this.getAttribute("template") || "").split(",").filter(Boolean);
        var tags = (sandbox.config && sandbox.config.openTagList) || [];
        if (status !== "ready" || tags.indexOf("wx-open-subscribe") < 0) {
          element.dispatchEvent(new CustomEvent("error", { detail: { errCode: 1, errMsg: "open tag not configured" } }));
          return;
        }
        // One decision for every template ("accept", "reject"), or one per template id.
        var decision = sandbox.subscribeDecision;
        var details = {};
        var accepted = [];
        ids.forEach(function (id) {
          var answer = typeof decision === "object" ? (decision[id] || "reject") : decision;
          details[id] = JSON.stringify({ status: answer });
          if (answer === "accept") accepted.push(id);
        });
        var done = function () {
          element.dispatchEvent(new CustomEvent("success", {
            detail: { errMsg: "subscribe:ok", subscribeDetails: JSON.stringify(details) }
          }));
        };
        if (!accepted.length) { done(); return; }
        fetch(base + "/sandbox/jsapi/subscribe", {
          method: "POST", credentials: "include",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ templates: accepted, openid: sandbox.openid || null })
        }).then(done, function () {
          element.dispatchEvent(new CustomEvent("error", { detail: { errCode: 2, errMsg: "network" } }));
        });
      }
    });
  }
})();
