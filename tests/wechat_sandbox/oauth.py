"""Web authorisation: the page that plays WeChat, code exchange and the user's profile."""

import html
from typing import Annotated
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Cookie, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from .deps import StateDep
from .errors import WeChatError, ok
from .state import ACCESS_TOKEN_LIFETIME, AUTH_CODE_LIFETIME, AuthCode, SandboxState, SnsToken

router = APIRouter()

SCOPES = ("snsapi_base", "snsapi_userinfo")
SNAPSHOT_CHOICE = "__snapshot__"
CURRENT_USER_COOKIE = "sandbox_wechat_user"


def _with_code(redirect_uri: str, code: str, state: str) -> str:
    parts = urlsplit(redirect_uri)
    query = f"{parts.query}&" if parts.query else ""
    query += urlencode({"code": code, "state": state})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _issue_code(state: SandboxState, openid: str, scope: str) -> AuthCode:
    snapshot = openid == SNAPSHOT_CHOICE
    if snapshot:
        # A snapshot page (朋友圈快照页) gets a virtual openid and only the base scope.
        openid, scope = state.new_secret_value("oSnap_")[:28], "snsapi_base"
    code = AuthCode(state.new_secret_value()[:32], openid, scope, state.now(), snapshot)
    state.auth_codes[code.code] = code
    return code


def _error_page(message: str) -> HTMLResponse:
    body = f"<h2>微信授权失败</h2><p>{html.escape(message)}</p>"
    return HTMLResponse(_page("授权失败", body), status_code=400)


