"""The jweixin stand-in in a headless browser: wx.config checked against the sandbox."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reparo_shared.wechat import (
    DeliveryFailed,
    Notification,
    NotificationSender,
    ReparoWeChatClient,
)
from reparo_shared.wechat.testing import RunningSandbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PAGE = """<!doctype html><meta charset="utf-8"><script src="%(script)s"></script>
<script>
window.outcome = null;
wx.config(%(config)s);
wx.ready(function () {
  wx.updateAppMessageShareData({title: "维修进度", link: location.href, success: function () {
    wx.chooseImage({count: 2, fail: function (r) {
      window.outcome = {ready: true, image: r.errMsg};
    }});
  }});
});
wx.error(function (e) { window.outcome = {ready: false, error: e.errMsg}; });
</script>"""


@pytest.fixture
def page_server() -> Iterator[dict[str, Any]]:
    """Serves whatever page the test puts in ``pages["html"]`` on a second local origin."""
    pages: dict[str, Any] = {"html": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pages["url"] = f"http://127.0.0.1:{server.server_address[1]}/orders/1?tab=share"
    yield pages
    server.shutdown()


def _run_page(sandbox: RunningSandbox, pages: dict[str, Any], config: dict[str, Any]) -> Any:
    from playwright.sync_api import sync_playwright

    script = f"{sandbox.base_url}/sandbox/jweixin.js"
    pages["html"] = PAGE % {"script": script, "config": json.dumps(config)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(pages["url"] + "#top")
            page.wait_for_function("window.outcome !== null", timeout=10_000)
            return page.evaluate("[window.outcome, window.__wxSandbox.share]")
        finally:
            browser.close()


def _config(client: ReparoWeChatClient, url: str, **changes: Any) -> dict[str, Any]:
    signed = client.jsapi_config(url)
    config = {
        "appId": signed.app_id,
        "timestamp": signed.timestamp,
        "nonceStr": signed.nonce_str,
        "signature": signed.signature,
        "jsApiList": ["updateAppMessageShareData"],
    }
    return {**config, **changes}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_page_with_valid_signature_gets_ready_and_sets_share_data(
    sandbox: RunningSandbox, client: ReparoWeChatClient, page_server: dict[str, Any]
) -> None:
    outcome, share = _run_page(sandbox, page_server, _config(client, page_server["url"]))

    assert outcome["ready"] is True
    assert share["updateAppMessageShareData"]["title"] == "维修进度"
    # chooseImage was not in jsApiList, so WeChat (and the stand-in) refuse it.
    assert "permission" in outcome["image"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_page_with_wrong_signature_gets_config_error(
    sandbox: RunningSandbox, client: ReparoWeChatClient, page_server: dict[str, Any]
) -> None:
    config = _config(client, page_server["url"], signature="0" * 40)

    outcome, _share = _run_page(sandbox, page_server, config)

    assert outcome == {"ready": False, "error": "config:invalid signature"}


SUBSCRIBE_PAGE = """<!doctype html><meta charset="utf-8"><script src="%(script)s"></script>
<wx-open-subscribe id="prompt" template="TPL_QUOTE_SENT">
  <script type="text/wxtag-template"><button id="allow">接收报价通知</button></script>
</wx-open-subscribe>
<script>
window.outcome = null;
wx.config(%(config)s);
wx.ready(function () { window.wxReady = true; });
document.getElementById("prompt").addEventListener("success", function (e) {
  window.outcome = JSON.parse(e.detail.subscribeDetails);
});
</script>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_customer_accepting_subscribe_prompt_grants_one_consent(
    sandbox: RunningSandbox, client: ReparoWeChatClient, page_server: dict[str, Any]
) -> None:
    from playwright.sync_api import sync_playwright

    config = _config(client, page_server["url"], openTagList=["wx-open-subscribe"])
    page_server["html"] = SUBSCRIBE_PAGE % {
        "script": f"{sandbox.base_url}/sandbox/jweixin.js",
        "config": json.dumps(config),
    }
    sign_in = (
        f"{sandbox.base_url}/connect/oauth2/authorize?appid={sandbox.appid}&response_type=code"
        f"&scope=snsapi_base&redirect_uri={page_server['url']}&sandbox_openid=oSbx_lina"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(sign_in)  # the browser is now "signed in to WeChat" as 李娜
            page.goto(page_server["url"])
            page.wait_for_function("window.wxReady === true", timeout=10_000)
            page.locator("#prompt").click()
            page.wait_for_function("window.outcome !== null", timeout=10_000)
            details = page.evaluate("window.outcome")
        finally:
            browser.close()

    sender = NotificationSender.for_client(client)
    notice = Notification(
        "evt-q",
        "oSbx_lina",
        "TPL_QUOTE_SENT",
        {"character_string1": "R1", "amount2": "¥368.00", "thing3": "更换主板"},
    )
    sender.send_subscription(notice)
    with pytest.raises(DeliveryFailed):
        sender.send_subscription(notice)
    assert json.loads(details["TPL_QUOTE_SENT"]) == {"status": "accept"}
