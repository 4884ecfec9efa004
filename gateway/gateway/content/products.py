"""Product pages: the list, and one product with its PNs, pictures, specification, manuals,
related content and the way into a repair request."""

from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.preview import live_page_by_slug, preview_renderer
from gateway.content.rendering import list_page, page_number, render_content, share_card
from gateway.routing import page_router

router = page_router()

PRODUCT_TYPE = "content.ProductPage"
LIST_FIELDS = ("image", "summary", "pn_list", "public_url")


@router.get("/products/")
async def product_list(request: Request, page: str = "1") -> Response:
    """Every published product, in the order editors keep them in."""

    async def render() -> Response:
        number = page_number(page)
        listing = await list_page(request, PRODUCT_TYPE, number, fields=LIST_FIELDS)
        return render_content(request, "content/products.html", listing=listing, page_number=number)

    return await cached_page(request, render)


@router.get("/products/{slug}/")
async def product_page(request: Request, slug: str) -> Response:
    """One published product."""
    return await live_page_by_slug(request, PRODUCT_TYPE, slug)


def repair_link(pn: str) -> str:
    """The repair request form with this part number filled in."""
    return f"/repair/new?pn={quote(pn, safe='')}"


@preview_renderer("content.productpage")
async def render_product(request: Request, product: dict[str, Any]) -> Response:
    """The product page, for the live page and for an editor's preview alike."""
    card = share_card(request, product["title"], product.get("summary"), product.get("image"))
    related = {
        "videos": product.get("related_videos") or [],
        "software": product.get("related_software") or [],
        "articles": product.get("related_articles") or [],
    }
    return render_content(
        request,
        "content/product.html",
        product=product,
        related=related,
        repair_link=repair_link,
        share=card,
    )
