"""Starlette/FastAPI helpers: receive uploads from requests, answer downloads, map errors.

A typical pair of endpoints in a service::

    @router.put("/orders/{number}/photos")
    async def upload_photo(request: Request, ...) -> AttachmentPublic:
        with await receive_raw_upload(request, allowed={FileKind.IMAGE}, limits=limits) as upload:
            stored = await store_upload(storage, upload)
        ...persist ``stored`` on the order...

    @router.get("/attachments/{id}")
    async def download(request: Request, ...) -> Response:
        return await stored_file_response(request, storage, stored)

and once at start-up ``install_file_error_handlers(app)``.

Behind nginx, upload locations need ``proxy_request_buffering off`` (otherwise nginx stores the
whole body before the service sees a byte) and a ``client_max_body_size`` a little above the
largest limit, so that the service's own per-kind limit and message apply. A refusal in the middle
of a body closes the connection; clients that stop reading their socket early (most browsers do
not) may see a reset instead of the 413 message, which is why an announced ``Content-Length`` is
checked first: a client sending ``Expect: 100-continue`` gets the 413 before sending anything.
"""

import unicodedata
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from reparo_shared.files.errors import (
    CorruptFile,
    FileRejected,
    FileTooLarge,
    ImageTooLarge,
    MalformedUpload,
    StoredFileMissing,
    UnsupportedFile,
)
from reparo_shared.files.intake import ALL_KINDS, SpooledUpload, UploadSpool, spool_stream
from reparo_shared.files.kinds import FileKind
from reparo_shared.files.model import StoredFile
from reparo_shared.files.multipart import MultipartUpload, spool_multipart
from reparo_shared.files.names import with_extension
from reparo_shared.files.ranges import RangeNotSatisfiable, parse_range
from reparo_shared.files.settings import SizeLimits
from reparo_shared.files.storage.base import CHUNK_SIZE, FileStorage

FILE_NAME_HEADER = "X-File-Name"

Variant = Literal["original", "preview", "poster"]

_STATUS = {
    FileTooLarge: 413,
    UnsupportedFile: 415,
    CorruptFile: 422,
    ImageTooLarge: 422,
    MalformedUpload: 400,
}
_MULTIPART_OVERHEAD = 64 * 1024


async def receive_raw_upload(
    request: Request,
    *,
    allowed: Iterable[FileKind] = ALL_KINDS,
    limits: SizeLimits | None = None,
    spool_dir: Path | None = None,
) -> SpooledUpload:
    """Spool a request whose body is the file itself (``application/octet-stream``).

    The file's name comes from the ``X-File-Name`` header (percent-encoded UTF-8, as
    ``encodeURIComponent`` makes it) or the ``name`` query parameter. A ``Content-Length`` above
    the limit is refused before reading; otherwise the limit is checked on every chunk.
    """
    spool = UploadSpool(
        original_name=_name_from(request),
        allowed=allowed,
        limits=limits,
        declared_size=_content_length(request),
        spool_dir=spool_dir,
    )
    return await spool_stream(request.stream(), spool)


async def receive_multipart_upload(
    request: Request,
    *,
    field: str = "file",
    allowed: Iterable[FileKind] = ALL_KINDS,
    limits: SizeLimits | None = None,
    spool_dir: Path | None = None,
) -> MultipartUpload:
    """Spool the file in the form field ``field`` of a ``multipart/form-data`` request while it
    arrives (never call ``request.form()`` first), with the other fields as text."""
    allowed = frozenset(allowed)
    limits = limits or SizeLimits()
    max_body = limits.largest(allowed) + _MULTIPART_OVERHEAD
    declared = _content_length(request)
    if declared is not None and declared > max_body:
        only_kind = next(iter(allowed)) if len(allowed) == 1 else None
        raise FileTooLarge(limits.largest(allowed), only_kind)

    def new_spool(filename: str | None) -> UploadSpool:
        return UploadSpool(
            original_name=filename, allowed=allowed, limits=limits, spool_dir=spool_dir
        )

    return await spool_multipart(
        request.headers.get("content-type", ""),
        request.stream(),
        file_field=field,
        new_spool=new_spool,
        max_body=max_body,
    )


