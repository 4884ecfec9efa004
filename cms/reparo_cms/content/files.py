"""Upload checks: a download must never be a web page or a script in disguise.

A file served from our domain that a browser would render as HTML, or that a customer would run
as a script, is an obvious vector for phishing and cross-site scripting, whatever its extension
says. We look at the name and at the first bytes.
"""

from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from reparo_cms.media import head_bytes

REFUSED_EXTENSIONS = frozenset(
    {
        "htm", "html", "xhtml", "shtml", "svg", "js", "mjs", "vbs", "ps1", "bat", "cmd",
        "sh", "bash", "php", "py", "pl", "rb", "jsp", "asp", "aspx", "hta",
    }
)  # fmt: skip
HEAD_BYTES = 1024
MARKUP_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?php")


def looks_like_page_or_script(name: str, head: bytes) -> bool:
    """True when ``name`` or the file's first bytes say HTML, SVG, PHP or a ``#!`` script."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in REFUSED_EXTENSIONS:
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"#!"):
        return True
    if start.startswith(b"<?xml"):
        return b"<svg" in start or b"<html" in start
    return start.startswith(MARKUP_STARTS)


def read_head(file: IO[bytes]) -> bytes:
    """The first bytes of an uploaded or stored file, leaving its position where it was."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def refuse_page_or_script(name: str, file: IO[bytes]) -> None:
    """Raise a validation error for a file whose content is a web page or a script."""
    if looks_like_page_or_script(name, read_head(file)):
        raise _page_or_script_refused()


def refuse_stored_page_or_script(field_file: FieldFile) -> None:
    """The same check for a file already in storage, reading only its first bytes (a ranged
    read from a bucket, not a download of the whole file)."""
    name = field_file.name
    assert name, "a file already in storage has a name"
    head = head_bytes(field_file.storage, name, HEAD_BYTES)
    if looks_like_page_or_script(name, head):
        raise _page_or_script_refused()


def _page_or_script_refused() -> ValidationError:
    return ValidationError(
        _("Web pages and scripts cannot be uploaded as downloads."), code="page_or_script"
    )


VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "m4v", "webm"})


def upload_limit_bytes(name: str) -> int:
    """The size limit for a document of this name: videos, PDFs and everything else (software)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in VIDEO_EXTENSIONS:
        return int(settings.CMS_UPLOAD_LIMITS["video"])
    if extension == "pdf":
        return int(settings.CMS_UPLOAD_LIMITS["pdf"])
    return int(settings.CMS_UPLOAD_LIMITS["software"])


def refuse_oversized(name: str, size: int) -> None:
    """Raise a validation error when a document is larger than its kind allows.

    Known shortcoming: this runs after Django has received the whole upload; refusing while the
    body streams in is left to nginx's ``client_max_body_size`` in front of the admin.
    """
    limit = upload_limit_bytes(name)
    if size > limit:
        raise ValidationError(
            _("This file is larger than the %(limit)s allowed for it."),
            code="too_large",
            params={"limit": filesizeformat(limit)},
        )
