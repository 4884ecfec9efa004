"""Articles: the category tabs with paged lists, and the article page."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, CmsNotFound
from gateway.content.preview import preview_renderer
from gateway.content.rendering import (
    CATEGORY_LABELS,
    page_number,
    render_content,
    share_card,
)

router = APIRouter(include_in_schema=False)

ARTICLE_TYPE = "content.ArticlePage"
ARTICLES_PER_PAGE = 10
LIST_FIELDS = ("category", "digest", "cover", "original_published_at", "public_url")


def list_order(category: str | None) -> str:
    # Imported history is read by its original date; everything else by when it went live.
    if category == "account_history":
        return "-original_published_at,-first_published_at"
    return "-first_published_at"


@router.get("/articles/")
async def article_list(request: Request, category: str = "", page: str = "1") -> Response:
    """One category's articles (or all of them), newest first, ten to a page."""
    if category and category not in CATEGORY_LABELS:
        raise CmsNotFound(404, "no such category")

    async def render() -> Response:
        number = page_number(page)
        filters = {"category": category} if category else {}
        listing = await CmsClient.for_request(request).pages(
            ARTICLE_TYPE,
            fields=LIST_FIELDS,
            filters=filters,
            order=list_order(category or None),
            offset=(number - 1) * ARTICLES_PER_PAGE,
            limit=ARTICLES_PER_PAGE,
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

    async def render() -> Response:
        article = await CmsClient.for_request(request).page_by_slug(ARTICLE_TYPE, slug)
        return await render_article(request, article)

    return await cached_page(request, render)


@preview_renderer("content.articlepage")
async def render_article(request: Request, article: dict[str, Any]) -> Response:
    """The article page, for the live page and for an editor's preview alike."""
    card = share_card(request, article["title"], article.get("digest"), article.get("cover"))
    return render_content(request, "content/article.html", article=article, share=card)
