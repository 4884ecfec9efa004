"""The local WeChat sandbox: a test double of WeChat's official-account APIs, never deployed.

It speaks WeChat's protocols closely enough that the production clients (wechatpy underneath)
run against it unchanged; only base URLs and secrets differ. State is kept in memory, and
optionally the users, messages, menu and consents in ``SANDBOX_STATE_FILE``.
"""

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from . import control, jsbridge, menu, messages, oauth, publish, tokens
from .errors import WeChatError, wechat_error_handler
from .pay import pay_router_from_env
from .state import SandboxState

DEFAULT_APPID = "wx5a4db0c0ffee0001"
# Not a secret: the sandbox only accepts what it is given; real secrets never reach it.
DEFAULT_SECRET = "sandbox-app-secret-not-for-production"


def create_app(appid: str | None = None, secret: str | None = None) -> FastAPI:
    """Build the sandbox for one account (by default ``WECHAT_APPID`` and ``WECHAT_SECRET``)."""
    state_file = os.environ.get("SANDBOX_STATE_FILE")
    app = FastAPI(title="Reparo WeChat sandbox", docs_url="/sandbox/docs", openapi_url=None)
    app.state.sandbox = SandboxState.seeded(
        appid or os.environ.get("WECHAT_APPID") or DEFAULT_APPID,
        secret or os.environ.get("WECHAT_SECRET") or DEFAULT_SECRET,
        Path(state_file) if state_file else None,
    )
    domains = os.environ.get("SANDBOX_OAUTH_DOMAINS", "")
    app.state.sandbox.oauth_domains = [host.strip() for host in domains.split(",") if host.strip()]
    app.add_exception_handler(WeChatError, wechat_error_handler)
    app.middleware("http")(control.inject_faults)
    # Pages served by the gateway call /sandbox/jsapi/* from the jweixin stand-in, with the
    # sandbox's cookie (which user is "in WeChat"), so credentials are allowed from any origin.
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=".*",
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    for module in (tokens, oauth, messages, menu, publish, control, jsbridge):
        app.include_router(module.router)
    app.include_router(pay_router_from_env())

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