def _page(title: str, body: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:0;background:#ededed}}header{{background:#07c160;
color:#fff;padding:12px 16px;font-size:17px}}main{{padding:16px}}button{{width:100%;padding:12px;
margin:6px 0;border:0;border-radius:6px;background:#fff;font-size:16px;text-align:left}}
button.snap{{background:#fafafa;color:#888}}small{{color:#888}}</style></head>
<body><header>{html.escape(title)} · 微信沙箱</header><main>{body}</main></body></html>"""


@router.get("/connect/oauth2/authorize", response_model=None)
async def authorize(
    state: StateDep,
    appid: str = "",
    redirect_uri: str = "",
    response_type: str = "",
    scope: str = "",
    state_param: Annotated[str, Query(alias="state")] = "",
    sandbox_openid: str = "",
    current_user: Annotated[str, Cookie(alias=CURRENT_USER_COOKIE)] = "",
) -> HTMLResponse | RedirectResponse:
    """Show who is "in WeChat" and ask to allow, as WeChat does.

    As in WeChat, ``snsapi_base`` is silent once the browser has picked a user (a cookie on the
    sandbox's host; ``/sandbox/switch-user`` forgets it). ``sandbox_openid`` picks a user
    without the page, for scripts.
    """
    if appid != state.appid:
        return _error_page("appid 参数错误")
    if response_type != "code" or not redirect_uri:
        return _error_page("redirect_uri 或 response_type 参数错误 (10011)")
    if state.oauth_domains and urlsplit(redirect_uri).hostname not in state.oauth_domains:
        return _error_page("redirect_uri 域名与后台配置不一致 (10003)")
    if scope not in SCOPES:
        return _error_page("scope 参数错误或没有 scope 权限 (10005)")
    if sandbox_openid:
        return _remember(
            _redirect_with_code(state, sandbox_openid, scope, redirect_uri, state_param),
            sandbox_openid,
        )
    if scope == "snsapi_base" and current_user in state.users:
        return _redirect_with_code(state, current_user, scope, redirect_uri, state_param)

    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in (
            ("redirect_uri", redirect_uri),
            ("scope", scope),
            ("state", state_param),
        )
    )
    asks = "获取你的昵称、头像" if scope == "snsapi_userinfo" else "获取你的身份标识 (静默授权)"
    buttons = "".join(
        f'<button name="openid" value="{html.escape(u.openid)}">{html.escape(u.nickname)}'
        f" <small>{html.escape(u.openid)}{'' if u.follows else ' · 未关注'}</small></button>"
        for u in state.users.values()
    )
    snapshot = (
        f'<button class="snap" name="openid" value="{SNAPSHOT_CHOICE}">'
        "朋友圈快照页用户 <small>snapshot user</small></button>"
    )
    body = (
        f"<p>网页由该公众号开发，请求{asks}</p><form method='post' "
        f"action='/connect/oauth2/authorize/confirm'>{hidden}"
        f"<p><small>选择当前微信用户 / choose the WeChat user</small></p>{buttons}{snapshot}</form>"
    )
    return HTMLResponse(_page("微信授权", body))


@router.post("/connect/oauth2/authorize/confirm")
async def confirm(
    state: StateDep,
    openid: Annotated[str, Form()],
    redirect_uri: Annotated[str, Form()],
    scope: Annotated[str, Form()],
    state_param: Annotated[str, Form(alias="state")] = "",
) -> RedirectResponse:
    """The user allowed the page: back to the site with a fresh code."""
    return _remember(_redirect_with_code(state, openid, scope, redirect_uri, state_param), openid)


def _remember(answer: RedirectResponse, openid: str) -> RedirectResponse:
    """Keep the chosen user in this browser, as WeChat knows who is signed in to it."""
    if openid != SNAPSHOT_CHOICE:
        answer.set_cookie(CURRENT_USER_COOKIE, openid, httponly=True, samesite="lax")
    return answer


@router.get("/sandbox/switch-user", response_class=HTMLResponse)
async def switch_user() -> HTMLResponse:
    """Forget the browser's current WeChat user; the next sign-in shows the page again."""
    answer = HTMLResponse(
        _page("切换用户", "<p>已退出当前沙箱用户 / signed out of the sandbox.</p>")
    )
    answer.delete_cookie(CURRENT_USER_COOKIE)
    return answer


def _redirect_with_code(
    state: SandboxState, openid: str, scope: str, redirect_uri: str, state_param: str
) -> RedirectResponse:
    if openid != SNAPSHOT_CHOICE and openid not in state.users:
        raise WeChatError(40003, "unknown sandbox openid")
    code = _issue_code(state, openid, scope)
    return RedirectResponse(_with_code(redirect_uri, code.code, state_param), status_code=302)


@router.get("/sns/oauth2/access_token")
async def exchange_code(
    state: StateDep, appid: str = "", secret: str = "", code: str = "", grant_type: str = ""
) -> dict[str, object]:
    """Codes live five minutes and work once (40029 unknown or expired, 40163 reused)."""
    if appid != state.appid:
        raise WeChatError(40013)
    if secret != state.secret:
        raise WeChatError(40125)
    if grant_type != "authorization_code":
        raise WeChatError(40002)
    issued = state.auth_codes.get(code)
    if issued is None or state.now() - issued.issued_at > AUTH_CODE_LIFETIME:
        raise WeChatError(40029)
    if issued.used:
        raise WeChatError(40163)
    issued.used = True

    answer = _grant(state, issued.openid, issued.scope)
    if issued.snapshot:
        answer["is_snapshotuser"] = 1
    else:
        user = state.users[issued.openid]
        if user.unionid:
            answer["unionid"] = user.unionid
    return answer


def _grant(state: SandboxState, openid: str, scope: str) -> dict[str, object]:
    token = SnsToken(state.new_secret_value(), openid, scope, state.now() + ACCESS_TOKEN_LIFETIME)
    state.sns_tokens[token.value] = token
    refresh = state.new_secret_value()
    state.sns_refresh_tokens[refresh] = (openid, scope)
    return {
        "access_token": token.value,
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "refresh_token": refresh,
        "openid": openid,
        "scope": scope,
    }


@router.get("/sns/oauth2/refresh_token")
async def refresh_grant(
    state: StateDep, appid: str = "", grant_type: str = "", refresh_token: str = ""
) -> dict[str, object]:
    """A new user access token from the refresh token (which, unlike WeChat's, never expires)."""
    if appid != state.appid:
        raise WeChatError(40013)
    if grant_type != "refresh_token":
        raise WeChatError(40002)
    grant = state.sns_refresh_tokens.get(refresh_token)
    if grant is None:
        raise WeChatError(40030)
    return _grant(state, *grant)


@router.get("/sns/auth")
async def check_grant(
    state: StateDep, access_token: str = "", openid: str = ""
) -> dict[str, object]:
    """Whether a user access token is still valid for that openid."""
    token = state.sns_tokens.get(access_token)
    if token is None or token.openid != openid:
        raise WeChatError(40003 if token else 40001)
    if token.expires_at <= state.now():
        raise WeChatError(42001)
    return ok()


@router.get("/sns/userinfo")
async def userinfo(
    state: StateDep, access_token: str = "", openid: str = "", lang: str = "zh_CN"
) -> dict[str, object]:
    """The profile, only for a token from the ``snsapi_userinfo`` scope (else 48001)."""
    token = state.sns_tokens.get(access_token)
    if token is None or token.openid != openid:
        raise WeChatError(40001)
    if token.expires_at <= state.now():
        raise WeChatError(42001)
    if token.scope != "snsapi_userinfo":
        raise WeChatError(48001)
    user = state.users[openid]
    answer: dict[str, object] = {
        "openid": user.openid,
        "nickname": user.nickname,
        "sex": user.sex,
        "province": user.province,
        "city": user.city,
        "country": user.country,
        "headimgurl": user.headimgurl,
        "privilege": [],
    }
    if user.unionid:
        answer["unionid"] = user.unionid
    return answer
