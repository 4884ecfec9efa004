"""A newcomer seeding the demo."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from reparo_cms.content.models import ArticlePage, ProductPage
from reparo_cms.wechat_import.models import WeChatSource


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_newcomer_gets_an_editor_with_printed_password_and_demo_pages(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CMS_ADMIN_PASSWORD", raising=False)

    output = seed()

    password = output.split("password: ")[1].split()[0]
    editor = get_user_model().objects.get(username="editor")
    assert editor.check_password(password)
    assert editor.is_superuser
    assert ArticlePage.objects.live().count() == 2
    assert ProductPage.objects.live().get().pn_list() == ["RP-100", "RP-100-PRO"]


def test_seeding_again_changes_nothing(db: None) -> None:
    seed()

    output = seed()

    assert "already present" in output
    assert "password unchanged" in output
    assert ArticlePage.objects.count() == 2


def test_editor_signs_in_to_the_admin_with_the_seeded_password(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMS_ADMIN_PASSWORD", "demo-password-for-test")
    seed()
    client = Client(HTTP_HOST="localhost")

    response = client.post(
        "/cms/admin/login/", {"username": "editor", "password": "demo-password-for-test"}
    )

    assert response.status_code == 302
    assert client.get("/cms/admin/").status_code == 200


def test_the_services_own_account_is_added_for_import_once(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_APPID", "wxdemo0001")

    first = seed()
    seed()

    assert "account wxdemo0001 added" in first
    source = WeChatSource.objects.get()
    assert source.appid == "wxdemo0001"
    assert not source.schedule_enabled
