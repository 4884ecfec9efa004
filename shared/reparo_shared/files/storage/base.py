"""The storage interface every backend implements, and what they have in common.

Storage is synchronous on purpose: boto3 and the file system block anyway, and workers without an
event loop use it too. Async code calls it through a thread (``anyio.to_thread.run_sync``), which
the upload and download helpers in ``reparo_shared.files`` already do.
"""

import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_SIZE = 64 * 1024

# 32 hex characters (128 random bits) below a two-character fan-out folder.
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


@runtime_checkable
class FileStorage(Protocol):
    """Where stored files live. Keys are chosen by the storage, random, never a user's name."""

    def save_stream(self, chunks: Iterable[bytes]) -> str:
        """Store the bytes of ``chunks`` under a new key and return the key."""
        ...

    def save_file(self, path: Path) -> str:
        """Store a local file's content under a new key and return the key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A reader of the whole object; the caller closes it."""
        ...

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """The bytes from ``start`` up to but excluding ``end``, in chunks."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing key is not an error."""
        ...


def new_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def is_valid_key(key: str) -> bool:
    """Whether ``key`` has the shape ``new_key`` makes (so it cannot name a path elsewhere)."""
    return bool(_KEY.match(key))


def iter_file(path: Path, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(chunk_size):
            yield chunk
