"""A stand-in cms for the content page tests: Wagtail API v2 shapes from an in-memory tree.

It answers the pages listing (type, slug and category filters, offset and limit), one page by
id and the preview endpoint, counts the listing calls, and can be switched to failing.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

PREVIEW_TOKEN = "id=1:signed-by-cms"


def image(name: str) -> dict[str, Any]:
    return {
        "id": 1,
        "title": name,
        "alt": name,
        "phone": {"url": f"/cms/media/images/{name}.width-750.png", "width": 750, "height": 500},
        "thumbnail": {"url": f"/cms/media/images/{name}.fill.png", "width": 360, "height": 240},
    }


def article(page_id: int, title: str, category: str, **fields: Any) -> dict[str, Any]:
    slug = fields.pop("slug", f"article-{page_id}")
    return {
        "id": page_id,
        "meta": {
            "type": "content.ArticlePage",
            "slug": slug,
            "first_published_at": "2026-05-01T10:00:00+08:00",
            "locale": "zh-hans",
        },
        "title": title,
        "public_url": f"http://127.0.0.1:8000/articles/{slug}/",
        "category": category,
        "digest": fields.pop("digest", f"{title}的摘要"),
        "cover": image(f"cover-{page_id}"),
        "author": "",
        "original_published_at": None,
        "source_url": "",
        "body": [],
        **fields,
    }


def product(page_id: int, title: str, pns: list[str]) -> dict[str, Any]:
    slug = f"product-{page_id}"
    return {
        "id": page_id,
        "meta": {"type": "content.ProductPage", "slug": slug, "locale": "zh-hans"},
        "title": title,
        "public_url": f"http://127.0.0.1:8000/products/{slug}/",
        "image": image("product"),
        "summary": "薄板切割",
        "pn_list": pns,
        "part_numbers": [{"id": n, "pn": pn, "label": ""} for n, pn in enumerate(pns, 1)],
        "photos": [],
        "description": "<p>说明</p>",
        "specs": [{"type": "spec", "value": {"name": "功率", "value": "1500 W"}, "id": "s1"}],
        "manuals": [],
        "related_videos": [{"id": 50, "title": "开机与回零", "type": "content.VideoPage"}],
        "related_software": [],
        "related_articles": [],
    }


@dataclass
class StandInCms:
    pages: list[dict[str, Any]] = field(default_factory=list)
    preview_page: dict[str, Any] | None = None
    failing: bool = False
    listing_calls: int = 0
    seen: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cms/api/v2/pages/")
        async def listing(request: Request) -> JSONResponse:
            self.listing_calls += 1
            query = dict(request.query_params)
            self.seen.append(query)
            if self.failing:
                return JSONResponse({"detail": "database is down"}, status_code=500)
            found = [page for page in self.pages if _matches(page, query)]
            offset, limit = int(query.get("offset", 0)), int(query.get("limit", 20))
            return JSONResponse(
                {"meta": {"total_count": len(found)}, "items": found[offset : offset + limit]}
            )

        @app.get("/cms/api/v2/pages/{page_id}/")
        async def detail(page_id: int) -> JSONResponse:
            for page in self.pages:
                if page["id"] == page_id:
                    return JSONResponse(page)
            return JSONResponse({"message": "Not found."}, status_code=404)

        @app.get("/cms/api/v2/page_preview/")
        async def preview(content_type: str, token: str) -> JSONResponse:
            if token != PREVIEW_TOKEN or self.preview_page is None:
                return JSONResponse({"message": "no preview for this token"}, status_code=404)
            return JSONResponse(self.preview_page)

        return app


def _matches(page: dict[str, Any], query: dict[str, str]) -> bool:
    if "type" in query and page["meta"]["type"] != query["type"]:
        return False
    if "slug" in query and page["meta"]["slug"] != query["slug"]:
        return False
    if "category" in query and page.get("category") != query["category"]:
        return False
    return not ("search" in query and query["search"] not in page["title"])
