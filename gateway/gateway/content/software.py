"""Software downloads: software under the products it serves, each version with its notes, size
and SHA-256, and the download itself.

A download streams from cms's file storage through the gateway with Range passed on, so a
resumed download continues where it stopped, and leaves as an attachment (``nosniff``,
``application/octet-stream``) so no browser renders or runs it. The gateway counts a download
when one starts: a request for the whole file, or for a range from its first byte. A range
further in is a download resuming, and is not counted again.
"""

import asyncio
import logging
import uuid
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import aiohttp
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from gateway.content.cache import cached_page
from gateway.content.cms_client import CmsClient, CmsError, CmsNotFound, CmsUnavailable
from gateway.content.preview import preview_renderer
from gateway.content.rendering import page_path, render_content, share_card
from gateway.identity import current_customer
from gateway.routing import page_router
from gateway.settings import GatewaySettings
from reparo_shared.logs import CORRELATION_HEADER, correlation_id

logger = logging.getLogger(__name__)
router = page_router()

INDEX_PATH = "/software"
SOFTWARE = "content.SoftwarePage"
LIST_FIELDS = ("public_url", "summary", "products", "versions")
PAGE_FIELDS = ("public_url", "summary", "description", "products", "versions")
# Known shortcoming: the list page shows at most this many software items; past it, it needs
# paging like the video lists.
MAX_LISTED = 500
API_PAGE = 100
CHUNK_BYTES = 256 * 1024
FORWARDED_REQUEST_HEADERS = ("range", "if-range")
PASSED_RESPONSE_HEADERS = ("content-length", "content-range", "etag", "last-modified")


