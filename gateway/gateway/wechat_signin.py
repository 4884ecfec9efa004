"""Customer sign-in through the official account's OAuth, and the QR code shown outside WeChat.

Silent ``snsapi_base`` authorisation identifies the customer by openid; ``snsapi_userinfo`` is asked
for only when a page needs the customer's name. ``state`` is a random value kept in the session
and compared on return; a reused or expired code starts a fresh authorisation instead of failing.
Snapshot users (pages opened from a Moments snapshot) are never bound to a customer.
"""

import hmac
import io
import logging
import secrets
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.errors import error_page
from gateway.i18n import request_language, translations
from gateway.identity import SignInFailed, find_or_create_customer, remember_customer
from gateway.pages import render, safe_next
from gateway.routing import page_router
from reparo_shared.wechat import WeChatSignIn
from reparo_shared.wechat.errors import OAuthCodeRejected, WeChatError

logger = logging.getLogger(__name__)
router = page_router()

STATE_KEY = "oauth"
MAX_FRESH_STARTS = 2
SIGNIN_PATH = "/signin"


def signin_url(target: str) -> str:
    """The link that starts sign-in and comes back to ``target`` (a same-site path) afterwards.

    Every page that sends a signed-out customer to sign in builds the link here.
    """
    return f"{SIGNIN_PATH}?next={quote(target, safe='/')}"


def in_wechat(request: Request) -> bool:
    return "micromessenger" in request.headers.get("user-agent", "").lower()


@router.get(SIGNIN_PATH)
async def signin(request: Request, next: str = "/", profile: bool = False) -> Response:
    """Start WeChat authorisation, or outside WeChat show a QR code of the page to scan."""
    target = safe_next(next)
    settings = request.app.state.settings
    if not in_wechat(request) and not settings.sandbox_enabled:
        page_url = f"{settings.gateway_public_url}{target}"
        return render(request, "open_in_wechat.html", qr_svg=qr_svg(page_url), page_url=page_url)
    state = secrets.token_urlsafe(24)
    fresh_starts = request.session.get(STATE_KEY, {}).get("fresh_starts", 0)
    request.session[STATE_KEY] = {"state": state, "next": target, "fresh_starts": fresh_starts}
    scope = "snsapi_userinfo" if profile else "snsapi_base"
    url = request.app.state.wechat_signin.authorize_url(
        f"{settings.gateway_public_url}/signin/wechat", scope=scope, state=state
    )
    return RedirectResponse(url, status_code=302)


@router.get("/signin/wechat")
async def wechat_callback(request: Request, code: str = "", state: str = "") -> Response:
    """WeChat sends the customer back here with a one-time code."""
    _ = translations(request_language(request)).gettext
    pending = request.session.get(STATE_KEY) or {}
    target = safe_next(pending.get("next"))
    if not code or not hmac.compare_digest(str(pending.get("state", "")), state):
        logger.warning("signin.state_mismatch")
        return _start_again(request, target)
    sign_in: WeChatSignIn = request.app.state.wechat_signin
    try:
        identity = await run_in_threadpool(sign_in.exchange_code, code)
    except OAuthCodeRejected:
        logger.info("signin.code_rejected")
        return _start_again(request, target)
    except WeChatError:
        logger.exception("signin.wechat_failed")
        return error_page(request, 502, _("Sign-in failed"), _("Please try again."))
    request.session.pop(STATE_KEY, None)
    if identity.is_snapshot_user:
        return render(request, "snapshot_user.html", 200)
    state_ = request.app.state
    try:
        customer = await find_or_create_customer(
            state_.http, state_.signer, state_.settings.repair_url, identity.openid,
            identity.unionid,
        )  # fmt: skip
    except SignInFailed:
        return error_page(request, 502, _("Sign-in failed"), _("Please try again."))
    remember_customer(request, customer)
    return RedirectResponse(target, status_code=303)


def _start_again(request: Request, target: str) -> Response:
    """A new authorisation, at most twice in a row, so a broken link cannot loop forever."""
    pending = request.session.get(STATE_KEY) or {}
    fresh_starts = int(pending.get("fresh_starts", 0)) + 1
    if fresh_starts > MAX_FRESH_STARTS:
        request.session.pop(STATE_KEY, None)
        _ = translations(request_language(request)).gettext
        return error_page(request, 400, _("Sign-in failed"), _("Please try again."))
    request.session[STATE_KEY] = {**pending, "fresh_starts": fresh_starts}
    return RedirectResponse(signin_url(target), status_code=303)


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no image request, no third-party service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
