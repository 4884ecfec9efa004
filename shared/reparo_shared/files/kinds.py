"""What a file is, decided from its first bytes, never from its name or the client's Content-Type.

Only the formats the repair process needs are recognised: photos (JPEG, PNG, WebP and the HEIC
that iPhones write), videos (MP4 and QuickTime MOV) and PDF documents.
"""

from dataclasses import dataclass
from enum import StrEnum

#: How many leading bytes ``sniff`` needs to decide (PDF allows junk before ``%PDF-``).
SNIFF_BYTES = 1024


class FileKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    PDF = "pdf"


@dataclass(frozen=True)
class FileFormat:
    """One recognised format: its kind, MIME type, and Pillow's format name for images."""

    name: str
    kind: FileKind
    content_type: str
    pillow_format: str | None = None


JPEG = FileFormat("jpeg", FileKind.IMAGE, "image/jpeg", "JPEG")
PNG = FileFormat("png", FileKind.IMAGE, "image/png", "PNG")
WEBP = FileFormat("webp", FileKind.IMAGE, "image/webp", "WEBP")
HEIC = FileFormat("heic", FileKind.IMAGE, "image/heic", "HEIF")
MP4 = FileFormat("mp4", FileKind.VIDEO, "video/mp4")
MOV = FileFormat("mov", FileKind.VIDEO, "video/quicktime")
PDF = FileFormat("pdf", FileKind.PDF, "application/pdf")

FORMATS = {f.name: f for f in (JPEG, PNG, WEBP, HEIC, MP4, MOV, PDF)}

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1"}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"MSNV"
}  # fmt: skip
_MOV_BRANDS = {b"qt  "}


def sniff(head: bytes) -> FileFormat | None:
    """The format of a file whose first bytes are ``head`` (pass ``SNIFF_BYTES`` when available)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    return PDF if _is_pdf(head) else None


def _is_pdf(head: bytes) -> bool:
    """``%PDF-`` within the first 1024 bytes, as readers allow, but not after markup: an HTML or
    SVG page that merely mentions ``%PDF-`` is not a PDF."""
    marker = head.find(b"%PDF-", 0, SNIFF_BYTES)
    return marker >= 0 and b"<" not in head[:marker]


def _sniff_ftyp(head: bytes) -> FileFormat | None:
    """Read the ISO base media ``ftyp`` box: major brand, then the compatible brands."""
    box_size = int.from_bytes(head[:4], "big")
    box_end = min(max(box_size, 16), len(head))
    major = head[8:12]
    brands = {major} | {head[i : i + 4] for i in range(16, box_end - 3, 4)}

    if brands & _HEIC_BRANDS:
        return HEIC
    if major in _HEIF_GENERIC_BRANDS and b"avif" not in brands:
        return HEIC
    if major in _MOV_BRANDS:
        return MOV
    if major in _MP4_BRANDS:
        return MP4
    return None