def file_size(size_bytes: int | None) -> str:
    """Bytes for people: ``1.5 MB``; bytes as they are below 1 KB."""
    size = float(size_bytes or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # unreachable: the loop returns at GB


def newest_first(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(versions, key=lambda version: str(version.get("released_on", "")), reverse=True)


def by_product(software: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Software grouped under each product it serves (so one item may appear twice), products
    by title, then the software that serves no particular product."""
    groups: dict[int, dict[str, Any]] = {}
    general = []
    for item in software:
        for product in item.get("products") or []:
            group = groups.setdefault(product["id"], {"product": product, "software": []})
            group["software"].append(item)
        if not item.get("products"):
            general.append(item)
    ordered = sorted(groups.values(), key=lambda group: group["product"]["title"])
    return ordered + ([{"product": None, "software": general}] if general else [])


def starts_a_download(method: str, status: int, content_range: str | None) -> bool:
    """Whether this answer begins a download, rather than resuming one or only asking about it."""
    if method != "GET":
        return False
    return status == 200 or (status == 206 and (content_range or "").startswith("bytes 0-"))


def attachment(filename: str) -> str:
    """A Content-Disposition that saves the file under its own name, Chinese included."""
    # Old clients read only the ASCII ``filename``; everyone else the UTF-8 ``filename*``.
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/software")
@router.get("/software/")
async def software_index(request: Request, product: int | None = None) -> Response:
    """Every published software item, under the products it serves (``?product=`` for one)."""

    async def render() -> Response:
        client = CmsClient.for_request(request)
        software = await _all_software(client, {"product": product} if product else None)
        groups = by_product(software)
        if product:
            groups = [g for g in groups if g["product"] and g["product"]["id"] == product]
        return render_content(
            request,
            "content/software/list.html",
            groups=groups,
            product=product,
            newest_first=newest_first,
        )

    return await cached_page(request, render)


@router.get("/software/{slug}")
@router.get("/software/{slug}/")
async def software_page(request: Request, slug: str) -> Response:
    """One software item with every version: notes, size, SHA-256 and the download."""

    async def render() -> Response:
        software = await _software_at(CmsClient.for_request(request), slug)
        return await render_software(request, software)

    return await cached_page(request, render)


@preview_renderer("content.softwarepage")
async def render_software(request: Request, software: dict[str, Any]) -> Response:
    """The software page, for the live page and for an editor's preview alike.

    Download counts may be as old as the content cache lets an anonymous page be.
    """
    try:
        counts = await CmsClient.for_request(request).download_counts(int(software["id"]))
    except CmsNotFound:  # a draft never published has no downloads yet
        counts = {}
    downloads = {row["version_id"]: row["downloads"] for row in counts.get("versions", [])}
    card = share_card(request, software["title"], software.get("summary"), None)
    return render_content(
        request,
        "content/software/page.html",
        software=software,
        versions=newest_first(software.get("versions") or []),
        downloads=downloads,
        download_path=lambda version: f"{page_path(software)}download/{version['id']}",
        file_size=file_size,
        share=card,
    )


@router.api_route("/software/{slug}/download/{version_id}", methods=["GET", "HEAD"])
async def download(request: Request, slug: str, version_id: int) -> Response:
    """The version's file as an attachment, whole or the range asked for; counted once."""
    software = await _software_at(CmsClient.for_request(request), slug)
    version = next((v for v in software.get("versions") or [] if v["id"] == version_id), None)
    if version is None or not version.get("file"):
        raise CmsNotFound(404, "no such version of this software")
    upstream = await _open_file(request, version["file"])
    if upstream.status == 416:
        upstream.release()
        content_range = upstream.headers.get("content-range", "")
        return Response(status_code=416, headers={"Content-Range": content_range})
    if upstream.status not in (200, 206):
        upstream.release()
        if upstream.status == 404:
            raise CmsNotFound(404, "the file of this version is missing")
        raise CmsUnavailable(503, f"cms media answered {upstream.status}")
    if starts_a_download(request.method, upstream.status, upstream.headers.get("content-range")):
        await _count_download(request, version_id)
    headers = _download_headers(upstream, _file_name(str(version["file"]["url"])))
    if request.method == "HEAD":
        upstream.release()
        return Response(status_code=upstream.status, headers=headers)
    return StreamingResponse(
        upstream.content.iter_chunked(CHUNK_BYTES),
        status_code=upstream.status,
        headers=headers,
        background=BackgroundTask(upstream.release),
    )


async def _all_software(client: CmsClient, filters: dict[str, int] | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while len(items) < MAX_LISTED:
        listing = await client.pages(
            SOFTWARE, fields=LIST_FIELDS, filters=filters, order="title",
            offset=len(items), limit=API_PAGE,
        )  # fmt: skip
        items += listing.items
        if not listing.items or not listing.has_next:
            break
    return items


async def _software_at(client: CmsClient, slug: str) -> dict[str, Any]:
    found = await client.pages(
        SOFTWARE, fields=PAGE_FIELDS, filters={"path": f"{INDEX_PATH}/{slug}/"}, limit=1
    )
    if not found.items:
        raise CmsNotFound(404, "no published software at this path")
    return found.items[0]


def file_source(settings: GatewaySettings, file: dict[str, Any]) -> str:
    """Where the gateway reads a cms file: the bucket by its key when configured, else the
    file's own address (below cms for local media)."""
    if settings.cms_media_fetch_url and file.get("key"):
        return f"{settings.cms_media_fetch_url.rstrip('/')}/{quote(str(file['key']))}"
    url = str(file["url"])
    return f"{settings.cms_url}{url}" if url.startswith("/") else url


async def _open_file(request: Request, file: dict[str, Any]) -> aiohttp.ClientResponse:
    state = request.app.state
    url = file_source(state.settings, file)
    headers = {
        name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers
    }
    headers[CORRELATION_HEADER] = correlation_id()
    try:
        return await state.proxy_session.request(request.method, url, headers=headers)
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("software.file_unreachable", extra={"error": type(error).__name__})
        raise CmsUnavailable(503, "cms media is not answering") from error


async def _count_download(request: Request, version_id: int) -> None:
    """Tell cms a download started; one retry with the same key, so it counts at most once.

    A download is never refused because counting failed: the customer gets the file and the
    miss is logged.
    """
    client = (
        CmsClient.for_request(request)
        if current_customer(request)
        else CmsClient.for_service(request)
    )
    key = uuid.uuid4().hex
    for attempt in range(2):
        try:
            await client.record_download(version_id, key)
            return
        except CmsUnavailable:
            await asyncio.sleep(0.2 * (attempt + 1))
        except CmsError:
            break
    logger.warning("software.download_not_counted", extra={"version_id": version_id})


def _file_name(file_url: str) -> str:
    return unquote(PurePosixPath(urlsplit(file_url).path).name) or "download"


def _download_headers(upstream: aiohttp.ClientResponse, filename: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": attachment(filename),
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-transform",
    }
    for name in PASSED_RESPONSE_HEADERS:
        if name in upstream.headers:
            headers[name.title()] = upstream.headers[name]
    return headers
