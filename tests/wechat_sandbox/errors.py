"""WeChat's way of failing: HTTP 200 with ``errcode`` and ``errmsg`` in the body."""

import secrets

from fastapi import Request
from fastapi.responses import JSONResponse

MESSAGES = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40029: "invalid code",
    40030: "invalid refresh_token",
    40037: "invalid template_id",
    40055: "invalid button url domain",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
    53600: "Article ID 无效",
}


class WeChatError(Exception):
    """Raised by a handler to answer the way WeChat answers a failed call."""

    def __init__(self, errcode: int, detail: str = "") -> None:
        super().__init__(errcode)
        self.errcode = errcode
        self.detail = detail


def error_body(errcode: int, detail: str = "") -> dict[str, object]:
    message = MESSAGES.get(errcode, "error")
    if detail:
        message = f"{message} {detail}"
    # WeChat appends a request id to every error message; clients must not parse errmsg.
    return {"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(6)}"}


async def wechat_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WeChatError)
    return JSONResponse(error_body(exc.errcode, exc.detail))


def ok(**fields: object) -> dict[str, object]:
    return {"errcode": 0, "errmsg": "ok", **fields}
