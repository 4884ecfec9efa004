"""Receiving an upload: bytes arrive chunk by chunk into a temporary file, never all in memory.

The format is decided from the first bytes as soon as they are in, and the size limit of that
kind is enforced on every chunk, so an oversized or disallowed upload is refused while it is still
arriving rather than after it has all been written to disk.
"""

import hashlib
import logging
import os
import tempfile
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from reparo_shared.files.errors import FileTooLarge, UnsupportedFile
from reparo_shared.files.kinds import SNIFF_BYTES, FileFormat, FileKind, sniff
from reparo_shared.files.names import safe_display_name
from reparo_shared.files.settings import SizeLimits

logger = logging.getLogger(__name__)

ALL_KINDS = frozenset(FileKind)


@dataclass
class SpooledUpload:
    """A complete upload in a temporary file, of a known and allowed format, within its limit.

    Discard it (or use it as a context manager) once stored; the temporary file is not removed
    otherwise.
    """

    path: Path
    format: FileFormat
    size: int
    sha256: str
    display_name: str

    @property
    def kind(self) -> FileKind:
        return self.format.kind

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "SpooledUpload":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.discard()


class UploadSpool:
    """The writing side of an intake: feed chunks with ``write``, then ``finish``.

    ``write`` raises ``UnsupportedFile`` as soon as the first bytes show a format outside
    ``allowed``, and ``FileTooLarge`` as soon as the bytes so far exceed the limit (the largest
    allowed kind's limit until the format is known). Either way the temporary file is removed.
    """

    def __init__(
        self,
        *,
        original_name: str | None,
        allowed: Iterable[FileKind] = ALL_KINDS,
        limits: SizeLimits | None = None,
        declared_size: int | None = None,
        spool_dir: Path | None = None,
    ) -> None:
        self.allowed = frozenset(allowed)
        self.limits = limits or SizeLimits()
        self.original_name = original_name
        self._limit = self.limits.largest(self.allowed)
        if declared_size is not None and declared_size > self._limit:
            raise FileTooLarge(self._limit, _single(self.allowed))

        handle, name = tempfile.mkstemp(prefix="upload-", dir=spool_dir)
        self._path = Path(name)
        self._stream = os.fdopen(handle, "wb")
        self._hash = hashlib.sha256()
        self._head = b""
        self._format: FileFormat | None = None
        self._size = 0

    def write(self, chunk: bytes) -> None:
        try:
            self._size += len(chunk)
            if self._format is None and len(self._head) < SNIFF_BYTES:
                self._head += chunk[: SNIFF_BYTES - len(self._head)]
                if len(self._head) >= SNIFF_BYTES:
                    self._decide()
            if self._size > self._limit:
                raise FileTooLarge(self._limit, self._format.kind if self._format else None)
            self._hash.update(chunk)
            self._stream.write(chunk)
        except BaseException:
            self.abort()
            raise

    def finish(self) -> SpooledUpload:
        try:
            if self._size == 0:
                raise UnsupportedFile("The file is empty.")
            if self._format is None:
                self._decide()
            assert self._format is not None
            self._stream.close()
        except BaseException:
            self.abort()
            raise
        logger.info(
            "files.upload.spooled",
            extra={"file_format": self._format.name, "size": self._size},
        )
        return SpooledUpload(
            path=self._path,
            format=self._format,
            size=self._size,
            sha256=self._hash.hexdigest(),
            display_name=safe_display_name(self.original_name),
        )

    def abort(self) -> None:
        self._stream.close()
        self._path.unlink(missing_ok=True)

    def _decide(self) -> None:
        found = sniff(self._head)
        if found is None or found.kind not in self.allowed:
            logger.info(
                "files.upload.refused_format", extra={"detected": getattr(found, "name", None)}
            )
            raise UnsupportedFile(_unsupported_message(self.allowed))
        self._format = found
        self._limit = self.limits.for_kind(found.kind)


async def spool_stream(chunks: AsyncIterable[bytes], spool: UploadSpool) -> SpooledUpload:
    """Feed an async stream (a Starlette request body, a multipart part) into ``spool``.

    The chunk writes block the event loop briefly; they go to the page cache in microseconds,
    which costs less than a thread hop per chunk would.
    """
    try:
        async for chunk in chunks:
            spool.write(chunk)
    except BaseException:
        spool.abort()
        raise
    return spool.finish()


def spool_chunks(chunks: Iterable[bytes], spool: UploadSpool) -> SpooledUpload:
    """Feed a synchronous iterable of chunks into ``spool`` (workers, imports, tests)."""
    try:
        for chunk in chunks:
            spool.write(chunk)
    except BaseException:
        spool.abort()
        raise
    return spool.finish()


_KIND_WORDS = {
    FileKind.IMAGE: "photos (JPEG, PNG, WebP, HEIC)",
    FileKind.VIDEO: "videos (MP4, MOV)",
    FileKind.PDF: "PDF documents",
}


def _unsupported_message(allowed: frozenset[FileKind]) -> str:
    accepted = ", ".join(_KIND_WORDS[kind] for kind in FileKind if kind in allowed)
    return f"This type of file is not accepted here. Accepted: {accepted}."


def _single(kinds: frozenset[FileKind]) -> FileKind | None:
    return next(iter(kinds)) if len(kinds) == 1 else None
