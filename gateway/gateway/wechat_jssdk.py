"""The WeChat JS-SDK on the customer's pages: the signed ``wx.config`` and share cards.

The signature covers the page URL exactly as the browser shows it (without the fragment); behind
nginx the page passes its own ``location.href``, so the scheme and host are the ones it saw.
"""

import logging
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gateway.routing import page_router
from reparo_shared.wechat import ReparoWeChatClient, make_client
from reparo_shared.wechat.errors import WeChatError

logger = logging.getLogger(__name__)
router = page_router()


def wechat_client(request: Request) -> ReparoWeChatClient:
    """One client per gateway process, made on first use (it fetches tokens lazily too)."""
    state = request.app.state
    if getattr(state, "wechat_client", None) is None:
        state.wechat_client = make_client(state.wechat_settings)
    client: ReparoWeChatClient = state.wechat_client
    return client


@router.get("/wechat/jsapi-config")
async def jsapi_config(request: Request, url: str) -> JSONResponse:
    """``wx.config`` parameters for a page of ours; other sites' URLs are refused."""
    settings = request.app.state.settings
    ours = {urlsplit(settings.gateway_public_url).netloc, request.headers.get("host", "")}
    if urlsplit(url).netloc not in ours:
        return JSONResponse({"detail": "not one of our pages"}, status_code=400)
    try:
        config = await run_in_threadpool(wechat_client(request).jsapi_config, url)
    except WeChatError:
        logger.exception("wechat.jsapi_config_failed")
        return JSONResponse({"detail": "WeChat is not answering"}, status_code=502)
    return JSONResponse(
        {
            "appId": config.app_id,
            "timestamp": config.timestamp,
            "nonceStr": config.nonce_str,
            "signature": config.signature,
        },
        headers={"Cache-Control": "no-store"},
    )
