"""HTTP byte ranges (RFC 9110 section 14): the single-range subset players and PDF readers use."""

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class ByteRange:
    """Bytes from ``start`` up to but excluding ``end``."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


class RangeNotSatisfiable(Exception):
    """The range lies wholly outside the representation; answer 416."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range the client asked for in a ``Range`` header, or None to send the whole file.

    Headers we do not understand (other units, bad syntax, several ranges) are ignored, as the RFC
    allows, and the whole file is sent. A range starting beyond the end, or an empty suffix,
    raises ``RangeNotSatisfiable``.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _SPEC.match(spec)
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)

    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size)

    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    end = size if last == "" else min(int(last) + 1, size)
    return ByteRange(start, end)
