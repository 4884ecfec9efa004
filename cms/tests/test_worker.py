"""The cms worker: scheduled publishing and scheduled imports on the run-once scheduler."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from wagtail.models import PageLogEntry, Revision

from reparo_cms import worker
from reparo_cms.content.models import ArticleIndexPage, ArticlePage
from reparo_cms.content.publishing import publish_due_pages
from reparo_cms.wechat_import.models import ImportRun, RunKind, RunStatus, WeChatSource
from reparo_cms.wechat_import.services import request_import, run_due_imports
from reparo_shared.scheduler.django_claims.models import ScheduledJobRun
from reparo_shared.wechat.testing import RunningSandbox

NOON = datetime(2026, 12, 3, 12, 0, 30, tzinfo=UTC)


def scheduled_article(make_article: Callable[..., ArticlePage], go_live_at: datetime) -> Revision:
    """A draft whose publication an editor scheduled; the go-live time is then moved to
    ``go_live_at`` (in the past), as if the worker had been away until now."""
    page = make_article("定时发布的文章")
    page.unpublish()
    page.go_live_at = timezone.now() + timedelta(hours=1)
    revision = page.save_revision()
    revision.publish()
    revision.refresh_from_db()
    revision.content["go_live_at"] = go_live_at.isoformat()
    revision.approved_go_live_at = go_live_at
    revision.save(update_fields=["content", "approved_go_live_at"])
    return revision


def in_parallel(*jobs: Callable[[], Any]) -> None:
    """Start the jobs at the same moment on their own threads (and database connections).

    On SQLite they run one after the other: its in-memory test database locks whole tables
    between connections and fails a second writer at once instead of letting it wait. The
    PostgreSQL run (CI) races them for real.
    """
    if connection.vendor == "sqlite":
        for job in jobs:
            job()
        return
    start = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        start.wait()
        try:
            job()
        except BaseException as failure:
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_publish_a_due_page_exactly_once(
    make_article: Callable[..., ArticlePage],
) -> None:
    revision = scheduled_article(make_article, go_live_at=timezone.now() - timedelta(minutes=5))
    page_id = int(revision.object_id)
    assert not ArticlePage.objects.get(pk=page_id).live
    first, second = worker.publishing_scheduler("a"), worker.publishing_scheduler("b")

    in_parallel(lambda: first.run_pending(NOON), lambda: second.run_pending(NOON))

    page = ArticlePage.objects.get(pk=page_id)
    assert page.live
    assert page.live_revision_id == revision.pk
    claims = ScheduledJobRun.objects.filter(job_name="cms.publish_scheduled")
    assert claims.count() == 1
    assert claims.get().finished_at is not None
    assert claims.get().error is None
    published = PageLogEntry.objects.filter(page_id=page_id, action="wagtail.publish.scheduled")
    assert published.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_runs_of_the_job_do_not_publish_twice(
    make_article: Callable[..., ArticlePage],
) -> None:
    revision = scheduled_article(make_article, go_live_at=timezone.now() - timedelta(minutes=1))

    in_parallel(publish_due_pages, publish_due_pages)

    page_id = int(revision.object_id)
    published = PageLogEntry.objects.filter(page_id=page_id, action="wagtail.publish.scheduled")
    assert published.count() == 1
    assert publish_due_pages().published == 0


@pytest.mark.django_db
def test_expired_page_is_unpublished_and_a_future_one_waits(
    make_article: Callable[..., ArticlePage],
) -> None:
    expired = make_article("过期的文章")
    ArticlePage.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - timedelta(1))
    later = scheduled_article(make_article, go_live_at=timezone.now() + timedelta(hours=2))

    result = publish_due_pages()

    assert (result.published, result.unpublished) == (0, 1)
    expired.refresh_from_db()
    assert not expired.live
    assert expired.expired
    assert not ArticlePage.objects.get(pk=int(later.object_id)).live


@pytest.fixture
def wechat_env(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """The worker makes its own WeChat clients from the environment: point them at the sandbox."""
    from reparo_cms.wechat_import import accounts

    monkeypatch.setenv("WECHAT_API_BASE", sandbox.base_url)
    monkeypatch.setattr(accounts, "_clients", {})
    sandbox.control("POST", "/sandbox/freepublish/seed", json={"count": 5})
    return sandbox


@pytest.mark.django_db
def test_worker_job_imports_an_account_whose_schedule_is_due_once_per_interval(
    wechat_env: RunningSandbox, article_index: ArticleIndexPage
) -> None:
    source = WeChatSource.objects.create(
        name="服务号",
        appid=wechat_env.appid,
        article_index=article_index,
        schedule_enabled=True,
        interval_minutes=30,
    )
    scheduler = worker.import_scheduler("a")

    ran = scheduler.run_pending(NOON)
    scheduler.run_pending(NOON + timedelta(minutes=1))

    assert ran == ["cms.wechat_import"]
    run = ImportRun.objects.get()
    assert (run.kind, run.created, run.articles_seen) == (RunKind.SCHEDULED, 7, 5)
    source.refresh_from_db()
    assert source.next_run_at == run.started_at + timedelta(minutes=30)
    assert source.lease_until is None


@pytest.mark.django_db
def test_import_an_editor_queues_runs_at_the_workers_next_check(
    wechat_env: RunningSandbox, article_index: ArticleIndexPage, django_user_model: Any
) -> None:
    editor = django_user_model.objects.create_user("ed", password="x")
    source = WeChatSource.objects.create(
        name="服务号", appid=wechat_env.appid, article_index=article_index
    )

    queued = request_import(source, editor)
    again = request_import(source, editor)
    finished = run_due_imports()

    assert again.pk == queued.pk
    assert [run.pk for run in finished] == [queued.pk]
    queued.refresh_from_db()
    assert queued.status == RunStatus.WITH_ERRORS  # article 2's image fails
    assert queued.requested_by == editor
    assert queued.created == 7
    assert run_due_imports() == []  # nothing queued, no schedule


@pytest.mark.django_db
def test_an_account_leased_by_another_worker_is_left_alone(
    wechat_env: RunningSandbox, article_index: ArticleIndexPage
) -> None:
    source = WeChatSource.objects.create(
        name="服务号",
        appid=wechat_env.appid,
        article_index=article_index,
        schedule_enabled=True,
        lease_until=timezone.now() + timedelta(minutes=5),
    )

    assert run_due_imports() == []
    assert not ImportRun.objects.filter(source=source).exists()
