"""Test and demo hooks under ``/sandbox/``: users, consent, clock, faults, inboxes, counters."""

import asyncio
import hashlib
import html
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from .deps import StateDep
from .errors import WeChatError, error_body, ok
from .oauth import CURRENT_USER_COOKIE
from .state import Fault, SandboxState, SandboxUser

router = APIRouter(prefix="/sandbox")


class UserCreate(BaseModel):
    nickname: str
    openid: str | None = None
    unionid: str | None = None
    follows: bool = True
    city: str = ""


class ConsentGrant(BaseModel):
    template_id: str
    count: int = 1


class FaultCreate(BaseModel):
    """Arm ``count`` answers for ``path``: an errcode, an HTTP status, a hang (seconds), or every
    access token expiring first (the call then fails as WeChat fails it, with 42001). ``after``
    lets that many calls through untouched first, to fail a call in the middle of a series."""

    path: str
    count: int = Field(default=1, ge=1)
    after: int = Field(default=0, ge=0)
    errcode: int | None = None
    http_status: int | None = None
    hang_seconds: float | None = None
    expire_tokens: bool = False


class ClockAdvance(BaseModel):
    seconds: float


class FollowChange(BaseModel):
    follows: bool


class JsapiCheck(BaseModel):
    appId: str  # noqa: N815 - the JS-SDK's own field names
    timestamp: int
    nonceStr: str  # noqa: N815
    signature: str
    url: str


def _user(state: SandboxState, openid: str) -> SandboxUser:
    user = state.users.get(openid)
    if user is None:
        raise WeChatError(40003)
    return user


@router.post("/users")
async def add_user(body: UserCreate, state: StateDep) -> dict[str, object]:
    """Add a WeChat user (openid made up when not given)."""
    openid = body.openid or state.new_secret_value("oSbx_")[:28]
    state.users[openid] = SandboxUser(
        openid, body.nickname, unionid=body.unionid, follows=body.follows, city=body.city
    )
    state.save()
    return ok(openid=openid)


@router.get("/users")
async def list_users(state: StateDep) -> list[dict[str, object]]:
    return [user.__dict__ for user in state.users.values()]


@router.post("/users/{openid}/follow")
async def set_follow(openid: str, body: FollowChange, state: StateDep) -> dict[str, object]:
    _user(state, openid).follows = body.follows
    state.save()
    return ok()


@router.post("/users/{openid}/consents")
async def grant_consent(openid: str, body: ConsentGrant, state: StateDep) -> dict[str, object]:
    """The user ticks "allow" on a subscription prompt ``count`` times for one template."""
    _user(state, openid)
    state.consents[(openid, body.template_id)] += body.count
    state.save()
    return ok(remaining=state.consents[(openid, body.template_id)])


@router.get("/api/users/{openid}/consents")
async def user_consents(openid: str, state: StateDep) -> dict[str, int]:
    """The subscription messages each template may still send the user (for tests)."""
    _user(state, openid)
    return {tpl: n for (who, tpl), n in state.consents.items() if who == openid and n > 0}


@router.get("/api/users/{openid}/messages")
async def user_messages(openid: str, state: StateDep) -> list[dict[str, object]]:
    """What the user received, oldest first (for tests)."""
    return [m.__dict__ for m in state.messages if m.openid == openid]


@router.post("/faults")
async def add_fault(body: FaultCreate, state: StateDep) -> dict[str, object]:
    """The next ``count`` calls to ``path`` fail as described."""
    state.faults[body.path] = Fault(
        body.count,
        body.errcode,
        body.http_status,
        body.hang_seconds,
        after=body.after,
        expire_tokens=body.expire_tokens,
    )
    return ok()


@router.delete("/faults")
async def clear_faults(state: StateDep) -> dict[str, object]:
    state.faults.clear()
    return ok()


@router.post("/tokens/expire")
async def expire_tokens(state: StateDep) -> dict[str, object]:
    """Every access token issued so far expires now (callers then get 42001)."""
    for token in state.access_tokens.values():
        token.expires_at = min(token.expires_at, state.now())
    return ok()


@router.post("/clock/advance")
async def advance_clock(body: ClockAdvance, state: StateDep) -> dict[str, object]:
    """Move the sandbox's clock forward (codes, tokens and de-duplication windows age)."""
    state.clock_offset += body.seconds
    return ok(now=state.now())


@router.get("/stats")
async def stats(state: StateDep) -> dict[str, int]:
    """How often each counted endpoint was called (``stable_token``, ``stable_token.force``...)."""
    return dict(state.calls)


@router.post("/reset")
async def reset(request: Request, state: StateDep) -> dict[str, object]:
    """Forget everything and start from the demo seed (the state file, if any, too)."""
    fresh = SandboxState.seeded(state.appid, state.secret)
    fresh.state_file = state.state_file
    fresh.oauth_domains = state.oauth_domains
    fresh.save()
    request.app.state.sandbox = fresh
    return ok()


