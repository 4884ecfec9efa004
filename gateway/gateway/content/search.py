"""Search across articles, videos, software and products (Chinese included: cms splits the
query into the fragments its index holds)."""

import asyncio
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, PageList
from gateway.content.rendering import PAGE_SIZE, page_number, page_offset, render_content
from gateway.routing import page_router

router = page_router()

MAX_QUERY_LENGTH = 100
PER_GROUP = 5


@dataclass(frozen=True)
class SearchGroup:
    """One kind of result: its name in ``?kind=``, its page type and the fields a row shows."""

    kind: str
    label: str
    page_type: str
    fields: tuple[str, ...]


GROUPS = (
    SearchGroup(
        "articles",
        "Articles",
        "content.ArticlePage",
        ("digest", "cover", "original_published_at", "public_url"),
    ),
    SearchGroup("videos", "Videos", "content.VideoPage", ("poster", "public_url")),
    SearchGroup("software", "Software", "content.SoftwarePage", ("summary", "public_url")),
    SearchGroup("products", "Products", "content.ProductPage", ("image", "summary", "public_url")),
)
GROUPS_BY_KIND = {group.kind: group for group in GROUPS}


@router.get("/search/")
async def search(request: Request, q: str = "", kind: str = "", page: str = "1") -> Response:
    """Every kind's best matches (five each), or one kind's matches page by page."""
    query = " ".join(q.split())[:MAX_QUERY_LENGTH]
    groups = [GROUPS_BY_KIND[kind]] if kind in GROUPS_BY_KIND else list(GROUPS)
    single = len(groups) == 1

    async def render() -> Response:
        number = page_number(page) if single else 1
        limit = PAGE_SIZE if single else PER_GROUP
        results: list[tuple[SearchGroup, PageList]] = []
        if query:
            client = CmsClient.for_request(request)
            listings = await asyncio.gather(
                *(
                    client.pages(
                        group.page_type,
                        fields=group.fields,
                        search=query,
                        offset=page_offset(number),
                        limit=limit,
                    )
                    for group in groups
                )
            )
            results = list(zip(groups, listings, strict=True))
        return render_content(
            request,
            "content/search.html",
            query=query,
            kind=kind if single else "",
            results=results,
            page_number=number,
            found=sum(listing.total_count for _, listing in results),
        )

    return await cached_page(request, render)
