"""Training videos: browse by first- and second-level category, play in the page.

Pages live at the paths of their ``public_url`` (``/videos/<category>/<subcategory>/<video>/``),
which is where "View live" in the Wagtail admin sends editors; the video index itself is
``/videos``. Uploaded videos play from cms's media through the gateway's ``/cms/`` proxy, which
passes Range requests on, so phones can seek; an external address that names a media file plays
the same way, any other external address (a video site's page) is offered as a link.
"""

import asyncio
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.content.cms_client import CmsClient, CmsNotFound, PageList
from gateway.content.links import PAGE_SIZE, gateway_path, page_offset
from gateway.pages import render

router = APIRouter(include_in_schema=False)

INDEX_PATH = "/videos"
VIDEO = "content.VideoPage"
CATEGORY = "content.VideoCategoryPage"
LIST_FIELDS = ("public_url", "poster", "duration_seconds")
CATEGORY_FIELDS = ("public_url",)
# Addresses ending like this are media files a <video> element plays itself.
PLAYABLE_EXTENSIONS = (".mp4", ".m4v", ".mov", ".webm", ".ogv")


def duration(seconds: int | None) -> str:
    """``125`` as ``2:05``, an hour or more as ``1:02:05``; nothing when unknown."""
    if not seconds:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def player(video: dict[str, Any]) -> dict[str, str]:
    """How the page shows the video: ``inline`` in a <video> element, or a ``link`` out."""
    url = str(video.get("video_url") or "")
    is_file = bool(video.get("video_file")) or (
        urlsplit(url).path.lower().endswith(PLAYABLE_EXTENSIONS)
    )
    return {"mode": "inline" if is_file else "link", "url": url}


@router.get("/videos")
@router.get("/videos/")
async def video_index(request: Request, page: int = 1) -> Response:
    """First-level categories and the newest videos of all of them."""
    client = CmsClient.for_request(request)
    index = (await client.pages("content.VideoIndexPage", limit=1)).items
    if not index:
        return _listing(request, page, None, [], [], PageList([], 0), {})
    index_id = int(index[0]["id"])
    first_level, videos = await asyncio.gather(
        _categories(client, index_id),
        client.pages(
            VIDEO, descendant_of=index_id, fields=LIST_FIELDS, order="-first_published_at",
            offset=page_offset(page), limit=PAGE_SIZE,
        ),
    )  # fmt: skip
    reactions = await client.engagement(videos.ids)
    return _listing(request, page, None, first_level, [], videos, reactions)


@router.get("/videos/{path:path}")
async def video_or_category(request: Request, path: str, page: int = 1) -> Response:
    """A category (its videos, and its subcategories) or a video, by its public path."""
    client = CmsClient.for_request(request)
    found = await client.pages(filters={"path": f"{INDEX_PATH}/{path}"}, limit=1)
    if not found.items:
        raise CmsNotFound(404, "no video or category at this path")
    page_type = found.items[0]["meta"]["type"]
    page_id = int(found.items[0]["id"])
    if page_type == VIDEO:
        return await _video_page(request, client, page_id)
    if page_type == CATEGORY:
        return await _category_page(request, client, page_id, page)
    raise CmsNotFound(404, "not a video or a video category")


async def _categories(client: CmsClient, parent_id: int) -> list[dict[str, Any]]:
    listing = await client.pages(CATEGORY, child_of=parent_id, fields=CATEGORY_FIELDS, limit=100)
    return listing.items


async def _category_page(
    request: Request, client: CmsClient, category_id: int, page: int
) -> Response:
    category = await client.page(category_id)
    first = category
    if category["level"] == 2:
        first = await client.page(int(category["meta"]["parent"]["id"]))
    index_id = int(first["meta"]["parent"]["id"])
    first_level, second_level, videos = await asyncio.gather(
        _categories(client, index_id),
        _categories(client, int(first["id"])),
        client.pages(
            VIDEO, descendant_of=category_id, fields=LIST_FIELDS,
            offset=page_offset(page), limit=PAGE_SIZE,
        ),
    )  # fmt: skip
    reactions = await client.engagement(videos.ids)
    return _listing(
        request, page, category, first_level, second_level, videos, reactions,
        current_first=int(first["id"]),
    )  # fmt: skip


def _listing(
    request: Request,
    page: int,
    category: dict[str, Any] | None,
    first_level: list[dict[str, Any]],
    second_level: list[dict[str, Any]],
    videos: PageList,
    reactions: dict[int, dict[str, Any]],
    current_first: int | None = None,
) -> Response:
    return render(
        request,
        "content/videos/list.html",
        category=category,
        first_level=first_level,
        second_level=second_level,
        current_first=current_first,
        videos=videos,
        counts=reactions,
        page=max(page, 1),
        path_of=gateway_path,
        duration=duration,
    )


async def _video_page(request: Request, client: CmsClient, video_id: int) -> Response:
    video, reactions = await asyncio.gather(client.page(video_id), client.page_engagement(video_id))
    path = gateway_path(video.get("public_url"))
    category_path = path.rstrip("/").rsplit("/", 1)[0] + "/"
    return render(
        request,
        "content/videos/video.html",
        video=video,
        player=player(video),
        reactions=reactions,
        category_path=category_path,
        duration=duration,
    )
