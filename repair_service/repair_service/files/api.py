"""Upload and download endpoints for files on orders, quotes, proofs and invoices.

Uploads are raw bodies (``PUT``/``POST`` with the file name in ``X-File-Name``, URL-encoded, or
``?name=``) or multipart forms with a ``file`` field; both stream to storage with the size limit
enforced while reading. The answer's ``key`` is what attachments refer to.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from repair_service.deps import SessionDep, current_verifier, staff_actor
from repair_service.errors import NotAuthenticated
from repair_service.files import service
from repair_service.orders.actors import Actor
from repair_service.orders.public import order_by_public_token
from reparo_shared.files import FileHandler, StoredFile
from reparo_shared.identity import InvalidToken
from reparo_shared.identity.tokens import bearer_token

router = APIRouter(tags=["files"])

Variant = Annotated[Literal["original", "preview", "poster"], Query()]


class UploadedFilePublic(BaseModel):
    key: str
    kind: str
    content_type: str
    size: int
    sha256: str
    name: str
    width: int | None
    height: int | None
    has_preview: bool
    has_poster: bool


def customer_or_staff(request: Request, session: SessionDep) -> Actor:
    """A customer (gateway token) or a signed-in staff member; anyone else is refused."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and header.count(".") == 2:
        try:
            principal = current_verifier().verify(bearer_token(header), "customer")
        except InvalidToken as error:
            raise NotAuthenticated(
                "The sign-in token was refused ({reason})", reason=str(error)
            ) from error
        return Actor.customer(int(principal.subject))
    return staff_actor(request, session)


Uploader = Annotated[Actor, Depends(customer_or_staff)]


def _files(request: Request) -> FileHandler:
    handler: FileHandler = request.app.state.files
    return handler


def _public(stored: StoredFile) -> UploadedFilePublic:
    return UploadedFilePublic(
        key=stored.key,
        kind=str(stored.kind),
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        name=stored.original_name,
        width=stored.width,
        height=stored.height,
        has_preview=stored.preview_key is not None,
        has_poster=stored.poster_key is not None,
    )


@router.post("/files", status_code=status.HTTP_201_CREATED, response_model=UploadedFilePublic)
@router.put("/files", status_code=status.HTTP_201_CREATED, response_model=UploadedFilePublic)
async def upload_file(request: Request, actor: Uploader, session: SessionDep) -> UploadedFilePublic:
    """Store one photo (JPEG, PNG, WebP, HEIC), video (MP4, MOV) or PDF.

    The type is read from the content, never the name. Images are turned upright and stripped of
    all metadata (no location leaves our servers) and get a phone-sized preview; videos a
    poster frame. Too large: 413; unsupported type: 415; damaged file: 422.
    """
    files = _files(request)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        stored, _fields = await files.accept_multipart(request)
    else:
        stored = await files.accept_raw(request)
    # Off the event loop: on SQLite the insert may wait for another request's write lock, and that
    # request can only commit (and release it) while the loop keeps running.
    await run_in_threadpool(service.record_upload, session, actor, stored)
    return _public(stored)


@router.get("/files/{key:path}")
async def download_file(
    request: Request, key: str, actor: Uploader, session: SessionDep, variant: Variant = "original"
) -> Response:
    """Stream a file the caller may see, with HTTP Range support."""
    record = service.downloadable_file(session, actor, key)
    return await _files(request).response(request, service.as_stored_file(record), variant=variant)


@router.get("/public/orders/{token}/files/{key:path}")
async def download_public_file(
    request: Request, token: str, key: str, session: SessionDep, variant: Variant = "preview"
) -> Response:
    """A product photo of the order behind a public QR token; nothing else is served here."""
    record = service.public_file(session, order_by_public_token(session, token), key)
    return await _files(request).response(request, service.as_stored_file(record), variant=variant)
