"""Files on the local disk: the default for development and single-machine installs."""

import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from reparo_shared.files.errors import StoredFileMissing
from reparo_shared.files.storage.base import CHUNK_SIZE, is_valid_key, iter_file, new_key

logger = logging.getLogger(__name__)


class LocalDiskStorage:
    """Objects as files below ``root`` (``<root>/ab/ab12...``), written atomically.

    A file appears under its key only once complete: it is written to ``<root>/.incoming`` and
    renamed into place, so a reader never sees half an upload.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._incoming = self.root / ".incoming"
        self._incoming.mkdir(parents=True, exist_ok=True)

    def save_stream(self, chunks: Iterable[bytes]) -> str:
        key = new_key()
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self._incoming)
        try:
            with os.fdopen(handle, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        logger.debug("files.local.saved", extra={"file_key": key})
        return key

    def save_file(self, path: Path) -> str:
        return self.save_stream(iter_file(path))

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        stream = self.open(key)
        return _range_chunks(stream, start, end)

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise StoredFileMissing(key)
        return self.root / key


def _range_chunks(stream: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    with stream:
        stream.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = stream.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
