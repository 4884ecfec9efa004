"""Editors in the Wagtail admin: accounts, queued imports, import by URL, runs and progress."""

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from reparo_cms.content.models import ArticleIndexPage, ArticlePage
from reparo_cms.wechat_import.models import ImportRun, RunKind, RunStatus, WeChatSource
from reparo_shared.wechat.testing import RunningSandbox

ADMIN = "/cms/admin/wechat-import"


@pytest.fixture
def editor_client(client: Client, django_user_model: Any) -> Client:
    django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.login(username="editor", password="pw")
    return client


@pytest.fixture
def account(sandbox: RunningSandbox, article_index: ArticleIndexPage) -> WeChatSource:
    return WeChatSource.objects.create(
        name="Reparo 服务号", appid=sandbox.appid, article_index=article_index
    )


def test_editor_adds_an_account_and_a_wrong_appid_is_refused(
    editor_client: Client, sandbox: RunningSandbox, article_index: ArticleIndexPage
) -> None:
    form = {
        "name": "服务号",
        "article_index": article_index.pk,
        "category": "account_history",
        "publish_mode": "publish",
        "schedule_enabled": "on",
        "interval_minutes": "60",
    }

    refused = editor_client.post(f"{ADMIN}/accounts/new/", {**form, "appid": "wx-nobody"})
    added = editor_client.post(f"{ADMIN}/accounts/new/", {**form, "appid": sandbox.appid})

    assert refused.status_code == 200
    assert "WECHAT_SECRET" in refused.content.decode()
    assert added.status_code == 302
    source = WeChatSource.objects.get()
    assert source.appid == sandbox.appid
    assert source.next_run_at is not None  # due at once, then every hour


def test_import_now_queues_a_run_the_editor_can_watch(
    editor_client: Client, account: WeChatSource
) -> None:
    listing = editor_client.get(f"{ADMIN}/accounts/")
    confirm = editor_client.get(f"{ADMIN}/accounts/{account.pk}/import/")

    queued = editor_client.post(f"{ADMIN}/accounts/{account.pk}/import/", follow=True)

    assert f"{ADMIN}/accounts/{account.pk}/import/" in listing.content.decode()
    assert confirm.status_code == 200
    run = ImportRun.objects.get()
    assert (run.status, run.kind) == (RunStatus.QUEUED, RunKind.REQUESTED)
    page = queued.content.decode()
    assert queued.redirect_chain[-1][0] == f"{ADMIN}/runs/inspect/{run.pk}/"
    assert "window.location.reload" in page  # refreshes itself until the run ends


def test_import_by_url_from_the_admin_creates_the_page_and_shows_the_run(
    editor_client: Client, account: WeChatSource, sandbox: RunningSandbox
) -> None:
    sandbox.control("POST", "/sandbox/freepublish/seed", json={"count": 3})
    url = f"{sandbox.base_url}/s/art003?idx=1"

    answer = editor_client.post(
        f"{ADMIN}/import-by-url/",
        {"url": url, "source": account.pk, "category": "little_known_tips", "publish_mode": ""},
        follow=True,
    )

    page = ArticlePage.objects.get(source_url=url)
    assert page.category == "little_known_tips"
    assert page.live
    run = ImportRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    text = answer.content.decode()
    assert answer.redirect_chain[-1][0] == f"{ADMIN}/runs/inspect/{run.pk}/"
    assert "window.location.reload" not in text


def test_import_by_url_of_another_site_is_refused_in_the_form(
    editor_client: Client, account: WeChatSource
) -> None:
    answer = editor_client.post(
        f"{ADMIN}/import-by-url/", {"url": "http://10.0.0.1/admin", "source": account.pk}
    )

    assert answer.status_code == 200
    assert answer.context["form"].errors["url"]
    assert not ImportRun.objects.exists()


def test_runs_list_and_detail_show_counts_and_errors_and_cannot_be_edited(
    editor_client: Client, account: WeChatSource
) -> None:
    run = ImportRun.objects.create(
        source=account,
        kind=RunKind.SCHEDULED,
        status=RunStatus.WITH_ERRORS,
        articles_total=45,
        articles_seen=45,
        created=59,
        error_count=1,
        errors=[{"where": "art002#1 image 2", "message": "HTTP 404 for host/mmbiz_png/x/0"}],
    )

    listing = editor_client.get(f"{ADMIN}/runs/").content.decode()
    detail = editor_client.get(f"{ADMIN}/runs/inspect/{run.pk}/").content.decode()

    assert "45 / 45" in listing
    assert "art002#1 image 2" in detail
    assert "HTTP 404" in detail
    assert editor_client.get(f"{ADMIN}/runs/new/").status_code in (302, 403)
    assert editor_client.get(f"{ADMIN}/runs/edit/{run.pk}/").status_code in (302, 403)


def test_editor_without_the_account_permission_cannot_start_imports(
    client: Client, django_user_model: Any, account: WeChatSource
) -> None:
    reader = django_user_model.objects.create_user("reader", password="pw")
    group = Group.objects.create(name="Readers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    reader.groups.add(group)
    client.login(username="reader", password="pw")

    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    assert client.get(f"{ADMIN}/import-by-url/").status_code in (302, 403)
    assert client.post(f"{ADMIN}/accounts/{account.pk}/import/").status_code in (302, 403)
    assert not ImportRun.objects.exists()
