"""What every content page shares: labels, dates, addresses, paging, share cards and rendering.

Interface texts are translated; content (titles, bodies, category names editors chose) is shown
in the language it was written in, and the page marks it with the content's own ``lang``.
Every list (articles, videos, products, search results, favourites) pages the same way:
``PAGE_SIZE`` items, ``?page=`` from 1, and ``content/_pager.html`` to move between pages.
"""

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.responses import Response

from gateway.content.cms_client import CmsClient, PageList
from gateway.errors import error_page
from gateway.i18n import request_language, translations
from gateway.pages import render

# The seven article categories, in the order of the tabs, with their interface labels.
CATEGORY_LABELS = {
    "app_promotion": "App promotion copy",
    "application_scenarios": "Application scenarios",
    "little_known_tips": "Little-known tips",
    "technology_cases": "Technology application cases",
    "industry_plans": "Industry promotion plans",
    "large_scale_processing": "Large-scale processing solutions",
    "account_history": "Official account history",
}

SHOWN_TIMEZONE = ZoneInfo("Asia/Shanghai")
SHARE_DESCRIPTION_LENGTH = 120
# Ten items fill a phone screen or two; every content list shows this many per page.
PAGE_SIZE = 10
MAX_PAGE_NUMBER = 10_000
TAG = re.compile(r"<[^>]*>")


def category_label(request: Request, code: str | None) -> str:
    label = CATEGORY_LABELS.get(code or "")
    if label is None:
        return code or ""
    return translations(request_language(request)).gettext(label)


def shown_date(value: str | None, with_time: bool = False) -> str:
    """An API timestamp as the customer reads it, in China's time zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    pattern = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
    return moment.astimezone(SHOWN_TIMEZONE).strftime(pattern)


def article_date(article: dict[str, Any]) -> str | None:
    """When the article first appeared: its original date if imported, else its publication."""
    meta = article.get("meta") or {}
    return article.get("original_published_at") or meta.get("first_published_at")


def page_path(page: dict[str, Any]) -> str:
    """The gateway path of a page from its ``public_url``, or ``/pages/<id>/`` without one.

    Links stay on whatever host the customer reached us by, so only the path is used.
    """
    url = page.get("public_url") or ""
    path = urlsplit(url).path if url else ""
    return path or f"/pages/{page.get('id', 0)}/"


def content_language(page: dict[str, Any]) -> str:
    """The language the page was written in, for its ``lang`` attribute."""
    return str((page.get("meta") or {}).get("locale") or "zh-Hans")


def absolute_url(request: Request, url: str | None) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return f"{request.app.state.settings.gateway_public_url.rstrip('/')}{url}"


def plain_text(rich_text: str | None) -> str:
    """Rich text's words without its markup (for a share card's description)."""
    return html.unescape(TAG.sub(" ", rich_text or ""))


def share_card(
    request: Request, title: str, description: str | None, image: dict[str, Any] | None
) -> dict[str, str]:
    """The WeChat share card of a page: title, a short description and a picture."""
    text = " ".join((description or "").split())
    if len(text) > SHARE_DESCRIPTION_LENGTH:
        text = text[: SHARE_DESCRIPTION_LENGTH - 1] + "…"
    picture = (image or {}).get("thumbnail") or {}
    return {"title": title, "description": text, "image": absolute_url(request, picture.get("url"))}


def render_content(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    """Render a content template with the helpers every content page uses."""
    helpers: dict[str, Callable[..., Any]] = {
        "category_label": lambda code: category_label(request, code),
        "shown_date": shown_date,
        "article_date": article_date,
        "page_path": page_path,
        "content_language": content_language,
    }
    return render(request, template, status_code, **helpers, **context)


def page_number(raw: str | None) -> int:
    """``?page=`` as a number from 1; anything else is the first page."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


def page_offset(number: int) -> int:
    """Where page ``number`` (from ``page_number``) starts in its list."""
    return (number - 1) * PAGE_SIZE


async def list_page(request: Request, page_type: str, number: int, **query: Any) -> PageList:
    """Page ``number`` of the published pages of ``page_type``; ``query`` as ``CmsClient.pages``
    takes it (fields, filters, order, descendant_of...)."""
    client = CmsClient.for_request(request)
    return await client.pages(page_type, offset=page_offset(number), limit=PAGE_SIZE, **query)


def not_found_page(request: Request) -> Response:
    """The friendly 404 for an unknown page, slug or category."""
    _ = translations(request_language(request)).gettext
    return error_page(request, 404, _("Not found"), _("This page does not exist."))
