"""Uploaded media on local disk, served with Range so phones can seek and downloads can resume.

Django's own static view answers no Range requests, and under ASGI it reads a whole file into
memory before the first byte leaves. This view answers ``bytes=`` ranges with 206 (416 when the
range lies past the end), honours ``If-Range``, ``If-None-Match`` and ``If-Modified-Since``, and
streams the file in chunks whichever server runs Django. With object storage configured, media
URLs point at the store and this view is not mounted.
"""

import asyncio
import mimetypes
import posixpath
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class ByteRange:
    """An inclusive span of a file's bytes, as HTTP counts them."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    """The asked range starts past the end of the file."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range a ``Range`` header asks for, or None to send the whole file.

    Forms we do not serve (other units, several ranges, bad syntax) are ignored, which HTTP
    allows: the client then gets the whole file with 200.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, dash, last = header[len("bytes=") :].strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if not first:
        if not last.isdigit():
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return ByteRange(start, min(end, size - 1))


def _file_chunks(path: Path, span: ByteRange) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(span.start)
        remaining = span.length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


async def _file_chunks_async(path: Path, span: ByteRange) -> AsyncIterator[bytes]:
    # Under ASGI Django would collect a synchronous iterator into one list before sending it;
    # reading each chunk in a worker thread keeps memory flat and the event loop free.
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        await asyncio.to_thread(handle.seek, span.start)
        remaining = span.length
        while remaining > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


def _media_file(path: str) -> Path:
    relative = posixpath.normpath(path).lstrip("/")
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, relative))
    except Exception as error:  # SuspiciousFileOperation: a path leaving the media folder
        raise Http404("no such file") from error
    if not full_path.is_file():
        raise Http404("no such file")
    return full_path


def _not_modified(request: HttpRequest, etag: str, mtime: float) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("If-Modified-Since")
    return since is not None and not was_modified_since(since, mtime)


def _if_range_holds(request: HttpRequest, etag: str, last_modified: str) -> bool:
    validator = request.headers.get("If-Range")
    return validator is None or validator.strip() in (etag, last_modified)


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """One uploaded file below ``MEDIA_ROOT``, whole or the byte range asked for."""
    full_path = _media_file(path)
    stat = full_path.stat()
    size = stat.st_size
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    last_modified = http_date(stat.st_mtime)

    if _not_modified(request, etag, stat.st_mtime):
        return HttpResponseNotModified(headers={"ETag": etag, "Last-Modified": last_modified})

    headers = {"ETag": etag, "Last-Modified": last_modified, "Accept-Ranges": "bytes"}
    try:
        span = requested_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        return HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    status = 200
    if span is not None and _if_range_holds(request, etag, last_modified):
        status = 206
        headers["Content-Range"] = f"bytes {span.start}-{span.end}/{size}"
    else:
        span = ByteRange(0, size - 1)

    content_type, encoding = mimetypes.guess_type(full_path.name)
    headers["Content-Type"] = content_type or "application/octet-stream"
    headers["Content-Length"] = str(span.length)
    if encoding:
        headers["Content-Encoding"] = encoding
    if request.method == "HEAD" or span.length <= 0:
        return HttpResponse(status=status, headers=headers)
    chunks = (
        _file_chunks_async(full_path, span)
        if isinstance(request, ASGIRequest)
        else _file_chunks(full_path, span)
    )
    return StreamingHttpResponse(chunks, status=status, headers=headers)
