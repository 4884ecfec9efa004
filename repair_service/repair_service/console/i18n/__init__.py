"""Console languages: Simplified Chinese, English and Brazilian Portuguese.

Templates write English text inside ``_()``; ``zh_Hans.json`` and ``pt_BR.json`` map it to the
other languages. A missing translation falls back to the English text, and a test checks that
every text the templates use is translated. The choice is remembered on the staff account (it
follows the person to every device) and in a cookie, which the sign-in page reads.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from reparo_shared.languages import LANGUAGE_NAMES

# Codes and the switch's labels, the same as the customer pages'.
LANGUAGES: dict[str, str] = LANGUAGE_NAMES
DEFAULT_LANGUAGE = "zh-Hans"
LANGUAGE_COOKIE = "reparo_console_lang"
_FOLDER = Path(__file__).parent
# English needs a file only for machine codes shown as words (``out_of_warranty``).
_FILES = {"zh-Hans": "zh_Hans.json", "pt-BR": "pt_BR.json", "en": "en.json"}


@lru_cache
def catalogue(language: str) -> dict[str, str]:
    file = _FILES.get(language)
    if file is None:
        return {}
    loaded: dict[str, str] = json.loads((_FOLDER / file).read_text(encoding="utf-8"))
    return loaded


def translate(language: str, text: str, **values: Any) -> str:
    """``text`` in ``language``, with ``{name}`` placeholders filled from ``values``."""
    translated = catalogue(language).get(text) or text
    return translated.format(**values) if values else translated


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language if valid, else the first acceptable one, else Chinese."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-Hans"
        if tag.startswith("pt"):
            return "pt-BR"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


def node_name(language: str, node: Any) -> str:
    """A node's name in ``language``; accepts a Node row or the API's NodeNames."""
    if hasattr(node, "name_en"):
        names = {"zh-Hans": node.name_zh_hans, "en": node.name_en, "pt-BR": node.name_pt_br}
    else:
        names = {"zh-Hans": node.zh_hans, "en": node.en, "pt-BR": node.pt_br}
    return str(names.get(language) or names["en"])
