"""Media files (images, renditions, documents, videos, software) wherever they are stored.

Every media file has the same address whatever the storage: ``/cms/media/<name>``. On local disk
(development, the demo) this module's view serves it; with object storage (``CMS_S3_BUCKET``)
the files live in the bucket under the same names, nginx answers ``/cms/media/`` from the bucket
directly, and this view still answers the same addresses inside the network.

Django's own static view answers no Range requests, and under ASGI it reads a whole file into
memory before the first byte leaves. This view answers ``bytes=`` ranges with 206 (416 when the
range lies past the end), honours ``If-Range``, ``If-None-Match`` and ``If-Modified-Since``, and
streams the file in chunks whichever server runs Django; from a bucket that is one ranged GET.

Documents other than videos, PDFs and images (software packages, archives) go out as
attachments, and every answer carries ``nosniff``, so a browser never renders an uploaded file as
a page. In the bucket the attachment header is stored with the object at upload, so nginx's
answers carry it too.
"""

import mimetypes
import posixpath
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.storage import Storage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils.encoding import filepath_to_uri
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from reparo_shared.files.web import content_disposition

CHUNK_BYTES = 256 * 1024
DOCUMENTS_FOLDER = "documents/"
INLINE_DOCUMENT_TYPES = ("video/", "application/pdf", "image/")
MISSING_OBJECT_CODES = {"404", "NoSuchKey", "NotFound"}


# --- what to answer -----------------------------------------------------------------------------


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


def content_type_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def disposition_of(name: str) -> str | None:
    """``attachment`` for documents a browser should save rather than show, else None."""
    if not name.startswith(DOCUMENTS_FOLDER):
        return None
    if content_type_of(name).startswith(INLINE_DOCUMENT_TYPES):
        return None
    return content_disposition("attachment", posixpath.basename(name))


# --- where the bytes are ------------------------------------------------------------------------


class MediaS3Storage(S3Storage):
    """django-storages' S3 backend, addressing files by the cms's own ``/cms/media/`` URLs and
    storing each document's ``Content-Disposition`` with the object."""

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        return f"{settings.MEDIA_URL}{filepath_to_uri(clean_name(name))}"

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        parameters: dict[str, Any] = super().get_object_parameters(name)
        disposition = disposition_of(clean_name(name))
        if disposition:
            parameters["ContentDisposition"] = disposition
        return parameters


@dataclass(frozen=True)
class StoredMedia:
    """What the view needs to know of a stored file before sending any of it."""

    size: int
    etag: str
    modified: datetime


def stored_media(storage: Storage, name: str) -> StoredMedia | None:
    """Size and validators of a stored file; None when there is none (or the name is refused)."""
    try:
        if isinstance(storage, S3Storage):
            key = storage._normalize_name(clean_name(name))
            head = storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=key)
            return StoredMedia(head["ContentLength"], head["ETag"], head["LastModified"])
        if not _is_local_file(storage, name):
            return None
        size = storage.size(name)
        modified = storage.get_modified_time(name)
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation, SuspiciousOperation):
        return None
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in MISSING_OBJECT_CODES:
            return None
        raise
    # A replaced file keeps neither its modification time nor, usually, its size.
    etag = f'"{int(modified.timestamp() * 1_000_000):x}-{size:x}"'
    return StoredMedia(size, etag, modified)


def _is_local_file(storage: Storage, name: str) -> bool:
    """False for a folder on local disk; True for any name a remote storage holds."""
    try:
        return Path(storage.path(name)).is_file()
    except NotImplementedError:
        return True


def read_range(storage: Storage, name: str, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start`` up to but excluding ``end`` of a stored file, in chunks.

    From a bucket this is one ranged GET streamed as it arrives; django-storages' own file object
    would first download the whole object into a temporary file.
    """
    if end <= start:
        return iter(())
    if isinstance(storage, S3Storage):
        key = storage._normalize_name(clean_name(name))
        answer = storage.connection.meta.client.get_object(
            Bucket=storage.bucket_name, Key=key, Range=f"bytes={start}-{end - 1}"
        )
        return iter(answer["Body"].iter_chunks(CHUNK_BYTES))
    return _local_chunks(storage, name, start, end)


def _local_chunks(storage: Storage, name: str, start: int, end: int) -> Iterator[bytes]:
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def head_bytes(storage: Storage, name: str, count: int) -> bytes:
    """The first ``count`` bytes of a stored file (fewer when it is shorter)."""
    return b"".join(read_range(storage, name, 0, count))


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # Under ASGI Django would collect a synchronous iterator into one list before sending it;
    # reading each chunk in a worker thread keeps memory flat and the event loop free.
    def next_chunk() -> bytes | None:
        return next(chunks, None)

    while (chunk := await sync_to_async(next_chunk, thread_sensitive=False)()) is not None:
        yield chunk


# --- the view -----------------------------------------------------------------------------------


def _media_name(path: str) -> str:
    name = clean_name(path)
    if not name or name.endswith("/") or name.startswith("/") or ".." in name.split("/"):
        raise Http404("no such media file")
    return name


def _not_modified(request: HttpRequest, stored: StoredMedia) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or stored.etag in tags
    since = request.headers.get("If-Modified-Since")
    return since is not None and not was_modified_since(since, int(stored.modified.timestamp()))


def _if_range_holds(request: HttpRequest, etag: str, last_modified: str) -> bool:
    validator = request.headers.get("If-Range")
    return validator is None or validator.strip() in (etag, last_modified)


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse | StreamingHttpResponse:
    """``GET``/``HEAD /cms/media/<path>``: a media file, whole or the byte range asked for."""
    name = _media_name(path)
    stored = stored_media(default_storage, name)
    if stored is None:
        raise Http404("no such media file")
    last_modified = http_date(stored.modified.timestamp())
    validators = {"ETag": stored.etag, "Last-Modified": last_modified}
    if _not_modified(request, stored):
        return HttpResponseNotModified(headers=validators)

    headers = {**validators, "Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff"}
    disposition = disposition_of(name)
    if disposition:
        headers["Content-Disposition"] = disposition
    try:
        span = requested_range(request.headers.get("Range"), stored.size)
    except RangeNotSatisfiable:
        headers["Content-Range"] = f"bytes */{stored.size}"
        return HttpResponse(status=416, headers=headers)
    status = 200
    if span is not None and _if_range_holds(request, stored.etag, last_modified):
        status = 206
        headers["Content-Range"] = f"bytes {span.start}-{span.end}/{stored.size}"
    else:
        span = ByteRange(0, stored.size - 1)

    headers["Content-Type"] = content_type_of(name)
    headers["Content-Length"] = str(span.length)
    if request.method == "HEAD" or span.length <= 0:
        return HttpResponse(status=status, headers=headers)
    chunks = read_range(default_storage, name, span.start, span.end + 1)
    body = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    return StreamingHttpResponse(body, status=status, headers=headers)
