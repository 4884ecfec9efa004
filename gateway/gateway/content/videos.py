"""Training videos: browse by first- and second-level category, play in the page.

Pages live at the paths of their ``public_url`` (``/videos/<category>/<subcategory>/<video>/``),
which is where "View live" in the Wagtail admin sends editors; the video index itself is
``/videos/``. Uploaded videos play from cms's media through the gateway's ``/cms/`` proxy, which
passes Range requests on, so phones can seek; an external address that names a media file plays
the same way, any other external address (a video site's page) is offered as a link.
"""

import asyncio
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, CmsNotFound, PageList
from gateway.content.engagement import page_reactions
from gateway.content.preview import preview_renderer, render_page
from gateway.content.rendering import (
    list_page,
    page_number,
    page_path,
    plain_text,
    render_content,
    share_card,
)
from gateway.routing import page_router

router = page_router()

INDEX_PATH = "/videos/"
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
@router.get(INDEX_PATH)
async def video_index(request: Request, page: str = "1") -> Response:
    """First-level categories and the newest videos of all of them."""

    async def render() -> Response:
        number = page_number(page)
        client = CmsClient.for_request(request)
        index = (await client.pages("content.VideoIndexPage", limit=1)).items
        if not index:
            return await _listing(request, client, number, None, [], [], PageList([], 0))
        index_id = int(index[0]["id"])
        first_level, videos = await asyncio.gather(
            _categories(client, index_id),
            list_page(
                request, VIDEO, number, descendant_of=index_id, fields=LIST_FIELDS,
                order="-first_published_at",
            ),
        )  # fmt: skip
        return await _listing(request, client, number, None, first_level, [], videos)

    return await cached_page(request, render)


@router.get("/videos/{path:path}")
async def video_or_category(request: Request, path: str, page: str = "1") -> Response:
    """A category (its videos, and its subcategories) or a video, by its public path."""

    async def render() -> Response:
        client = CmsClient.for_request(request)
        found = await client.pages(filters={"path": f"{INDEX_PATH}{path}"}, limit=1)
        if not found.items:
            raise CmsNotFound(404, "no video or category at this path")
        page_type = found.items[0]["meta"]["type"]
        page_id = int(found.items[0]["id"])
        if page_type == VIDEO:
            return await render_page(request, await client.page(page_id))
        if page_type == CATEGORY:
            return await _category_page(request, client, page_id, page_number(page))
        raise CmsNotFound(404, "not a video or a video category")

    return await cached_page(request, render)


async def _categories(client: CmsClient, parent_id: int) -> list[dict[str, Any]]:
    listing = await client.pages(CATEGORY, child_of=parent_id, fields=CATEGORY_FIELDS, limit=100)
    return listing.items


async def _category_page(
    request: Request, client: CmsClient, category_id: int, number: int
) -> Response:
    category = await client.page(category_id)
    first = category
    if category["level"] == 2:
        first = await client.page(int(category["meta"]["parent"]["id"]))
    index_id = int(first["meta"]["parent"]["id"])
    first_level, second_level, videos = await asyncio.gather(
        _categories(client, index_id),
        _categories(client, int(first["id"])),
        list_page(request, VIDEO, number, descendant_of=category_id, fields=LIST_FIELDS),
    )
    return await _listing(
        request, client, number, category, first_level, second_level, videos,
        current_first=int(first["id"]),
    )  # fmt: skip


async def _listing(
    request: Request,
    client: CmsClient,
    number: int,
    category: dict[str, Any] | None,
    first_level: list[dict[str, Any]],
    second_level: list[dict[str, Any]],
    videos: PageList,
    current_first: int | None = None,
) -> Response:
    counts = await client.engagement(videos.ids)
    return render_content(
        request,
        "content/videos/list.html",
        category=category,
        first_level=first_level,
        second_level=second_level,
        current_first=current_first,
        listing=videos,
        counts=counts,
        page_number=number,
        duration=duration,
    )


@preview_renderer("content.videopage")
async def render_video(request: Request, video: dict[str, Any]) -> Response:
    """The video page, for the live page and for an editor's preview alike."""
    reactions = await page_reactions(CmsClient.for_request(request), int(video["id"]))
    category_path = page_path(video).rstrip("/").rsplit("/", 1)[0] + "/"
    card = share_card(request, video["title"], plain_text(video.get("notes")), video.get("poster"))
    return render_content(
        request,
        "content/videos/video.html",
        video=video,
        player=player(video),
        reactions=reactions,
        category_path=category_path,
        duration=duration,
        share=card,
    )