@router.post("/jsapi/verify")
async def verify_jsapi(body: JsapiCheck, state: StateDep) -> dict[str, object]:
    """Check a ``wx.config`` signature as WeChat's client does (used by ``jweixin.js``)."""
    ticket = state.jsapi_ticket
    if body.appId != state.appid:
        return {"ok": False, "errMsg": "config:invalid appId"}
    if ticket is None or ticket.expires_at <= state.now():
        return {"ok": False, "errMsg": "config:invalid signature (no live ticket)"}
    url = body.url.split("#", 1)[0]
    plain = (
        f"jsapi_ticket={ticket.value}&noncestr={body.nonceStr}&timestamp={body.timestamp}&url={url}"
    )
    expected = hashlib.sha1(plain.encode(), usedforsecurity=False).hexdigest()
    if expected != body.signature:
        return {"ok": False, "errMsg": "config:invalid signature"}
    return {"ok": True, "errMsg": "config:ok"}


class SubscribeAccept(BaseModel):
    templates: list[str]
    openid: str | None = None


@router.post("/jsapi/subscribe")
async def accept_subscription(
    body: SubscribeAccept,
    state: StateDep,
    current_user: Annotated[str, Cookie(alias=CURRENT_USER_COOKIE)] = "",
) -> dict[str, object]:
    """The user tapped "allow" in a ``wx-open-subscribe`` prompt: one consent per template.

    The user is the one this browser signed in as (the sandbox's cookie), or ``openid``.
    """
    user = _user(state, body.openid or current_user)
    for template_id in body.templates:
        state.consents[(user.openid, template_id)] += 1
    state.save()
    return ok(openid=user.openid)


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


@router.get("/", response_class=HTMLResponse)
async def index(state: StateDep) -> HTMLResponse:
    """Demo start page: the account's users and links to their inboxes."""
    rows = "".join(
        f"<li><a href='/sandbox/inbox/{html.escape(u.openid)}'>{html.escape(u.nickname)}</a> "
        f"<small>{html.escape(u.openid)}{'' if u.follows else ' · 未关注'}</small></li>"
        for u in state.users.values()
    )
    return HTMLResponse(
        f"<!doctype html><meta charset='utf-8'><title>WeChat sandbox</title>"
        f"<h1>WeChat sandbox · 微信沙箱</h1><p>appid {html.escape(state.appid)}</p><ul>{rows}</ul>"
    )


@router.get("/inbox/{openid}", response_class=HTMLResponse)
async def inbox(openid: str, state: StateDep) -> HTMLResponse:
    """The messages one user has received, newest first, as WeChat's service chat shows them."""
    user = _user(state, openid)
    cards = []
    for message in reversed([m for m in state.messages if m.openid == openid]):
        template = state.templates.get(message.template_id)
        title = template.title if template else message.template_id
        lines = "".join(
            f"<dt>{html.escape(key)}</dt><dd>{html.escape(value)}</dd>"
            for key, value in message.data.items()
        )
        link = f"<a href='{html.escape(message.url)}'>详情</a>" if message.url else ""
        cards.append(
            f"<article><h3>{html.escape(title)}</h3><small>{_when(message.received_at)} · "
            f"{message.kind}</small><dl>{lines}</dl>{link}</article>"
        )
    body = "".join(cards) or "<p>暂无消息 / no messages yet</p>"
    return HTMLResponse(
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(user.nickname)} · 服务通知</title>"
        "<style>body{font-family:sans-serif;"
        "background:#ededed;margin:0;padding:12px}article{background:#fff;border-radius:8px;"
        "padding:12px;margin:10px 0}dt{color:#888;font-size:13px}dd{margin:0 0 6px}</style>"
        f"<h2>{html.escape(user.nickname)} · 服务通知</h2>{body}</html>"
    )


async def inject_faults(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Middleware: answer an armed fault instead of (or, for a hang, before) the real handler."""
    state: SandboxState = request.app.state.sandbox
    fault = state.take_fault(request.url.path)
    if fault is None:
        return await call_next(request)
    state.calls[f"fault:{request.url.path}"] += 1
    if fault.expire_tokens:
        for token in state.access_tokens.values():
            token.expires_at = min(token.expires_at, state.now())
        return await call_next(request)
    if fault.hang_seconds is not None:
        # Read the body first: WeChat goes on with a call whose caller gave up waiting.
        await request.body()
        await asyncio.sleep(fault.hang_seconds)
        return await call_next(request)
    if fault.http_status is not None:
        return Response("sandbox injected failure", status_code=fault.http_status)
    return JSONResponse(error_body(fault.errcode if fault.errcode is not None else -1))
