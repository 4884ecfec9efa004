"""The cms's own message catalogues (English source; zh-Hans and pt-BR translations).

``locale/<language>/LC_MESSAGES/django.po`` are the committed sources. Django reads compiled
``.mo`` files, which are built from them here (with Babel, so GNU gettext is not needed) and never
committed: settings compile any that are missing or older than their ``.po`` whenever the cms
starts (so the Docker build's ``collectstatic`` step already bakes them into the image), and
``python -m reparo_cms.locales`` compiles them all. Wagtail's and Django's own strings come
translated with those packages.

To add a string: mark it with ``gettext_lazy`` (or ``{% trans %}``), add it with its translations
to both ``.po`` files; ``cms/tests/test_locales.py`` fails until every string is translated.
"""

import logging
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"

logger = logging.getLogger(__name__)


def compile_catalogues(*, force: bool = False) -> list[Path]:
    """Write each ``django.mo`` that is missing or stale; returns the files written.

    A read-only checkout (a container built without them) only logs: the admin then shows our
    strings in English.
    """
    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            _compile(po_path, mo_path)
        except OSError:
            logger.warning("cms.locales.not_compiled", extra={"catalogue": str(po_path)})
            continue
        written.append(mo_path)
    return written


def _compile(po_path: Path, mo_path: Path) -> None:
    with po_path.open("rb") as source:
        catalogue = read_po(source)
    # Written aside and renamed, so processes starting together never read half a file.
    partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
    with partial.open("wb") as target:
        write_mo(target, catalogue)
    partial.replace(mo_path)


if __name__ == "__main__":
    for path in compile_catalogues(force=True):
        print(f"compiled {path}")
