"""The stand-in cms of the gateway's content tests: Wagtail API v2 shapes from an in-memory tree.

It answers the pages listing (type, slug, category, search, path, child_of and descendant_of
filters, offset and limit), one page by id and the preview endpoint, counts the listing calls, and
can be switched to failing. A test that needs more of cms (test_media_pages: likes, downloads,
files) adds those routes to the app ``StandInCms.app`` makes.
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
    preview_token: str = PREVIEW_TOKEN
    failing: bool = False  # every answer is a 500, as when cms's database is down
    listing_calls: int = 0
    seen: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def maybe_failing(request: Request, call_next: Any) -> Any:
            if self.failing:
                return JSONResponse({"detail": "database is down"}, status_code=500)
            return await call_next(request)

        @app.get("/cms/api/v2/pages/")
        async def listing(request: Request) -> JSONResponse:
            self.listing_calls += 1
            query = dict(request.query_params)
            self.seen.append(query)
            found = [page for page in self.pages if self._matches(page, query)]
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
            draft = self.preview_page
            if (
                token != self.preview_token
                or draft is None
                or draft["meta"]["type"].lower() != content_type
            ):
                return JSONResponse({"message": "no preview for this token"}, status_code=404)
            return JSONResponse(draft)

        return app

    def _matches(self, page: dict[str, Any], query: dict[str, str]) -> bool:
        meta = page["meta"]
        if "type" in query and meta["type"] != query["type"]:
            return False
        if "slug" in query and meta.get("slug") != query["slug"]:
            return False
        if "category" in query and page.get("category") != query["category"]:
            return False
        if "search" in query and query["search"] not in page["title"]:
            return False
        if "path" in query:
            path = "/" + "/".join(step for step in query["path"].split("/") if step) + "/"
            if not page.get("public_url", "").endswith(path):
                return False
        if "child_of" in query and _parent_id(page) != int(query["child_of"]):
            return False
        return not (
            "descendant_of" in query and int(query["descendant_of"]) not in self._ancestors(page)
        )

    def _ancestors(self, page: dict[str, Any]) -> list[int]:
        by_id = {each["id"]: each for each in self.pages}
        found: list[int] = []
        parent = _parent_id(page)
        while parent is not None and parent not in found:
            found.append(parent)
            parent = _parent_id(by_id[parent]) if parent in by_id else None
        return found


def _parent_id(page: dict[str, Any]) -> int | None:
    parent = page["meta"].get("parent")
    return int(parent["id"]) if parent else None
