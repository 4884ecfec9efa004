"""Files in an S3-compatible object store (AWS S3, MinIO, moto's server in tests)."""

import io
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from reparo_shared.files.errors import StoredFileMissing
from reparo_shared.files.storage.base import CHUNK_SIZE, is_valid_key, new_key

logger = logging.getLogger(__name__)

# Uploads of unknown length go up as multipart parts of this size; two parts in flight at once
# keep the memory of one upload near 16 MB whatever the file's size.
_TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=2
)
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    """Objects in ``bucket`` under ``prefix`` + key, through a boto3 S3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (development and tests; production buckets
        are made by operations with their own policies)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def save_stream(self, chunks: Iterable[bytes]) -> str:
        key = new_key()
        self.client.upload_fileobj(
            _IterableReader(chunks), self.bucket, self._name(key), Config=_TRANSFER
        )
        logger.debug("files.s3.saved", extra={"file_key": key})
        return key

    def save_file(self, path: Path) -> str:
        key = new_key()
        self.client.upload_file(str(path), self.bucket, self._name(key), Config=_TRANSFER)
        logger.debug("files.s3.saved", extra={"file_key": key})
        return key

    def open(self, key: str) -> BinaryIO:
        body = self._get(key)["Body"]
        return io.BufferedReader(_BodyReader(body), buffer_size=CHUNK_SIZE)

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        if end <= start:
            return iter(())
        body = self._get(key, Range=f"bytes={start}-{end - 1}")["Body"]
        return _close_after(body, body.iter_chunks(CHUNK_SIZE))

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            raise _translate(error, key) from error
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def _get(self, key: str, **options: str) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self.client.get_object(
                Bucket=self.bucket, Key=self._name(key), **options
            )
        except ClientError as error:
            raise _translate(error, key) from error
        return response

    def _name(self, key: str) -> str:
        if not is_valid_key(key):
            raise StoredFileMissing(key)
        return self.prefix + key


def _translate(error: ClientError, key: str) -> Exception:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return StoredFileMissing(key) if code in _MISSING_CODES else error


def _close_after(body: Any, chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        body.close()


class _IterableReader(io.RawIOBase):
    """A read-only file over an iterable of byte chunks, for boto3's streaming upload."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw file, so it can be buffered like a local file."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()
