"""Display names for uploaded files: what the uploader called it, made harmless.

The name is only ever shown and offered back in ``Content-Disposition``; storage keys are random
and never derived from it. Chinese and other non-Latin letters are kept.
"""

import re
import unicodedata

MAX_NAME_LENGTH = 120

# Characters that mean something to a file system, a shell or a header on some platform.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*;]')
_SPACES = re.compile(r"\s+")


def safe_display_name(name: str | None, *, default: str = "file") -> str:
    """A display name built from ``name``: its last path segment, without control or path
    characters, whitespace collapsed, no leading dots, at most ``MAX_NAME_LENGTH`` characters
    (the extension kept when shortening). ``default`` when nothing usable is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    # Whitespace first, so a tab or newline between words stays a space, not nothing.
    text = _SPACES.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _FORBIDDEN.sub("_", text)
    text = text.strip().lstrip(".").strip()
    if not text or set(text) <= {"_", ".", " "}:
        return default
    return _shorten(text)


def _shorten(text: str) -> str:
    if len(text) <= MAX_NAME_LENGTH:
        return text
    stem, dot, extension = text.rpartition(".")
    if dot and stem and 0 < len(extension) <= 10:
        return stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
    return text[:MAX_NAME_LENGTH].rstrip()


def with_extension(name: str, extension: str) -> str:
    """``name`` with its extension replaced by ``extension`` (given without the dot), e.g. an
    iPhone's ``IMG_0001.HEIC`` stored as JPEG becomes ``IMG_0001.jpg``."""
    stem, dot, old = name.rpartition(".")
    if dot and stem and len(old) <= 10:
        return f"{stem}.{extension}"
    return f"{name}.{extension}"
