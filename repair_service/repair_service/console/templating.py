"""Jinja templates with the console's helpers: ``_()`` for text, dates in the local zone, yuan."""

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from repair_service.console.auth import CSRF_FIELD, ConsoleUser
from repair_service.console.i18n import LANGUAGE_COOKIE, LANGUAGES, negotiate, node_name, translate
from repair_service.db import as_utc
from repair_service.money import format_yuan
from repair_service.settings import Settings

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["money"] = format_yuan


def language_of(request: Request, user: ConsoleUser | None = None) -> str:
    """The signed-in person's chosen language, else this browser's cookie, else its headers."""
    chosen = user.account.language if user and user.account.language else None
    cookie = chosen or request.cookies.get(LANGUAGE_COOKIE)
    return negotiate(cookie, request.headers.get("accept-language"))


def _local(zone: ZoneInfo) -> Any:
    def format_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return as_utc(value).astimezone(zone).strftime(pattern) if value else ""

    return format_time


def _dwell(language: str) -> Any:
    def format_dwell(seconds: int | None) -> str:
        if seconds is None:
            return ""
        days, rest = divmod(int(seconds), 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        if days:
            return translate(language, "{d} d {h} h", d=days, h=hours)
        if hours:
            return translate(language, "{h} h {m} min", h=hours, m=minutes)
        return translate(language, "{m} min", m=minutes)

    return format_dwell


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    user: ConsoleUser | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with what every page needs (language, user, CSRF, formatters)."""
    language = language_of(request, user)
    settings: Settings = request.app.state.settings
    zone = ZoneInfo(settings.reparo_timezone)

    def gettext(text: str, **values: Any) -> str:
        return translate(language, text, **values)

    base = {
        "_": gettext,
        "lang": language,
        "languages": LANGUAGES,
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": user.csrf_token if user else context.get("login_csrf", ""),
        "node_name": lambda node: node_name(language, node),
        "local": _local(zone),
        "dwell": _dwell(language),
        "path": request.url.path,
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
