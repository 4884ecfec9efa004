"""One renderer per page type, for the live page and an editor's preview alike; the preview route.

A page module registers the renderer of its page type with ``@preview_renderer``; the live
routes call it through ``render_page`` (or ``live_page_by_slug``) and the preview route calls
the same one, so the editor sees exactly what customers will.

cms's preview settings point editors at ``/preview/?content_type=<app.model>&token=<token>``.
The draft is fetched from cms's preview API with that token (an unknown or expired token is a
404) and rendered by its type's renderer. Previews are never cached, here or in the browser.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, CmsNotFound, CmsRefused, CmsUnavailable
from gateway.content.rendering import not_found_page, render_content
from gateway.errors import upstream_unavailable
from gateway.routing import page_router

router = page_router()

PageRenderer = Callable[[Request, dict[str, Any]], Awaitable[Response]]
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

_renderers: dict[str, PageRenderer] = {}


def preview_renderer(content_type: str) -> Callable[[PageRenderer], PageRenderer]:
    """Register the renderer of one page type, named as in the preview link
    (``content.articlepage``)."""

    def register(renderer: PageRenderer) -> PageRenderer:
        _renderers[content_type.lower()] = renderer
        return renderer

    return register


async def render_page(request: Request, page: dict[str, Any]) -> Response:
    """``page`` (as cms's API gives it) rendered by the renderer of its type."""
    page_type = str((page.get("meta") or {}).get("type", ""))
    renderer = _renderers.get(page_type.lower(), _render_generic)
    return await renderer(request, page)


async def live_page_by_slug(request: Request, page_type: str, slug: str) -> Response:
    """The published page of ``page_type`` with this slug; cached for anonymous visitors."""

    async def render() -> Response:
        page = await CmsClient.for_request(request).page_by_slug(page_type, slug)
        return await render_page(request, page)

    return await cached_page(request, render)


@router.get("/preview/")
async def preview(request: Request, content_type: str = "", token: str = "") -> Response:
    """A draft as the editor last saved it for preview; only with a token cms issued."""
    try:
        if not content_type or not token:
            raise CmsNotFound(404, "a preview needs its content type and token")
        page = await CmsClient.for_request(request).preview(content_type, token)
        renderer = _renderers.get(content_type.lower(), _render_generic)
        response = await renderer(request, page)
    except (CmsNotFound, CmsRefused):
        response = not_found_page(request)
    except CmsUnavailable:
        response = upstream_unavailable(request, "cms", status_code=503)
    # Set here rather than left to the error handlers: no answer about a draft may be kept.
    response.headers.update(NO_STORE)
    return response


async def _render_generic(request: Request, page: dict[str, Any]) -> Response:
    """Page types without a customer page of their own (index pages): title and introduction."""
    return render_content(request, "content/generic.html", page=page)
