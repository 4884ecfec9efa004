"""Videos, software downloads, likes and favourites, against a stand-in cms over real HTTP.

The stand-in (content_support's, with likes, downloads and a file added) answers the API calls these
pages make with fixed content, serves one software file with Range (Starlette's file response) and
records what reached it: tokens, download counts.
The real cms behind the real gateway is exercised by the browser tests in ``tests/browser``.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from content_support import StandInCms
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse

from gateway.app import create_app
from gateway.content.software import (
    attachment,
    by_product,
    file_size,
    file_source,
    starts_a_download,
)
from gateway.content.videos import duration, player
from gateway.settings import GatewaySettings
from reparo_shared.identity import TokenVerifier
from reparo_shared.identity.tokens import bearer_token
from reparo_shared.testing import serve_in_thread

FIRMWARE = bytes(range(256)) * 64  # 16 KB, every offset recognisable
POSTER = {"phone": {"url": "/cms/media/images/p.width-750.png"},
          "thumbnail": {"url": "/cms/media/images/p.fill-360x240.png"}}  # fmt: skip
PUBLIC = "http://gateway.test"

INDEX = {"id": 2, "meta": {"type": "content.VideoIndexPage"}, "title": "视频"}
TRAINING = {
    "id": 3, "meta": {"type": "content.VideoCategoryPage", "parent": {"id": 2}},
    "title": "操作培训", "level": 1, "description": "", "public_url": f"{PUBLIC}/videos/training/",
}  # fmt: skip
BASICS = {
    "id": 4, "meta": {"type": "content.VideoCategoryPage", "parent": {"id": 3}},
    "title": "入门", "level": 2, "description": "第一次用", "public_url":
    f"{PUBLIC}/videos/training/basics/",
}  # fmt: skip
UPLOADED = {
    "id": 10, "meta": {"type": "content.VideoPage", "parent": {"id": 4}}, "title": "开机与回零",
    "public_url": f"{PUBLIC}/videos/training/basics/homing/", "poster": POSTER,
    "duration_seconds": 125, "video_url": "/cms/media/documents/homing.mp4",
    "video_file": {"id": 1, "url": "/cms/media/documents/homing.mp4"}, "external_url": "",
    "notes": "<p>先回零。</p>", "category": {"id": 4, "title": "入门"},
}  # fmt: skip
ON_A_VIDEO_SITE = {
    **UPLOADED, "id": 11, "title": "外部视频", "video_file": None,
    "video_url": "https://v.example.com/watch?v=1", "external_url": "https://v.example.com/watch?v=1",
    "public_url": f"{PUBLIC}/videos/training/basics/elsewhere/",
}  # fmt: skip
FIRMWARE_PAGE = {
    "id": 20, "meta": {"type": "content.SoftwarePage"}, "title": "控制器固件",
    "public_url": f"{PUBLIC}/software/firmware/", "summary": "主板固件", "description": "",
    "products": [{"id": 30, "title": "RP-100", "type": "content.ProductPage"}],
    "versions": [
        {"id": 7, "version": "2.0.0", "released_on": "2026-01-01", "notes": "", "pn_list": [],
         "size_bytes": 10, "sha256": "0" * 64, "file": {"url": "/cms/media/documents/old.bin"}},
        {"id": 8, "version": "2.1.0", "released_on": "2026-11-01", "notes": "<p>修复</p>",
         "pn_list": ["RP-100"], "size_bytes": len(FIRMWARE),
         "sha256": hashlib.sha256(FIRMWARE).hexdigest(),
         "file": {"url": "/cms/media/documents/%E5%9B%BA%E4%BB%B6-2.1.0.bin"}},
    ],
}  # fmt: skip
CARE_ARTICLE = {
    "id": 40, "meta": {"type": "content.ArticlePage", "slug": "care", "locale": "zh-hans"},
    "title": "镜片保养", "public_url": f"{PUBLIC}/articles/care/", "category": "little_known_tips",
    "digest": "定期清洁", "cover": None, "author": "", "original_published_at": None,
    "source_url": "", "body": [],
}  # fmt: skip
PAGES = [INDEX, TRAINING, BASICS, UPLOADED, ON_A_VIDEO_SITE, FIRMWARE_PAGE, CARE_ARTICLE]
BY_ID = {page["id"]: page for page in PAGES}
PREVIEW_TOKEN = "id=10:signed-by-cms"


@dataclass
class MediaCms(StandInCms):
    """The content tests' stand-in cms with what these pages need besides: likes, favourites,
    download records (checking tokens as cms does) and one software file."""

    firmware: Path = Path()
    public_pem: str = ""
    url: str = ""
    downloads: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[int, dict[str, set[str]]] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = super().app()
        verifier = TokenVerifier({"test-1": self.public_pem})
        known = {page["id"] for page in self.pages}

        def customer(request: Request) -> str | None:
            header = request.headers.get("authorization")
            if not header:
                return None
            principal = verifier.verify(bearer_token(header))
            return principal.subject if principal.is_customer else f"service:{principal.subject}"

        def counts(page_id: int, who: str | None) -> dict[str, Any]:
            mine = self.reactions.get(page_id, {})
            return {
                "page_id": page_id,
                "likes": sum(1 for kinds in mine.values() if "like" in kinds),
                "favourites": sum(1 for kinds in mine.values() if "favourite" in kinds),
                "liked": "like" in mine.get(who or "", set()),
                "favourited": "favourite" in mine.get(who or "", set()),
            }

        @app.get("/cms/api/engagement/pages/")
        async def many(request: Request, ids: str = "") -> dict[str, Any]:
            who = customer(request)
            return {"items": [counts(int(i), who) for i in ids.split(",") if i]}

        @app.get("/cms/api/engagement/pages/{page_id}/")
        async def one(request: Request, page_id: int) -> JSONResponse:
            if page_id not in known:
                return JSONResponse({"detail": "no video or article with this id"}, status_code=404)
            return JSONResponse(counts(page_id, customer(request)))

        @app.api_route("/cms/api/engagement/pages/{page_id}/{kind}/", methods=["PUT", "DELETE"])
        async def react(request: Request, page_id: int, kind: str) -> JSONResponse:
            who = customer(request)
            if who is None or who.startswith("service:"):
                return JSONResponse({"detail": "not signed in"}, status_code=401)
            kinds = self.reactions.setdefault(page_id, {}).setdefault(who, set())
            (kinds.add if request.method == "PUT" else kinds.discard)(kind)
            return JSONResponse(counts(page_id, who))

        @app.get("/cms/api/engagement/me/favourites/")
        async def favourites(request: Request) -> JSONResponse:
            who = customer(request)
            if who is None:
                return JSONResponse({"detail": "not signed in"}, status_code=401)
            results = [
                {"page_id": pid, "title": BY_ID[pid]["title"], "type": BY_ID[pid]["meta"]["type"],
                 "path": BY_ID[pid]["public_url"].removeprefix(PUBLIC),
                 "favourited_at": "2026-12-01T08:00:00Z"}
                for pid, by_customer in self.reactions.items()
                if "favourite" in by_customer.get(who, set())
            ]  # fmt: skip
            return JSONResponse({"count": len(results), "next": None, "results": results})

        @app.post("/cms/api/engagement/software-downloads/")
        async def record(request: Request) -> JSONResponse:
            who = customer(request)
            if who is None:
                return JSONResponse({"detail": "no token"}, status_code=401)
            body = await request.json()
            self.downloads.append({**body, "who": who})
            return JSONResponse({"download_id": len(self.downloads)}, status_code=201)

        @app.get("/cms/api/engagement/software/{page_id}/downloads/")
        async def download_counts(page_id: int) -> JSONResponse:
            if page_id not in known:
                return JSONResponse({"detail": "no published software page"}, status_code=404)
            versions = [{"version_id": 8, "downloads": 41}]
            return JSONResponse({"page_id": page_id, "versions": versions})

        @app.api_route("/cms/media/documents/{name}", methods=["GET", "HEAD"])
        async def media(name: str) -> Any:
            if name != "固件-2.1.0.bin":
                return JSONResponse({"detail": "no file"}, status_code=404)
            return FileResponse(self.firmware, media_type="application/octet-stream")

        return app


@pytest.fixture(scope="module")
def cms(keys: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaCms]:
    firmware = tmp_path_factory.mktemp("firmware") / "fw.bin"
    firmware.write_bytes(FIRMWARE)
    stand_in = MediaCms(
        pages=PAGES, preview_token=PREVIEW_TOKEN, firmware=firmware, public_pem=keys["public_pem"]
    )
    with serve_in_thread(stand_in.app()) as url:
        stand_in.url = url
        yield stand_in


@pytest.fixture(scope="module")
def gateway_app(keys: dict[str, str], upstream_url: str, cms: MediaCms) -> FastAPI:
    settings = GatewaySettings(
        repair_url=upstream_url,
        cms_url=cms.url,
        customer_token_private_key=keys["private_path"],
        customer_token_kid="test-1",
        session_secret="test-session-secret",
        wechat_sandbox_url="http://127.0.0.1:9",
        amqp_url="",
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def gateway(gateway_app: FastAPI) -> Iterator[str]:
    with serve_in_thread(gateway_app) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_cms(cms: MediaCms, gateway_app: FastAPI) -> None:
    cms.downloads.clear()
    cms.reactions.clear()
    cms.failing = False
    cms.preview_page = None
    gateway_app.state.content_cache.clear()


@contextmanager
def signed_in(gateway: str, openid: str = "o-media") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        client.post("/signin/dev", data={"openid": openid, "next": "/"})
        yield client


# Small pieces


@pytest.mark.parametrize(("seconds", "shown"), [(None, ""), (5, "0:05"), (125, "2:05"),
                                                 (3725, "1:02:05")])  # fmt: skip
def test_duration_reads_like_a_player_clock(seconds: int | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_external_media_file_plays_in_the_page_and_a_video_site_is_a_link() -> None:
    assert player({"video_url": "https://cdn.example.com/a/b.MP4?x=1"})["mode"] == "inline"
    assert player(UPLOADED)["mode"] == "inline"
    assert player(ON_A_VIDEO_SITE)["mode"] == "link"


@pytest.mark.parametrize(
    ("method", "status", "content_range", "counted"),
    [
        ("GET", 200, None, True),
        ("GET", 206, "bytes 0-1023/4096", True),
        ("GET", 206, "bytes 1024-4095/4096", False),
        ("HEAD", 200, None, False),
    ],
)
def test_only_the_start_of_a_download_counts(
    method: str, status: int, content_range: str | None, counted: bool
) -> None:
    assert starts_a_download(method, status, content_range) is counted


def test_sizes_and_file_names_read_well() -> None:
    assert [file_size(n) for n in (0, 1000, 1536, 5 * 1024**3)] == [
        "0 B", "1000 B", "1.5 KB", "5.0 GB",
    ]  # fmt: skip
    assert attachment("固件 2.1.bin") == (
        "attachment; filename=\"__ 2.1.bin\"; filename*=UTF-8''%E5%9B%BA%E4%BB%B6%202.1.bin"
    )


def test_files_are_read_from_cms_or_from_the_bucket_when_one_is_configured() -> None:
    local = GatewaySettings(cms_url="http://cms:8002")
    bucket = local.model_copy(update={"cms_media_fetch_url": "http://minio:9000/reparo-cms/"})
    stored = {"url": "https://example.com/objects/reparo-cms/documents/固件.bin",
              "key": "documents/固件.bin"}  # fmt: skip

    assert file_source(local, {"url": "/cms/media/documents/a.bin"}) == (
        "http://cms:8002/cms/media/documents/a.bin"
    )
    assert file_source(local, stored) == stored["url"]
    assert file_source(bucket, stored) == (
        "http://minio:9000/reparo-cms/documents/%E5%9B%BA%E4%BB%B6.bin"
    )


def test_software_serving_no_product_is_listed_after_the_products() -> None:
    general = {"title": "驱动", "products": []}
    both = {"title": "固件", "products": [{"id": 2, "title": "B"}, {"id": 1, "title": "A"}]}

    groups = by_product([general, both])

    assert [(g["product"] or {}).get("title") for g in groups] == ["A", "B", None]
    assert groups[2]["software"] == [general]


# Videos


def test_video_index_lists_first_level_categories_and_newest_videos(gateway: str) -> None:
    response = httpx.get(f"{gateway}/videos")

    assert response.status_code == 200
    assert 'href="/videos/training/"' in response.text
    assert 'href="/videos/training/basics/homing/"' in response.text
    assert "2:05" in response.text


def test_second_level_category_shows_both_levels_of_choice(gateway: str) -> None:
    response = httpx.get(f"{gateway}/videos/training/basics/")

    assert response.status_code == 200
    assert 'href="/videos/training/" aria-current="page"' in response.text
    assert 'href="/videos/training/basics/" aria-current="page"' in response.text
    assert "第一次用" in response.text


def test_uploaded_video_plays_in_the_page_without_autoplay(gateway: str) -> None:
    response = httpx.get(f"{gateway}/videos/training/basics/homing/")

    assert response.status_code == 200
    assert 'src="/cms/media/documents/homing.mp4"' in response.text
    assert 'poster="/cms/media/images/p.width-750.png"' in response.text
    assert "playsinline" in response.text
    assert "autoplay" not in response.text
    assert 'action="/reactions/10/like"' in response.text


def test_video_on_another_site_is_offered_as_a_link(gateway: str) -> None:
    response = httpx.get(f"{gateway}/videos/training/basics/elsewhere")

    assert "<video" not in response.text
    assert 'href="https://v.example.com/watch?v=1"' in response.text


@pytest.mark.parametrize("path", ["/videos/training/nothing/", "/videos/software-page/"])
def test_unknown_video_path_is_a_friendly_404(gateway: str, path: str) -> None:
    response = httpx.get(f"{gateway}{path}")

    assert response.status_code == 404
    assert "<html" in response.text


def test_cms_down_gives_the_try_again_page(gateway: str, cms: MediaCms) -> None:
    cms.failing = True

    response = httpx.get(f"{gateway}/videos/training/")

    assert response.status_code == 503
    assert "<html" in response.text


# Likes and favourites


def test_signed_out_like_goes_to_sign_in_and_back_to_the_page(gateway: str) -> None:
    form = {"on": "true", "next": "/videos/training/basics/homing/"}

    page = httpx.post(f"{gateway}/reactions/10/like", data=form)
    script = httpx.post(
        f"{gateway}/reactions/10/like", data=form, headers={"Accept": "application/json"}
    )

    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=/videos/training/basics/homing/"
    assert script.status_code == 401
    assert script.json()["signin_url"] == page.headers["location"]


def test_like_never_sends_anyone_to_another_site(gateway: str) -> None:
    response = httpx.post(f"{gateway}/reactions/10/like", data={"next": "//evil.example/x"})

    assert response.headers["location"] == "/signin?next=/"


def test_customer_likes_and_favourites_and_finds_it_in_favourites(
    gateway: str, cms: MediaCms
) -> None:
    with signed_in(gateway) as client:
        json = {"Accept": "application/json"}
        liked = client.post("/reactions/10/like", data={"on": "true"}, headers=json)
        client.post("/reactions/10/favourite", data={"on": "true", "next": "/x"})
        page = client.get("/videos/training/basics/homing/")
        favourites = client.get("/favourites")

    assert liked.json() == {
        "page_id": 10, "likes": 1, "favourites": 0, "liked": True, "favourited": False,
    }  # fmt: skip
    assert cms.reactions[10] == {"cust-o-media": {"like", "favourite"}}
    assert 'aria-pressed="true"' in page.text
    assert 'href="/videos/training/basics/homing/"' in favourites.text


def test_taking_a_like_back_lowers_the_count(gateway: str) -> None:
    with signed_in(gateway) as client:
        client.post("/reactions/10/like", data={"on": "true"})
        answer = client.post(
            "/reactions/10/like", data={"on": "false"}, headers={"Accept": "application/json"}
        )

    assert answer.json()["likes"] == 0


def test_favourites_need_sign_in_and_say_when_empty(gateway: str) -> None:
    signed_out = httpx.get(f"{gateway}/favourites")
    with signed_in(gateway, "o-empty") as client:
        empty = client.get("/favourites")

    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/signin?next=/favourites/"
    assert 'class="content-empty"' in empty.text


# Software


def test_software_list_groups_by_product_with_the_newest_version(gateway: str) -> None:
    response = httpx.get(f"{gateway}/software")

    assert response.status_code == 200
    assert "RP-100" in response.text
    assert 'href="/software/firmware/"' in response.text
    assert "2.1.0" in response.text


def test_software_page_shows_size_checksum_and_downloads(gateway: str) -> None:
    response = httpx.get(f"{gateway}/software/firmware/")

    assert hashlib.sha256(FIRMWARE).hexdigest() in response.text
    assert "16.0 KB" in response.text
    assert 'href="/software/firmware/download/8"' in response.text
    assert response.text.index("2.1.0") < response.text.index("2.0.0")


def test_download_is_an_attachment_with_the_file_and_counts_once(
    gateway: str, cms: MediaCms
) -> None:
    response = httpx.get(f"{gateway}/software/firmware/download/8")

    assert response.status_code == 200
    assert response.content == FIRMWARE
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "%E5%9B%BA%E4%BB%B6-2.1.0.bin" in response.headers["content-disposition"]
    assert [(d["version_id"], d["who"]) for d in cms.downloads] == [(8, "service:gateway")]


def test_resumed_download_continues_and_is_not_counted_again(gateway: str, cms: MediaCms) -> None:
    first = httpx.get(f"{gateway}/software/firmware/download/8", headers={"Range": "bytes=0-999"})
    rest = httpx.get(f"{gateway}/software/firmware/download/8", headers={"Range": "bytes=1000-"})

    assert first.status_code == rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes 1000-{len(FIRMWARE) - 1}/{len(FIRMWARE)}"
    assert first.content + rest.content == FIRMWARE
    assert len(cms.downloads) == 1


def test_signed_in_download_is_counted_for_the_customer(gateway: str, cms: MediaCms) -> None:
    with signed_in(gateway) as client:
        client.get("/software/firmware/download/8")

    assert cms.downloads[0]["who"] == "cust-o-media"


def test_range_past_the_end_is_416_and_not_counted(gateway: str, cms: MediaCms) -> None:
    response = httpx.get(
        f"{gateway}/software/firmware/download/8", headers={"Range": "bytes=999999-"}
    )

    assert response.status_code == 416
    assert cms.downloads == []


def test_head_tells_the_size_and_counts_nothing(gateway: str, cms: MediaCms) -> None:
    response = httpx.head(f"{gateway}/software/firmware/download/8")

    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(FIRMWARE))
    assert cms.downloads == []


@pytest.mark.parametrize(
    "path",
    ["/software/firmware/download/99", "/software/missing/", "/software/firmware/download/7"],
)
def test_unknown_software_version_or_missing_file_is_404(gateway: str, path: str) -> None:
    assert httpx.get(f"{gateway}{path}").status_code == 404


# The content cache, previews and likes on articles


@pytest.mark.parametrize(
    "path", ["/videos/", "/videos/training/basics/", "/videos/training/basics/homing/",
             "/software/", "/software/firmware/"],
)  # fmt: skip
def test_anonymous_video_and_software_pages_come_from_the_content_cache(
    gateway: str, path: str
) -> None:
    first = httpx.get(f"{gateway}{path}")
    second = httpx.get(f"{gateway}{path}")
    with signed_in(gateway) as client:
        personal = client.get(path)

    assert first.status_code == 200
    assert [first.headers["X-Content-Cache"], second.headers["X-Content-Cache"]] == ["miss", "hit"]
    assert second.text == first.text
    assert personal.headers["X-Content-Cache"] == "bypass"


def test_downloads_are_never_cached(gateway: str) -> None:
    response = httpx.get(f"{gateway}/software/firmware/download/8")

    assert "X-Content-Cache" not in response.headers


def test_a_cached_page_never_shows_someone_elses_likes(gateway: str) -> None:
    path = "/videos/training/basics/homing/"
    httpx.get(f"{gateway}{path}")  # cached with nobody's likes
    with signed_in(gateway) as client:
        client.post("/reactions/10/like", data={"on": "true"})
        theirs = client.get(path)
    anonymous = httpx.get(f"{gateway}{path}")

    assert 'data-reaction="like"' in theirs.text
    assert theirs.text.count('aria-pressed="true"') == 1
    assert anonymous.headers["X-Content-Cache"] == "hit"
    assert 'aria-pressed="true"' not in anonymous.text
    assert 'data-signed-in="false"' in anonymous.text


def test_video_draft_previews_like_the_live_page_and_is_never_stored(
    gateway: str, cms: MediaCms
) -> None:
    cms.preview_page = {**UPLOADED, "title": "草稿:回零"}

    preview = httpx.get(
        f"{gateway}/preview/", params={"content_type": "content.videopage", "token": PREVIEW_TOKEN}
    )

    assert preview.status_code == 200
    assert preview.headers["Cache-Control"] == "no-store"
    assert "草稿:回零" in preview.text
    assert 'src="/cms/media/documents/homing.mp4"' in preview.text
    assert 'action="/reactions/10/like"' in preview.text


def test_new_software_draft_previews_with_its_versions_and_no_downloads(
    gateway: str, cms: MediaCms
) -> None:
    cms.preview_page = {**FIRMWARE_PAGE, "id": 99, "title": "新固件草稿"}

    preview = httpx.get(
        f"{gateway}/preview/",
        params={"content_type": "content.softwarepage", "token": PREVIEW_TOKEN},
    )

    assert preview.status_code == 200
    assert preview.headers["Cache-Control"] == "no-store"
    assert "新固件草稿" in preview.text
    assert hashlib.sha256(FIRMWARE).hexdigest() in preview.text
    assert 'class="weui-cell__bd app-download-count">0<' in preview.text


def test_article_has_likes_and_favourites_that_land_in_my_favourites(
    gateway: str, cms: MediaCms
) -> None:
    anonymous = httpx.get(f"{gateway}/articles/care/")
    with signed_in(gateway) as client:
        client.post("/reactions/40/favourite", data={"on": "true", "next": "/articles/care/"})
        theirs = client.get("/articles/care/")
        favourites = client.get("/favourites/")

    assert 'action="/reactions/40/like"' in anonymous.text
    assert "/static/reactions.js" in anonymous.text
    assert 'aria-pressed="true"' not in anonymous.text
    assert theirs.headers["X-Content-Cache"] == "bypass"
    favourite_button = theirs.text.split('data-reaction="favourite"', 1)[1]
    assert 'aria-pressed="true"' in favourite_button.split("</form>", 1)[0]
    assert cms.reactions[40] == {"cust-o-media": {"favourite"}}
    assert 'href="/articles/care/"' in favourites.text


def test_page_numbers_that_are_not_numbers_show_the_first_page(gateway: str) -> None:
    response = httpx.get(f"{gateway}/videos/", params={"page": "abc"})

    assert response.status_code == 200
    assert 'href="/videos/training/basics/homing/"' in response.text
