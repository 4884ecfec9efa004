"""The cms client against a stand-in cms over real HTTP: what it asks and how failures read."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.content.cms_client import CmsClient, CmsNotFound, CmsRefused, CmsUnavailable
from reparo_shared.testing import serve_in_thread


# Not content_support.StandInCms: canned odd answers (pages 404 and 500) drive each client error.
def stand_in_cms() -> FastAPI:
    app = FastAPI()
    app.state.seen = []

    @app.get("/cms/api/v2/pages/")
    async def pages(request: Request) -> dict[str, Any]:
        app.state.seen.append(dict(request.query_params))
        if request.query_params.get("slug") == "missing":
            return {"meta": {"total_count": 0}, "items": []}
        return {"meta": {"total_count": 30}, "items": [{"id": 7, "title": "一"}]}

    @app.get("/cms/api/v2/pages/{page_id}/")
    async def page(page_id: int) -> JSONResponse:
        if page_id == 404:
            return JSONResponse({"message": "Not found."}, status_code=404)
        if page_id == 500:
            return JSONResponse({"detail": "boom"}, status_code=500)
        return JSONResponse({"id": page_id})

    @app.get("/cms/api/v2/page_preview/")
    async def preview(token: str) -> JSONResponse:
        if token != "good":
            return JSONResponse({"message": "no preview for this token"}, status_code=404)
        return JSONResponse({"id": 0, "title": "草稿"})

    @app.put("/cms/api/engagement/pages/{page_id}/like/")
    async def like(page_id: int, request: Request) -> JSONResponse:
        if "authorization" not in request.headers:
            return JSONResponse({"detail": "sign in"}, status_code=401)
        return JSONResponse(
            {"page_id": page_id, "likes": 1, "auth": request.headers["authorization"]}
        )

    return app


@pytest.fixture(scope="module")
def cms() -> Iterator[tuple[str, FastAPI]]:
    app = stand_in_cms()
    with serve_in_thread(app) as url:
        yield url, app


def call(cms_url: str, method: str, *args: Any, authorization: str | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    async def run() -> Any:
        async with httpx.AsyncClient() as http:
            client = CmsClient(http, cms_url, authorization=authorization)
            return await getattr(client, method)(*args, **kwargs)

    return asyncio.run(run())


def test_listing_sends_type_fields_filters_order_and_paging(cms: tuple[str, FastAPI]) -> None:
    url, app = cms

    listing = call(
        url,
        "pages",
        "content.ArticlePage",
        fields=["digest", "cover"],
        filters={"category": "little_known_tips"},
        order="-first_published_at",
        offset=10,
        limit=5,
        search="保养",
    )

    assert app.state.seen[-1] == {
        "type": "content.ArticlePage",
        "fields": "digest,cover",
        "category": "little_known_tips",
        "order": "-first_published_at",
        "offset": "10",
        "limit": "5",
        "search": "保养",
    }
    assert listing.total_count == 30
    assert listing.ids == [7]
    assert listing.has_next


def test_unknown_slug_is_not_found(cms: tuple[str, FastAPI]) -> None:
    with pytest.raises(CmsNotFound):
        call(cms[0], "page_by_slug", "content.ArticlePage", "missing")


def test_unknown_page_id_is_not_found_and_a_server_error_is_unavailable(
    cms: tuple[str, FastAPI],
) -> None:
    with pytest.raises(CmsNotFound):
        call(cms[0], "page", 404)
    with pytest.raises(CmsUnavailable):
        call(cms[0], "page", 500)


def test_cms_not_answering_is_unavailable() -> None:
    from reparo_shared.testing import free_port

    with pytest.raises(CmsUnavailable):
        call(f"http://127.0.0.1:{free_port()}", "page", 1)


def test_forged_preview_token_is_not_found(cms: tuple[str, FastAPI]) -> None:
    assert call(cms[0], "preview", "content.articlepage", "good")["title"] == "草稿"
    with pytest.raises(CmsNotFound):
        call(cms[0], "preview", "content.articlepage", "forged")


def test_engagement_write_forwards_the_token_and_is_refused_without_one(
    cms: tuple[str, FastAPI],
) -> None:
    answer = call(cms[0], "react", 5, "like", on=True, authorization="Bearer abc")

    assert answer["auth"] == "Bearer abc"
    with pytest.raises(CmsRefused) as refused:
        call(cms[0], "react", 5, "like", on=True)
    assert refused.value.status_code == 401
