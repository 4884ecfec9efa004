"""Articles: the category tabs with paged lists, and the article page with likes and favourites."""

from typing import Any

from fastapi import Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, CmsNotFound
from gateway.content.engagement import page_reactions
from gateway.content.preview import live_page_by_slug, preview_renderer
from gateway.content.rendering import (
    CATEGORY_LABELS,
    list_page,
    page_number,
    render_content,
    share_card,
)
from gateway.routing import page_router

router = page_router()

ARTICLE_TYPE = "content.ArticlePage"
LIST_FIELDS = ("category", "digest", "cover", "original_published_at", "public_url")


def list_order(category: str | None) -> str:
    # Imported history is read by its original date; everything else by when it went live.
    if category == "account_history":
        return "-original_published_at,-first_published_at"
    return "-first_published_at"


@router.get("/articles/")
async def article_list(request: Request, category: str = "", page: str = "1") -> Response:
    """One category's articles (or all of them), newest first, a page at a time."""
    if category and category not in CATEGORY_LABELS:
        raise CmsNotFound(404, "no such category")

    async def render() -> Response:
        number = page_number(page)
        listing = await list_page(
            request,
            ARTICLE_TYPE,
            number,
            fields=LIST_FIELDS,
            filters={"category": category} if category else {},
            order=list_order(category or None),
        )
        return render_content(
            request,
            "content/articles.html",
            categories=CATEGORY_LABELS,
            category=category,
            listing=listing,
            page_number=number,
        )

    return await cached_page(request, render)


@router.get("/articles/{slug}/")
async def article_page(request: Request, slug: str) -> Response:
    """One published article with its whole body."""
    return await live_page_by_slug(request, ARTICLE_TYPE, slug)


@preview_renderer("content.articlepage")
async def render_article(request: Request, article: dict[str, Any]) -> Response:
    """The article page, for the live page and for an editor's preview alike."""
    reactions = await page_reactions(CmsClient.for_request(request), int(article["id"]))
    card = share_card(request, article["title"], article.get("digest"), article.get("cover"))
    return render_content(
        request, "content/article.html", article=article, reactions=reactions, share=card
    )
