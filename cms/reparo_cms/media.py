"""Media files (images, renditions, documents, videos, software) wherever they are stored.

Every media file has the same address whatever the storage: ``/cms/media/<name>``. On local disk
(development, the demo) this module's view serves it; with object storage (``CMS_S3_BUCKET``)
the files live in the bucket under the same names, nginx answers ``/cms/media/`` from the bucket
directly, and this view still answers the same address inside the network (the gateway fetches
software through it). Either way a download can resume: single byte ranges are honoured, and
the file streams in chunks without being read into memory.

Documents other than videos and PDFs (software packages, archives) go out as attachments, and
every answer carries ``nosniff``, so a browser never renders an uploaded file as a page. In the
bucket the attachment header is stored with the object at upload, so nginx's answers carry it too.
"""

import logging
import mimetypes
import posixpath
from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.storage import Storage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.encoding import filepath_to_uri
from django.views.decorators.http import require_safe
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from reparo_shared.files.ranges import RangeNotSatisfiable, parse_range
from reparo_shared.files.web import content_disposition

logger = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
DOCUMENTS_FOLDER = "documents/"
INLINE_DOCUMENT_TYPES = ("video/", "application/pdf", "image/")


def content_type_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def disposition_of(name: str) -> str | None:
    """``attachment`` for documents a browser should save rather than show, else None."""
    if not name.startswith(DOCUMENTS_FOLDER):
        return None
    if content_type_of(name).startswith(INLINE_DOCUMENT_TYPES):
        return None
    return content_disposition("attachment", posixpath.basename(name))


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


def read_range(storage: Storage, name: str, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start`` up to ``end`` of a stored file, in chunks.

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


def stored_size(storage: Storage, name: str) -> int | None:
    """The file's size, or None when there is no such file (or the name is not acceptable)."""
    try:
        return int(storage.size(name))
    except (FileNotFoundError, SuspiciousFileOperation, SuspiciousOperation):
        return None
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # Under ASGI Django would turn a synchronous iterator into a list first, holding the whole
    # file in memory; this hands it over one chunk at a time instead.
    def next_chunk() -> bytes | None:
        return next(chunks, None)

    while (chunk := await sync_to_async(next_chunk, thread_sensitive=False)()) is not None:
        yield chunk


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """``GET``/``HEAD /cms/media/<path>``: a media file, whole or one byte range."""
    name = clean_name(path)
    if not name or name.endswith("/") or name.startswith("/") or ".." in name.split("/"):
        raise Http404("no such media file")
    size = stored_size(default_storage, name)
    if size is None:
        raise Http404("no such media file")

    headers = {
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        # Stored names never change content: a replaced file gets a new name.
        "Cache-Control": "public, max-age=86400",
    }
    disposition = disposition_of(name)
    if disposition:
        headers["Content-Disposition"] = disposition
    try:
        wanted = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        return HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})

    start, end, status = (0, size, 200) if wanted is None else (wanted.start, wanted.end, 206)
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(end - start)
    content_type = content_type_of(name)
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers, content_type=content_type)

    chunks = read_range(default_storage, name, start, end)
    body = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    return StreamingHttpResponse(body, status=status, headers=headers, content_type=content_type)
