"""The home page: the way into repairs, and the latest content from cms.

The repair links must work whatever cms does, so when cms does not answer the page still
renders, says the content is unavailable, and is not cached.
"""

import asyncio
import logging
from typing import Any

from fastapi import Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, CmsError
from gateway.content.preview import preview_renderer
from gateway.content.rendering import render_content, share_card
from gateway.routing import page_router

logger = logging.getLogger(__name__)
router = page_router()

LATEST_ARTICLES = 5
# Known shortcoming: "featured" videos are the latest ones; cms has no field yet for an editor to
# feature a video, so the home page cannot ask for those.
FEATURED_VIDEOS = 4
PRODUCT_ENTRIES = 6


@router.get("/")
async def home(request: Request) -> Response:
    async def render() -> Response:
        client = CmsClient.for_request(request)
        try:
            welcome, content = await asyncio.gather(
                client.pages("content.HomePage", fields=("banner", "intro"), limit=1),
                _latest_content(client),
            )
        except CmsError as error:
            logger.warning("home.content_unavailable", extra={"status": error.status_code})
            response = render_content(request, "home.html", content_unavailable=True)
            response.headers["Cache-Control"] = "no-store"
            return response
        home_page = welcome.items[0] if welcome.items else {}
        return _render(request, home_page, content)

    return await cached_page(request, render)


async def _latest_content(client: CmsClient) -> dict[str, Any]:
    articles, videos, products = await asyncio.gather(
        client.pages(
            "content.ArticlePage",
            fields=("digest", "cover", "original_published_at", "public_url"),
            order="-first_published_at",
            limit=LATEST_ARTICLES,
        ),
        client.pages(
            "content.VideoPage",
            fields=("poster", "duration_seconds", "public_url"),
            order="-first_published_at",
            limit=FEATURED_VIDEOS,
        ),
        client.pages("content.ProductPage", fields=("image", "public_url"), limit=PRODUCT_ENTRIES),
    )
    return {"articles": articles.items, "videos": videos.items, "products": products.items}


@preview_renderer("content.homepage")
async def render_home_preview(request: Request, home_page: dict[str, Any]) -> Response:
    """The home page with a draft of cms's home page (banner, introduction) on top."""
    return _render(request, home_page, await _latest_content(CmsClient.for_request(request)))


def _render(request: Request, home_page: dict[str, Any], content: dict[str, Any]) -> Response:
    card = share_card(request, home_page.get("title") or "", home_page.get("intro"), None)
    return render_content(request, "home.html", home_page=home_page, share=card, **content)
