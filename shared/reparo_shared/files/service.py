"""Turning a spooled upload into stored objects: the one place that decides what is kept."""

import hashlib
import logging
import shutil
from pathlib import Path

import anyio.to_thread

from reparo_shared.files.errors import CorruptFile
from reparo_shared.files.images import clean_image, placeholder_poster
from reparo_shared.files.intake import SpooledUpload
from reparo_shared.files.kinds import FileKind
from reparo_shared.files.model import StoredFile
from reparo_shared.files.names import with_extension
from reparo_shared.files.settings import ImageOptions
from reparo_shared.files.storage.base import FileStorage
from reparo_shared.files.videos import make_work_dir, prepare_video

logger = logging.getLogger(__name__)


def store_spooled(
    storage: FileStorage,
    upload: SpooledUpload,
    *,
    options: ImageOptions | None = None,
    work_dir: Path | None = None,
) -> StoredFile:
    """Store ``upload`` and return what the caller should persist; blocking (run it in a thread
    from async code, or use ``store_upload``).

    Images are re-encoded without metadata and get a preview; videos get a poster (and lose their
    metadata when ffmpeg is installed); PDFs are stored as received. Refusals surface as
    ``FileRejected`` errors and leave nothing in storage. The spooled temporary file stays; the
    caller discards it.
    """
    options = options or ImageOptions()
    if upload.kind is FileKind.IMAGE:
        stored = _store_image(storage, upload, options)
    elif upload.kind is FileKind.VIDEO:
        stored = _store_video(storage, upload, options, work_dir)
    else:
        check_pdf_structure(upload.path)
        key = storage.save_file(upload.path)
        stored = _stored(upload, key=key, size=upload.size, sha256=upload.sha256)
    logger.info(
        "files.stored",
        extra={"file_key": stored.key, "file_kind": stored.kind.value, "size": stored.size},
    )
    return stored


async def store_upload(
    storage: FileStorage,
    upload: SpooledUpload,
    *,
    options: ImageOptions | None = None,
    work_dir: Path | None = None,
) -> StoredFile:
    """``store_spooled`` in a worker thread, so decoding and storage never block the loop."""
    return await anyio.to_thread.run_sync(
        lambda: store_spooled(storage, upload, options=options, work_dir=work_dir)
    )


def delete_stored(storage: FileStorage, stored: StoredFile) -> None:
    """Remove every object of ``stored`` (original, preview, poster)."""
    for key in stored.storage_keys():
        storage.delete(key)


def check_pdf_structure(path: Path) -> None:
    """Refuse a PDF whose end-of-file marker is missing from its last 1024 bytes (where the
    format puts it): it was cut off in transfer, or it is something else wearing a PDF header."""
    with path.open("rb") as stream:
        stream.seek(max(path.stat().st_size - 1024, 0))
        tail = stream.read()
    if b"%%EOF" not in tail:
        raise CorruptFile("The PDF is incomplete or damaged.")


def _store_image(storage: FileStorage, upload: SpooledUpload, options: ImageOptions) -> StoredFile:
    cleaned = clean_image(upload.path, upload.format, options)
    extension = "png" if cleaned.content_type == "image/png" else "jpg"
    keys = _save_all(storage, [cleaned.data, cleaned.preview])
    return _stored(
        upload,
        key=keys[0],
        size=len(cleaned.data),
        sha256=hashlib.sha256(cleaned.data).hexdigest(),
        content_type=cleaned.content_type,
        original_name=with_extension(upload.display_name, extension),
        width=cleaned.width,
        height=cleaned.height,
        preview_key=keys[1],
    )


def _store_video(
    storage: FileStorage, upload: SpooledUpload, options: ImageOptions, work_dir: Path | None
) -> StoredFile:
    folder = make_work_dir(work_dir)
    try:
        prepared = prepare_video(upload.path, upload.format, options, folder)
        poster = prepared.poster or placeholder_poster(options)
        size, sha256 = _size_and_hash(prepared.path)
        key = storage.save_file(prepared.path)
        try:
            (poster_key,) = _save_all(storage, [poster])
        except BaseException:
            storage.delete(key)
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _stored(upload, key=key, size=size, sha256=sha256, poster_key=poster_key)


def _save_all(storage: FileStorage, blobs: list[bytes]) -> list[str]:
    """Save each blob; on failure remove the ones already saved, so nothing is left orphaned."""
    keys: list[str] = []
    try:
        for blob in blobs:
            keys.append(storage.save_stream([blob]))
    except BaseException:
        for key in keys:
            storage.delete(key)
        raise
    return keys


def _size_and_hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _stored(upload: SpooledUpload, **fields: object) -> StoredFile:
    values: dict[str, object] = {
        "kind": upload.kind,
        "content_type": upload.format.content_type,
        "original_name": upload.display_name,
    }
    values.update(fields)
    return StoredFile.model_validate(values)
