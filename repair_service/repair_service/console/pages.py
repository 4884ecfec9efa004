"""Sign in, sign out and the language switch."""

import logging
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from repair_service.console import auth
from repair_service.console.i18n import LANGUAGE_COOKIE, LANGUAGES
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.deps import STAFF_COOKIE, SessionDep, SettingsDep
from repair_service.errors import NotAuthenticated
from repair_service.staff.service import (
    create_staff_session,
    revoke_staff_session,
    set_staff_language,
    staff_language,
)

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only paths inside the console; anything else (another host, ``//evil``) goes home."""
    if target and target.startswith("/console/") and not urlsplit(target).netloc:
        return target
    return "/console/"


def _login_page(
    request: Request,
    *,
    message: str | None = None,
    status_code: int = 200,
    username: str = "",
    next_path: str = "/console/",
) -> HTMLResponse:
    csrf = request.cookies.get(auth.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"message": message, "username": username, "next": next_path, "login_csrf": csrf},
        status_code=status_code,
    )
    response.set_cookie(
        auth.LOGIN_CSRF_COOKIE,
        csrf,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=get_console_settings().console_cookie_secure,
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login", dependencies=[Depends(auth.check_login_csrf)])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/console/",
) -> Response:
    """Check the password, open a staff session and set its cookie; throttled per account+IP."""
    console = get_console_settings()
    ip = request.client.host if request.client else "unknown"
    key = auth.throttle_key(username, ip)
    window = timedelta(minutes=console.console_login_window_minutes)
    if auth.recent_failures(session, key, window) >= console.console_login_max_failures:
        logger.warning("console.sign_in.throttled")
        return _login_page(
            request,
            status_code=429,
            username=username,
            next_path=_safe_next(next),
            message="Too many failed sign-ins. Wait 15 minutes and try again.",
        )
    try:
        token, row = create_staff_session(
            session, username=username, password=password, hours=settings.staff_session_hours
        )
    except NotAuthenticated:
        auth.record_attempt(session, key, succeeded=False)
        return _login_page(
            request,
            status_code=401,
            username=username,
            next_path=_safe_next(next),
            message="Wrong name or password.",
        )
    auth.record_attempt(session, key, succeeded=True)
    response = RedirectResponse(_safe_next(next), status_code=303)
    auth.set_session_cookies(response, token, settings.staff_session_hours)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/console")
    language = staff_language(session, row.staff_id)
    if language:  # this device now reads in the person's language, the sign-in page too
        remember_language(response, language)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _user: auth.CheckedStaff) -> Response:
    token = request.cookies.get(STAFF_COOKIE)
    if token:
        revoke_staff_session(session, token)
    response = RedirectResponse("/console/login", status_code=303)
    auth.clear_session_cookies(response)
    return response


@router.post("/language")
async def switch_language(
    request: Request,
    session: SessionDep,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/console/",
) -> Response:
    """Remember the language: on the signed-in person's account (so it follows them to every
    device; the form's CSRF token is checked) and in a cookie for the sign-in page."""
    user = auth.signed_in_user(request, session)
    if user is not None:
        await auth.check_csrf(request, user)
        if language in LANGUAGES:
            set_staff_language(session, actor=user.actor, language=language)
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language in LANGUAGES:
        remember_language(response, language)
    return response


def remember_language(response: Response, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=365 * 86400, path="/console", samesite="lax"
    )
