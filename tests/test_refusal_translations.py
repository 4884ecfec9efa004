"""Every refusal repair_service can raise reads in the person's language.

The message templates are found in repair_service's source (every call of a domain error class),
so a new refusal without translations fails here. The console translates them all; the gateway's
pages translate all but those raised inside the console, which only staff meet.
"""

import ast
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.i18n import translations
from repair_service import errors
from repair_service.app import INVALID_REQUEST
from repair_service.console.i18n import catalogue

PACKAGE = Path(errors.__file__).resolve().parent
CONSOLE = PACKAGE / "console"
ERROR_CLASSES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.DomainError)
}


@dataclass(frozen=True)
class Raised:
    template: str
    where: str
    in_console: bool


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def is_translation(template: str, translated: str | None) -> bool:
    """A different text (every template has words to translate) filling the same values."""
    return (
        bool(translated)
        and translated != template
        and (placeholders(translated or "") == placeholders(template))
    )


def error_calls() -> list[tuple[ast.Call, Path]]:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ERROR_CLASSES:
                calls.append((node, path))
    return calls


def raised_templates() -> list[Raised]:
    found = []
    for call, path in error_calls():
        template = call.args[0] if call.args else None
        if isinstance(template, ast.Constant) and isinstance(template.value, str):
            where = f"{path.relative_to(PACKAGE)}:{call.lineno}"
            found.append(Raised(template.value, where, CONSOLE in path.parents))
    return found


def test_templates_are_found() -> None:
    templates = {raised.template for raised in raised_templates()}

    assert "Order {number} is not waiting for payment" in templates
    assert "Please fill in the required field." in templates
    assert len(templates) > 60


def test_every_domain_error_has_a_literal_template_and_exactly_its_values() -> None:
    wrong = []
    for call, path in error_calls():
        where = f"{path.relative_to(PACKAGE)}:{call.lineno}"
        template = call.args[0] if len(call.args) == 1 else None
        if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
            wrong.append(f"{where}: the template is not one string literal")
            continue
        given = {keyword.arg for keyword in call.keywords}
        if None in given or given != placeholders(template.value):
            wrong.append(f"{where}: values {sorted(map(str, given))} for {template.value!r}")

    assert wrong == []


@pytest.mark.parametrize("language", ["zh-Hans", "pt-BR"])
def test_the_console_translates_every_refusal(language: str) -> None:
    translated = catalogue(language)
    missing = [
        f"{raised.where}: {raised.template}"
        for raised in raised_templates()
        if not is_translation(raised.template, translated.get(raised.template))
    ]

    assert missing == []


@pytest.mark.parametrize("language", ["zh-Hans", "pt-BR"])
def test_the_customer_pages_translate_every_refusal_a_customer_can_meet(language: str) -> None:
    gettext = translations(language).gettext
    templates = {r.template: r.where for r in raised_templates() if not r.in_console}
    templates[INVALID_REQUEST] = "app.py"
    missing = [
        f"{where}: {template}"
        for template, where in templates.items()
        if not is_translation(template, gettext(template))
    ]

    assert missing == []
