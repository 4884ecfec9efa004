"""Every interface text the pages use has a translation in each language's catalogue."""

import re
from pathlib import Path

import pytest

from gateway.content.rendering import CATEGORY_LABELS
from gateway.content.search import GROUPS
from gateway.i18n import LANGUAGES, translations
from gateway.refusals import FIELD_LABELS
from gateway.repair_pages import CODE_LABELS

PACKAGE = Path(__file__).resolve().parents[1] / "gateway"
MESSAGE = re.compile(r"""_\((?:"([^"]+)"|'([^']+)')\)""")


def used_messages() -> set[str]:
    sources = [*PACKAGE.glob("templates/**/*.html"), *PACKAGE.glob("**/*.py")]
    found = set()
    for source in sources:
        for double, single in MESSAGE.findall(source.read_text(encoding="utf-8")):
            found.add(double or single)
    labels = {
        *CODE_LABELS.values(),
        *FIELD_LABELS.values(),
        *CATEGORY_LABELS.values(),
        *(group.label for group in GROUPS),
    }
    return found | labels


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_page_text_is_translated(language: str) -> None:
    catalogue = translations(language)

    untranslated = sorted(m for m in used_messages() if catalogue.gettext(m) == m)

    assert untranslated == []
