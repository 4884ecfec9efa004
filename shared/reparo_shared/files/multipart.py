"""Streaming ``multipart/form-data`` reading that enforces the upload limit while bytes arrive.

Starlette's own ``request.form()`` writes every file part to disk completely before the handler
runs, so a limit checked afterwards lets a 300 MB upload through first. Here python-multipart's
push parser is fed from ``request.stream()`` and the file part goes straight into an
``UploadSpool``, which refuses as soon as the limit is passed.
"""

from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from reparo_shared.files.errors import FileTooLarge, MalformedUpload
from reparo_shared.files.intake import SpooledUpload, UploadSpool

if TYPE_CHECKING:
    # python-multipart declares the callbacks' shape for type checkers only.
    from python_multipart.multipart import MultipartCallbacks

#: Text fields beside the file are small (a comment, an order number); more is refused.
MAX_FIELDS_BYTES = 64 * 1024


@dataclass
class MultipartUpload:
    """The file part, spooled, and the text fields that came with it."""

    upload: SpooledUpload
    fields: dict[str, str] = field(default_factory=dict)


class _FormReader:
    """python-multipart callbacks: the part named ``file_field`` goes into a spool, the others
    are collected as text."""

    def __init__(self, file_field: str, new_spool: Callable[[str | None], UploadSpool]) -> None:
        self.file_field = file_field
        self.new_spool = new_spool
        self.spool: UploadSpool | None = None
        self.fields: dict[str, str] = {}
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._part_name = ""
        self._part_is_file = False
        self._value = bytearray()
        self._fields_bytes = 0

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}
        self._value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        # Only the first part under the file field is the upload; a second one is ignored.
        self._part_is_file = self._part_name == self.file_field and self.spool is None
        if self._part_is_file:
            self.spool = self.new_spool(filename.decode("utf-8", "replace") if filename else None)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            assert self.spool is not None
            self.spool.write(data[start:end])
            return
        if self._part_name == self.file_field:
            return
        self._fields_bytes += end - start
        if self._fields_bytes > MAX_FIELDS_BYTES:
            raise MalformedUpload("The form fields beside the file are too large.")
        self._value += data[start:end]

    def on_part_end(self) -> None:
        if not self._part_is_file and self._part_name != self.file_field:
            self.fields[self._part_name] = self._value.decode("utf-8", "replace")
        self._part_is_file = False


async def spool_multipart(
    content_type: str,
    body: AsyncIterable[bytes],
    *,
    file_field: str,
    new_spool: Callable[[str | None], UploadSpool],
    max_body: int,
) -> MultipartUpload:
    """Parse a multipart body, spooling the part named ``file_field`` through ``new_spool``
    (called with the part's file name). Raises ``MalformedUpload`` for a body that is not
    multipart or has no such part, ``FileTooLarge`` once the whole body passes ``max_body``
    (other parts and trailing data count too), and whatever the spool raises."""
    media_type, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise MalformedUpload("Expected a multipart/form-data upload.")

    reader = _FormReader(file_field, new_spool)
    parser = MultipartParser(boundary, reader.callbacks())
    try:
        received = 0
        async for chunk in body:
            received += len(chunk)
            if received > max_body:
                raise FileTooLarge(max_body)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        if reader.spool is not None:
            reader.spool.abort()
        raise MalformedUpload("The multipart body is malformed.") from error
    except BaseException:
        if reader.spool is not None:
            reader.spool.abort()
        raise
    if reader.spool is None:
        raise MalformedUpload(f"The upload has no file in the field {file_field!r}.")
    return MultipartUpload(upload=reader.spool.finish(), fields=reader.fields)
