"""The cms's own strings are translated in every catalogue, and the admin shows them."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

from reparo_cms.locales import LOCALE_DIR, compile_catalogues

PACKAGE = LOCALE_DIR.parent
KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None}
TRANS_TAG = re.compile(r"""{%\s*trans\s+"([^"]+)"\s*%}""")
BLOCKTRANS = re.compile(r"{%\s*blocktrans trimmed[^%]*%}(.*?){%\s*endblocktrans\s*%}", re.S)
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def source_messages() -> set[str]:
    """Every string our code and templates hand to gettext."""
    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
        )
        if isinstance(message, str)
    }
    for template in PACKAGE.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        found.update(TRANS_TAG.findall(text))
        for block in BLOCKTRANS.findall(text):
            found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", " ".join(block.split())))
    return found


@pytest.mark.parametrize("language", ["zh_Hans", "pt_BR"])
def test_every_string_is_translated_with_its_placeholders(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as source:
        catalogue = {message.id: message.string for message in read_po(source) if message.id}

    missing = sorted(message for message in source_messages() if not catalogue.get(message))

    assert missing == []
    for msgid, msgstr in catalogue.items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_catalogues_compile_and_django_uses_them() -> None:
    compile_catalogues(force=True)

    assert all(Path(f"{po}"[:-3] + ".mo").exists() for po in LOCALE_DIR.glob("*/*/django.po"))
    with translation.override("zh-hans"):
        assert translation.gettext("Little-known tips") == "冷知识小技巧"
    with translation.override("pt-br"):
        assert translation.gettext("Import runs") == "Execuções de importação"


@pytest.mark.django_db
def test_admin_menu_shows_the_import_in_the_editors_language(
    client: Client, django_user_model: type
) -> None:
    django_user_model.objects.create_superuser("editor", "e@example.com", "pw")  # type: ignore[attr-defined]
    client.login(username="editor", password="pw")

    chinese = client.get("/cms/admin/wechat-import/runs/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    portuguese = client.get("/cms/admin/wechat-import/runs/", HTTP_ACCEPT_LANGUAGE="pt-br")

    assert "导入记录" in chinese.content.decode()
    assert "Execuções de importação" in portuguese.content.decode()
