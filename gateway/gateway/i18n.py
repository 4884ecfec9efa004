"""Interface languages of the gateway's pages: zh-Hans, en and pt-BR.

Catalogues are gettext ``.po`` files in ``gateway/locales``, compiled in memory at start-up so no
build step is needed. The language comes from the ``lang`` cookie, else the browser's
Accept-Language, else Simplified Chinese.
"""

import io
from functools import lru_cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request

from reparo_shared.languages import LANGUAGE_NAMES

# Codes and the switch's labels, the same as the staff console's.
LANGUAGES: dict[str, str] = LANGUAGE_NAMES
DEFAULT_LANGUAGE = "zh-Hans"
LANGUAGE_COOKIE = "lang"

_LOCALE_DIR = Path(__file__).parent / "locales"
_BABEL_CODES = {"zh-Hans": "zh_Hans", "en": "en", "pt-BR": "pt_BR"}


@lru_cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English strings are the message ids)."""
    po_path = _LOCALE_DIR / f"{_BABEL_CODES[language]}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=_BABEL_CODES[language])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def request_language(request: Request) -> str:
    """Pick the page language for this request."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accepted = _accept_language(request.headers.get("accept-language", ""))
    match = negotiate_locale(accepted, list(_BABEL_CODES.values()), sep="_")
    if match:
        return next(code for code, babel in _BABEL_CODES.items() if babel == match)
    if any(tag.lower().startswith("zh") for tag in accepted):
        return "zh-Hans"
    if any(tag.lower().startswith("pt") for tag in accepted):
        return "pt-BR"
    return DEFAULT_LANGUAGE


def _accept_language(header: str) -> list[str]:
    weighted = []
    for part in header.split(","):
        tag, _, quality = part.strip().partition(";q=")
        if tag:
            try:
                weighted.append((float(quality) if quality else 1.0, tag.replace("-", "_")))
            except ValueError:
                continue
    return [tag for _, tag in sorted(weighted, key=lambda item: -item[0])]


def html_lang(language: str) -> str:
    """The value for ``<html lang>``."""
    return str(Locale.parse(_BABEL_CODES[language])).replace("_", "-")