async def receive_upload_file(
    upload: UploadFile,
    *,
    allowed: Iterable[FileKind] = ALL_KINDS,
    limits: SizeLimits | None = None,
    spool_dir: Path | None = None,
) -> SpooledUpload:
    """Spool a FastAPI ``UploadFile`` (from a ``File()`` parameter) with the same checks.

    Starlette has already received the whole part by then, so the limit protects what we store
    but not the disk the request was spooled to; prefer ``receive_multipart_upload``.
    """
    spool = UploadSpool(
        original_name=upload.filename,
        allowed=allowed,
        limits=limits,
        declared_size=upload.size,
        spool_dir=spool_dir,
    )

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(CHUNK_SIZE):
            yield chunk

    return await spool_stream(chunks(), spool)


async def stored_file_response(
    request: Request,
    storage: FileStorage,
    stored: StoredFile,
    *,
    variant: Variant = "original",
) -> Response:
    """Stream ``stored`` (or its preview or poster) with range support.

    Answers 206 with ``Content-Range`` for a satisfiable single range, 416 for an unsatisfiable
    one, 200 otherwise; PDFs as attachments, images and videos inline, always with ``nosniff``.
    ``If-Range`` is honoured with the object's ETag (objects never change under a key).
    Raises ``StoredFileMissing`` when the object is gone.
    """
    key, content_type, name = _variant(stored, variant)
    size = (
        stored.size if variant == "original" else await anyio.to_thread.run_sync(storage.size, key)
    )
    etag = f'"{key.rsplit("/", 1)[-1]}"'
    disposition = "attachment" if content_type == "application/pdf" else "inline"
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": content_disposition(disposition, name),
    }

    if_range = request.headers.get("if-range")
    range_header = request.headers.get("range") if if_range in (None, etag) else None
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)

    start, end, status = (0, size, 200) if wanted is None else (wanted.start, wanted.end, 206)
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=content_type)

    chunks = await anyio.to_thread.run_sync(storage.read_range, key, start, end)
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=content_type)


def content_disposition(disposition: str, name: str) -> str:
    """``Content-Disposition`` with an ASCII ``filename`` for old clients and the exact UTF-8
    name in ``filename*`` (RFC 6266), so Chinese names survive in WeChat and browsers."""
    fallback = _ascii_fallback(name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii_fallback(name: str) -> str:
    """``电子发票 2026.pdf`` becomes ``2026.pdf``, ``发票.pdf`` becomes ``download.pdf``."""
    stem, _, extension = name.rpartition(".") if "." in name else (name, "", "")

    def ascii_only(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        plain = "".join(ch if ch.isprintable() and ch not in '"\\' else "_" for ch in plain)
        return " ".join(plain.split())

    stem, extension = ascii_only(stem) or "download", ascii_only(extension)
    return f"{stem}.{extension}" if extension else stem


def file_error_response(error: Exception) -> JSONResponse:
    """The JSON answer for a file error: ``{"detail": message, "code": code, ...}``."""
    if isinstance(error, StoredFileMissing):
        return JSONResponse({"detail": "File not found.", "code": "file_not_found"}, 404)
    assert isinstance(error, FileRejected)
    body: dict[str, object] = {"detail": str(error), "code": error.code}
    if isinstance(error, FileTooLarge):
        body["limit_bytes"] = error.limit_bytes
    status = next((code for cls, code in _STATUS.items() if isinstance(error, cls)), 400)
    # The client may still be sending a body we will not read; closing tells it to stop.
    headers = {"Connection": "close"} if status == 413 else None
    return JSONResponse(body, status, headers=headers)


def install_file_error_handlers(app: Starlette) -> None:
    """Answer ``FileRejected`` errors with 400/413/415/422 and ``StoredFileMissing`` with 404."""

    async def handle(request: Request, error: Exception) -> Response:
        return file_error_response(error)

    app.add_exception_handler(FileRejected, handle)
    app.add_exception_handler(StoredFileMissing, handle)


def _variant(stored: StoredFile, variant: Variant) -> tuple[str, str, str]:
    if variant == "original":
        return stored.key, stored.content_type, stored.original_name
    key = stored.preview_key if variant == "preview" else stored.poster_key
    if key is None:
        raise StoredFileMissing(f"{stored.key}#{variant}")
    return key, "image/jpeg", with_extension(stored.original_name, "jpg")


def _name_from(request: Request) -> str | None:
    header = request.headers.get(FILE_NAME_HEADER)
    if header:
        return unquote(header)
    return request.query_params.get("name")


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None
