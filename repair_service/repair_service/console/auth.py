"""Console sign-in: the session cookie, CSRF tokens and sign-in throttling.

Sessions are the service's ``staff_session`` rows (``staff.service``), so the console and the
JSON API share them and an administrator can revoke either. The cookie is set twice, on
``/console`` and on ``/api/repair``, so a signed-in browser can also call the staff API; it is
never sent to the gateway's own pages.

CSRF: signed-in forms carry a token derived from the session token with HMAC (checked on every
POST, from the ``csrf_token`` field or htmx's ``X-CSRF-Token`` header). The sign-in form, which
has no session yet, uses a double-submit cookie.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from repair_service.audit.models import AuditLog
from repair_service.audit.service import write_audit
from repair_service.console.settings import ConsoleSettings, get_console_settings
from repair_service.db import utcnow
from repair_service.deps import STAFF_COOKIE, SessionDep
from repair_service.errors import NotAuthenticated
from repair_service.orders.actors import Actor
from repair_service.staff.models import StaffAccount
from repair_service.staff.service import staff_actor_for_token

logger = logging.getLogger(__name__)

COOKIE_PATHS = ("/console", "/api/repair")
LOGIN_CSRF_COOKIE = "reparo_console_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FAILED = "console_sign_in_failed"
SUCCEEDED = "console_sign_in"
_PROCESS_SECRET = secrets.token_urlsafe(32)


class LoginRequired(Exception):
    """No live staff session: the console sends the browser to the sign-in page."""


class CsrfRefused(Exception):
    """A POST without the right CSRF token: refused before anything runs."""


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in person on a console page."""

    actor: Actor
    account: StaffAccount
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.actor.role == "admin"

    @property
    def sees_everything(self) -> bool:
        return self.actor.operates_every_node


def _secret(settings: ConsoleSettings) -> bytes:
    return (settings.repair_console_secret or _PROCESS_SECRET).encode()


def csrf_for_session(settings: ConsoleSettings, session_token: str) -> str:
    digest = hmac.new(_secret(settings), b"csrf:" + session_token.encode(), hashlib.sha256)
    return digest.hexdigest()


def signed_in_user(request: Request, session: Session) -> ConsoleUser | None:
    """The person whose live session cookie came with the request, if any."""
    token = request.cookies.get(STAFF_COOKIE)
    if not token:
        return None
    try:
        actor, account = staff_actor_for_token(session, token)
    except NotAuthenticated:
        return None
    return ConsoleUser(actor, account, csrf_for_session(get_console_settings(), token))


def console_user(request: Request, session: SessionDep) -> ConsoleUser:
    user = signed_in_user(request, session)
    if user is None:
        raise LoginRequired
    return user


ConsoleStaff = Annotated[ConsoleUser, Depends(console_user)]


async def _sent_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


async def check_csrf(request: Request, user: ConsoleUser) -> None:
    """Refuse (CsrfRefused) a POST whose CSRF token does not match the person's session."""
    if not hmac.compare_digest(await _sent_csrf(request), user.csrf_token):
        logger.warning("console.csrf_refused", extra={"staff_id": user.actor.id})
        raise CsrfRefused


async def checked_user(request: Request, user: ConsoleStaff) -> ConsoleUser:
    """The signed-in person, once the POST's CSRF token matches their session."""
    await check_csrf(request, user)
    return user


CheckedStaff = Annotated[ConsoleUser, Depends(checked_user)]


def api_write_carries_csrf(request: Request, session_token: str) -> bool:
    """Whether a staff API write signed in by the console's cookie carries its CSRF header."""
    expected = csrf_for_session(get_console_settings(), session_token)
    return hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), expected)


async def check_login_csrf(request: Request) -> None:
    """Double-submit check for the sign-in form: the field must equal the cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(await _sent_csrf(request), cookie):
        raise CsrfRefused


def set_session_cookies(response: Response, token: str, hours: int) -> None:
    secure = get_console_settings().console_cookie_secure
    for path in COOKIE_PATHS:
        response.set_cookie(
            STAFF_COOKIE,
            token,
            max_age=hours * 3600,
            path=path,
            httponly=True,
            samesite="lax",
            secure=secure,
        )


def clear_session_cookies(response: Response) -> None:
    for path in (*COOKIE_PATHS, "/"):
        response.delete_cookie(STAFF_COOKIE, path=path)


# Throttling. Attempts are kept as audit rows (keyed by a hash of username and IP, so neither is
# stored in clear): every instance sees the same count and no table of its own is needed. The
# index on (action, actor_id, created_at) keeps both counts cheap as the log grows.


def throttle_key(username: str, ip: str) -> str:
    return hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()


def recent_failures(session: Session, key: str, window: timedelta) -> int:
    """Failures for ``key`` within ``window`` since its last successful sign-in."""
    since = utcnow() - window
    last_success = session.exec(
        select(func.max(AuditLog.created_at)).where(
            AuditLog.action == SUCCEEDED, AuditLog.actor_id == key
        )
    ).one()
    if last_success is not None:
        since = max(
            since,
            last_success if last_success.tzinfo else last_success.replace(tzinfo=since.tzinfo),
        )
    count = session.exec(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == FAILED, AuditLog.actor_id == key)
        .where(col(AuditLog.created_at) > since)
    ).one()
    return int(count)


def record_attempt(session: Session, key: str, *, succeeded: bool) -> None:
    write_audit(session, Actor.system(key), SUCCEEDED if succeeded else FAILED)
    session.flush()
