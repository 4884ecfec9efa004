"""Upload checks: a download must never be a web page or a script in disguise.

A file served from our domain that a browser would render as HTML, or that a customer would run
as a script, is an obvious vector for phishing and cross-site scripting, whatever its extension
says. We look at the name and at the first bytes.
"""

from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
        raise ValidationError(
            _("Web pages and scripts cannot be uploaded as downloads."), code="page_or_script"
        )
