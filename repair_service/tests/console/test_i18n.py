"""Three languages: every text the console shows is translated, and the choice is remembered."""

import re
import string
from pathlib import Path

import pytest

from repair_service.billing.models import InvoiceKind, PaymentMethod, PaymentStatus
from repair_service.console.actions import ACTIONS
from repair_service.console.forms import FIELD_LABELS, OTHER_PROBLEM, PROBLEM_TEXTS
from repair_service.console.i18n import catalogue, negotiate
from repair_service.console.orders import HEADLINES
from repair_service.console.web import ERROR_HEADINGS, INVALID_REQUEST
from repair_service.orders.models import AttachmentKind
from repair_service.staff.models import StaffRole

from ..conftest import World
from .conftest import Console

TEMPLATES = Path(__file__).resolve().parents[2] / "repair_service" / "console" / "templates"
OUTCOMES = [
    "submitted",
    "approved",
    "rejected",
    "shipped",
    "received",
    "in_warranty",
    "out_of_warranty",
    "quoted",
    "warranty_free",
    "agreed",
    "declined",
    "waived",
    "paid",
    "proof_rejected",
    "repaired",
    "passed",
    "failed",
    "closed",
    "invoiced",
    "completed",
]


def texts_in_templates() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\(\s*"([^"]+)"', source))
        found |= set(re.findall(r"_\(\s*'([^']+)'", source))
    return found


def dynamic_texts() -> set[str]:
    enums = [*PaymentMethod, *PaymentStatus, *InvoiceKind, *AttachmentKind, *StaffRole]
    return {
        *(action.label for action in ACTIONS.values()),
        *(action.done for action in ACTIONS.values()),
        *ERROR_HEADINGS.values(),
        INVALID_REQUEST,
        "Form expired",
        *HEADLINES.values(),
        *(member.value for member in enums),
        *OUTCOMES,
        "Open",
        "Completed",
        "Rejected",
        "All",
        "Staff",
        "Addresses",
        "Sessions",
        "customer",
        "system",
        "Public link updated.",
        *PROBLEM_TEXTS.values(),
        OTHER_PROBLEM,
        *FIELD_LABELS.values(),
    }


@pytest.mark.parametrize("language", ["zh-Hans", "pt-BR"])
def test_every_console_text_is_translated_with_the_same_placeholders(language: str) -> None:
    translations = catalogue(language)
    missing = sorted((texts_in_templates() | dynamic_texts()) - set(translations))
    assert missing == []
    for source, translated in translations.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(source) if name}
        assert fields == {n for _, n, _, _ in string.Formatter().parse(translated) if n}, source


def test_english_shows_machine_codes_as_words() -> None:
    from repair_service.console.i18n import translate

    assert translate("en", "out_of_warranty") == "out of warranty"
    assert translate("en", "Board") == "Board"


def test_language_comes_from_the_cookie_then_the_browser_then_defaults_to_chinese() -> None:
    assert negotiate("pt-BR", "en") == "pt-BR"
    assert negotiate(None, "en-GB,en;q=0.8") == "en"
    assert negotiate("xx", "pt-PT") == "pt-BR"
    assert negotiate(None, None) == "zh-Hans"


def test_the_language_switch_names_each_language_in_itself_as_the_customer_pages_do(
    console,
) -> None:
    page = console("review").get("/console/").text

    header = page.partition("</header>")[0]
    switch = re.search(r'<select name="language".*?</select>', header, re.S)
    assert switch is not None
    labels = re.findall(r'<option value="([^"]+)" lang="\1"[^>]*>([^<]+)</option>', switch.group(0))
    assert labels == [("zh-Hans", "中文"), ("en", "English"), ("pt-BR", "Português")]


def test_staff_member_switches_language_and_it_is_remembered(console) -> None:
    person: Console = console("review")
    assert "看板" in person.get("/console/").text

    response = person.post("/console/language", {"language": "pt-BR", "next": "/console/"})

    assert response.status_code == 303
    assert "reparo_console_lang=pt-BR" in response.headers["set-cookie"]
    assert "Quadro" in person.get("/console/").text
    person.post("/console/language", {"language": "en", "next": "/console/"})
    assert ">Board<" in person.get("/console/").text


def test_a_refusal_is_shown_in_the_staff_members_language_with_its_values(
    console, world: World
) -> None:
    order = world.submit(world.new_customer())["orders"][0]
    qc: Console = console("qc")
    crafted = {"expected_version": world.version(order["id"]), "receiving_address_id": 1}

    chinese = qc.post(f"/console/orders/{order['id']}/actions/approve", crafted)
    qc.post("/console/language", {"language": "pt-BR", "next": "/console/"})
    portuguese = qc.post(f"/console/orders/{order['id']}/actions/approve", crafted)

    assert "无权操作：您所在的团队均未获授权处理“申请审核”节点。" in chinese.text
    assert (
        "Você não pode fazer isso: nenhuma das suas equipes tem permissão "
        "na etapa “Análise da solicitação”." in portuguese.text
    )
    assert "None of your teams" not in chinese.text + portuguese.text


def test_a_refused_grant_reads_as_one_sentence_naming_the_step(console, world: World) -> None:
    order = world.submit(world.new_customer())["orders"][0]
    repair: Console = console("repair")
    repair.post("/console/language", {"language": "en", "next": "/console/"})
    crafted = {"expected_version": world.version(order["id"]), "receiving_address_id": 1}

    refused = repair.post(f"/console/orders/{order['id']}/actions/approve", crafted)

    failure = re.search(r'data-test="failure">(.*?)</div>', refused.text, re.S)
    assert refused.status_code == 403
    assert failure
    words = " ".join(re.sub(r"<[^>]+>", " ", failure.group(1)).split())
    assert words == (
        "You may not do this: none of your teams works at the step “Application review”."
    )


def test_an_admin_refusal_is_translated_with_its_values(console) -> None:
    admin: Console = console("admin")
    admin.post("/console/admin/teams", {"code": "field", "name": "Field service"})

    again = admin.post("/console/admin/teams", {"code": "field", "name": "Field again"})

    assert again.status_code == 422
    assert "团队代码 field 已被占用" in again.text


def test_language_follows_the_person_to_another_device(console) -> None:
    desktop: Console = console("finance")
    assert desktop.post("/console/language", {"language": "pt-BR"}).status_code == 303

    phone: Console = console("finance")  # a fresh browser: no language cookie

    assert "Quadro" in phone.get("/console/").text
    assert phone.client.cookies.get("reparo_console_lang") == "pt-BR"


def test_language_switch_with_a_forged_token_changes_nothing(console) -> None:
    person: Console = console("finance")
    forged = person.client.post(
        "/console/language", data={"language": "pt-BR", "csrf_token": "forged"}
    )

    assert forged.status_code == 403
    assert "Quadro" not in console("finance").get("/console/").text
