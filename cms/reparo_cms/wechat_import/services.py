"""Import runs: reading the account's published articles and bringing article pages in line.

Every news item of a publication is one page, keyed by (article id, position). A rerun changes
nothing unless WeChat's copy changed; a deleted item unpublishes its page; images are copied into
the image library (``images``) before the page's own transaction, so a slow image server never
holds database locks. One failing image or article is recorded on the run and the run goes on;
only a list WeChat will not give (after the client's one token renewal) ends it early.
"""

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatClientException

from reparo_cms.content.models import ArticlePage
from reparo_cms.wechat_import import accounts
from reparo_cms.wechat_import.article_html import image_urls, parse_public_page, to_rich_text
from reparo_cms.wechat_import.images import ImageCopier, ImageFailed
from reparo_cms.wechat_import.models import (
    MAX_RECORDED_ERRORS,
    ImportedArticle,
    ImportRun,
    PublishMode,
    RunKind,
    RunStatus,
    WeChatSource,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 20  # the most freepublish/batchget returns at once
LEASE = timedelta(minutes=10)
COUNTERS = (
    "list_pages_read",
    "articles_total",
    "articles_seen",
    "items_seen",
    "created",
    "updated",
    "unpublished",
    "unchanged",
    "skipped",
    "images_imported",
    "error_count",
    "errors",
)


@dataclass(frozen=True)
class ArticleItem:
    """One news item of a publication, or one article read from its public page."""

    article_id: str  # empty for an article imported by URL
    index: int | None  # position in the publication, from 1
    title: str
    author: str
    digest: str
    content: str
    cover_url: str
    source_url: str
    published_at: datetime | None
    update_time: int | None
    deleted: bool

    @property
    def label(self) -> str:
        return f"{self.article_id}#{self.index}" if self.article_id else self.source_url

    def fingerprint(self) -> str:
        fields = asdict(self)
        fields["published_at"] = self.published_at.isoformat() if self.published_at else None
        fields.pop("update_time")
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def items_of(article: dict[str, Any]) -> list[ArticleItem]:
    """The news items of one ``freepublish/batchget`` entry."""
    content = article.get("content") or {}
    created = content.get("create_time")
    published_at = datetime.fromtimestamp(int(created), UTC) if created else None
    return [
        ArticleItem(
            article_id=str(article["article_id"]),
            index=position,
            title=str(item.get("title") or ""),
            author=str(item.get("author") or ""),
            digest=str(item.get("digest") or ""),
            content=str(item.get("content") or ""),
            cover_url=str(item.get("thumb_url") or ""),
            source_url=str(item.get("url") or ""),
            published_at=published_at,
            update_time=int(article.get("update_time") or content.get("update_time") or 0),
            deleted=bool(item.get("is_deleted")),
        )
        for position, item in enumerate(content.get("news_item") or [], start=1)
    ]


class RunRecorder:
    """The run's counters and errors, written to its row after every article (progress)."""

    def __init__(self, run: ImportRun, *, holds_lease: bool = False) -> None:
        self.run = run
        self.holds_lease = holds_lease

    def add(self, counter: str, amount: int = 1) -> None:
        setattr(self.run, counter, getattr(self.run, counter) + amount)

    def error(self, where: str, message: str) -> None:
        self.run.error_count += 1
        if len(self.run.errors) < MAX_RECORDED_ERRORS:
            self.run.errors = [*self.run.errors, {"where": where[:300], "message": message[:500]}]
        logger.warning(
            "wechat_import.error",
            extra={"run_id": self.run.pk, "where": where[:300], "error": message[:500]},
        )

    def save(self) -> None:
        values = {name: getattr(self.run, name) for name in COUNTERS}
        ImportRun.objects.filter(pk=self.run.pk).update(**values)
        if self.holds_lease and self.run.source_id is not None:
            # Still working: keep the account's lease (unless the account was deleted meanwhile).
            WeChatSource.objects.filter(pk=self.run.source_id).update(
                lease_until=timezone.now() + LEASE
            )

    def finish(self, failure: str | None = None) -> ImportRun:
        if failure is not None:
            self.error(_("import"), failure)
            self.run.status = RunStatus.FAILED
        elif self.run.error_count:
            self.run.status = RunStatus.WITH_ERRORS
        else:
            self.run.status = RunStatus.SUCCEEDED
        self.run.finished_at = timezone.now()
        self.run.save()
        logger.info(
            "wechat_import.run_finished",
            extra={
                "run_id": self.run.pk,
                "status": self.run.status,
                "pages_created": self.run.created,
                "pages_updated": self.run.updated,
                "pages_unpublished": self.run.unpublished,
                "errors": self.run.error_count,
                "seconds": round((self.run.finished_at - self.run.started_at).total_seconds(), 1),
            },
        )
        return self.run


class ArticleImporter:
    """Brings one article page at a time in line with WeChat's copy of the article."""

    def __init__(
        self,
        recorder: RunRecorder,
        copier: ImageCopier,
        *,
        source: WeChatSource | None,
        index_page: Any,
        category: str,
        publish_mode: str,
    ) -> None:
        self.recorder = recorder
        self.copier = copier
        self.source = source
        self.index_page = index_page
        self.category = category
        self.publish_mode = publish_mode

    def import_item(self, item: ArticleItem) -> None:
        """Create, update, unpublish or leave the item's page; a failure is recorded, not raised."""
        self.recorder.add("items_seen")
        try:
            self._import(item)
        except Exception as failure:
            logger.exception("wechat_import.article_failed", extra={"article": item.label})
            self.recorder.error(item.label, f"{type(failure).__name__}: {failure}")

    def _import(self, item: ArticleItem) -> None:
        page = _existing_page(item)
        if item.deleted:
            self._withdraw(page)
            return
        record = ImportedArticle.objects.filter(page=page).first() if page else None
        fingerprint = item.fingerprint()
        if record and record.fingerprint == fingerprint and not record.missing_images:
            self.recorder.add("unchanged")
            return
        images, missing = self._copy_images(item)
        values = {
            "title": item.title.strip()[:255] or _("WeChat article"),
            "author": item.author[:80],
            "digest": item.digest[:400],
            "cover_id": images.get(item.cover_url),
            "original_published_at": item.published_at,
            "source_url": item.source_url[:1000],
            "body": json.dumps(
                [{"type": "paragraph", "value": to_rich_text(item.content, images)}]
            ),
        }
        if item.article_id:
            values |= {"wechat_article_id": item.article_id, "wechat_item_index": item.index}
        with transaction.atomic():
            if page is None:
                page = self._create(item, values)
                self.recorder.add("created")
            elif self._update(page, values):
                self.recorder.add("updated")
            else:
                self.recorder.add("unchanged")
            ImportedArticle.objects.update_or_create(
                page=page,
                defaults={
                    "source": self.source,
                    "fingerprint": fingerprint,
                    "update_time": item.update_time,
                    "missing_images": missing,
                    "deleted": False,
                    "imported_at": timezone.now(),
                },
            )

    def _copy_images(self, item: ArticleItem) -> tuple[dict[str, int], int]:
        """Copy the cover and every body image; returns address to image id, and how many
        failed (each recorded as an error)."""
        copied: dict[str, int] = {}
        missing = 0
        urls = [url for url in [item.cover_url, *image_urls(item.content)] if url]
        for number, url in enumerate(dict.fromkeys(urls), start=1):
            try:
                result = self.copier.copy(url, f"{item.title[:200]} · {number}")
            except ImageFailed as failure:
                missing += 1
                self.recorder.error(f"{item.label} image {number}", str(failure))
                continue
            copied[url] = result.image_id
            if result.new:
                self.recorder.add("images_imported")
        return copied, missing

    def _create(self, item: ArticleItem, values: dict[str, Any]) -> ArticlePage:
        page = ArticlePage(slug=_slug(item), category=self.category, live=False, **values)
        # The article's own date, not the import's, orders it among the others.
        page.first_published_at = item.published_at
        self.index_page.add_child(instance=page)
        revision = page.save_revision(log_action=True)
        if self.publish_mode == PublishMode.PUBLISH:
            revision.publish()
        logger.info("wechat_import.page_created", extra={"page_id": page.pk, "article": item.label})
        return page

    def _update(self, page: ArticlePage, values: dict[str, Any]) -> bool:
        """A new revision when WeChat's copy differs from the page's latest one; it goes live
        only when the page is live and the account publishes what it imports."""
        latest = page.get_latest_revision_as_object()
        if "wechat_article_id" in values:
            # The key lives on the page row at once, draft or not, so the next run finds it.
            identity = {name: values[name] for name in ("wechat_article_id", "wechat_item_index")}
            ArticlePage.objects.filter(pk=page.pk).update(**identity)
        if _same_content(latest, values):
            return False
        for name, value in values.items():
            setattr(latest, name, value)
        revision = latest.save_revision(log_action=True)
        if page.live and self.publish_mode == PublishMode.PUBLISH:
            revision.publish()
        logger.info("wechat_import.page_updated", extra={"page_id": page.pk})
        return True

    def _withdraw(self, page: ArticlePage | None) -> None:
        if page is None:
            self.recorder.add("skipped")
            return
        with transaction.atomic():
            ImportedArticle.objects.filter(page=page).update(deleted=True)
            if not page.live:
                self.recorder.add("unchanged")
                return
            page.unpublish(log_action="wagtail.unpublish")
        self.recorder.add("unpublished")
        logger.info("wechat_import.page_unpublished", extra={"page_id": page.pk})


def _existing_page(item: ArticleItem) -> ArticlePage | None:
    """The item's page; else one an editor imported by URL before the account's import ran."""
    pages = ArticlePage.objects.all()
    if item.article_id:
        page = pages.filter(wechat_article_id=item.article_id, wechat_item_index=item.index)
        if found := page.first():
            return found
        pages = pages.filter(wechat_article_id="")
    same_address = Q(source_url=item.source_url) if item.source_url else Q(pk__in=[])
    same_article = Q(title=item.title.strip(), original_published_at=item.published_at)
    if item.published_at is None:
        same_article = Q(pk__in=[])
    return pages.filter(same_address | same_article).order_by("pk").first()


def _same_content(page: ArticlePage, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(page, name)
        if name == "body":
            current = json.dumps([{"type": b.block_type, "value": b.value.source} for b in current])
        if current != value:
            return False
    return True


def _slug(item: ArticleItem) -> str:
    key = item.article_id or item.source_url
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"wx-{digest}-{item.index}" if item.article_id else f"wx-url-{digest}"


def http_client() -> httpx.Client:
    """Plain requests without a Referer, which WeChat's image servers require."""
    return httpx.Client(
        timeout=settings.WECHAT_IMPORT_TIMEOUT_SECONDS,
        follow_redirects=False,
        headers={"User-Agent": "Reparo-cms-import/1"},
    )


def _importer(source: WeChatSource, recorder: RunRecorder, http: httpx.Client) -> ArticleImporter:
    return ArticleImporter(
        recorder,
        ImageCopier(http),
        source=source,
        index_page=source.article_index,
        category=source.category,
        publish_mode=source.publish_mode,
    )


def published_articles(client: Any, recorder: RunRecorder) -> Iterator[dict[str, Any]]:
    """Every published article, newest first, one list page of ``PAGE_SIZE`` at a time.

    An article published while the run pages through shifts the list by one, so an article can
    come twice (harmless) or, at a page boundary, be missed until the next run.
    """
    offset = 0
    while True:
        answer = client.freepublish.batchget(offset, PAGE_SIZE)
        articles = answer.get("item") or []
        recorder.add("list_pages_read")
        recorder.run.articles_total = int(answer.get("total_count") or 0)
        recorder.save()
        yield from articles
        offset += len(articles)
        if not articles or offset >= recorder.run.articles_total:
            return


def execute_run(run: ImportRun, client: Any = None, *, holds_lease: bool = False) -> ImportRun:
    """Import every published article of the run's account; the run row records the outcome.

    ``holds_lease``: the caller took the account's lease, which the run renews as it goes.
    """
    source = run.source
    assert source is not None, "an account import always has its account"
    recorder = RunRecorder(run, holds_lease=holds_lease)
    try:
        client = client or accounts.client_for(source.appid)
    except LookupError as failure:
        return recorder.finish(str(failure))
    logger.info("wechat_import.run_started", extra={"run_id": run.pk, "appid": source.appid})
    with http_client() as http:
        importer = _importer(source, recorder, http)
        try:
            for article in published_articles(client, recorder):
                recorder.add("articles_seen")
                for item in items_of(article):
                    importer.import_item(item)
                recorder.save()
        except (WeChatClientException, httpx.HTTPError, OSError) as failure:
            return recorder.finish(
                _("WeChat did not give the article list: %(error)s") % {"error": failure}
            )
    return recorder.finish()


def import_account(
    source: WeChatSource, *, kind: str = RunKind.REQUESTED, actor: Any = None, client: Any = None
) -> ImportRun:
    """Run an import of ``source`` now, in this process (tests, benchmarks, the worker)."""
    run = ImportRun.objects.create(source=source, kind=kind, requested_by=actor)
    return execute_run(run, client)


def request_import(source: WeChatSource, actor: Any) -> ImportRun:
    """Queue an import the worker starts at its next check (within a minute).

    A run already queued for the account is returned instead of a second one.
    """
    queued = source.runs.filter(status=RunStatus.QUEUED).first()
    if queued is not None:
        return queued
    run = ImportRun.objects.create(
        source=source, kind=RunKind.REQUESTED, status=RunStatus.QUEUED, requested_by=actor
    )
    logger.info("wechat_import.run_requested", extra={"run_id": run.pk, "actor_id": actor.pk})
    return run


def check_article_url(url: str) -> str:
    """The address, if it is a WeChat article page the importer may fetch; else ValidationError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter the article's full address, starting with https://."))
    if parts.hostname not in settings.WECHAT_IMPORT_ARTICLE_HOSTS:
        raise ValidationError(
            _("Only WeChat article pages can be imported (%(hosts)s).")
            % {"hosts": ", ".join(settings.WECHAT_IMPORT_ARTICLE_HOSTS)}
        )
    return url.strip().split("#", 1)[0]


def import_by_url(
    source: WeChatSource,
    url: str,
    *,
    actor: Any,
    category: str | None = None,
    publish_mode: str | None = None,
) -> ImportRun:
    """Import the single article at ``url`` (its public page) into ``source``'s article index.

    The address is checked first (``ValidationError``, nothing recorded). The run is recorded
    whatever happens next; a page already imported for the same article is updated, not doubled.
    """
    url = check_article_url(url)
    run = ImportRun.objects.create(source=source, kind=RunKind.URL, url=url, requested_by=actor)
    recorder = RunRecorder(run)
    with http_client() as http:
        try:
            response = http.get(url)
            response.raise_for_status()
            article = parse_public_page(response.text)
        except (httpx.HTTPError, ValueError) as failure:
            return recorder.finish(
                _("The article page could not be read: %(error)s") % {"error": failure}
            )
        importer = ArticleImporter(
            recorder,
            ImageCopier(http),
            source=source,
            index_page=source.article_index,
            category=category or source.category,
            publish_mode=publish_mode or source.publish_mode,
        )
        recorder.add("articles_seen")
        importer.import_item(
            ArticleItem(
                article_id="",
                index=None,
                title=article.title,
                author=article.author,
                digest=article.digest,
                content=article.content,
                cover_url=article.cover_url,
                source_url=url,
                published_at=article.published_at,
                update_time=None,
                deleted=False,
            )
        )
    return recorder.finish()


def run_due_imports(client_factory: Any = None) -> list[ImportRun]:
    """The worker's job: queued runs first, then accounts whose schedule is due.

    Each account is leased while its import runs, so overlapping jobs on several workers never
    import one account twice at once. ``client_factory(appid)`` overrides the WeChat client.
    """
    finished = []
    for run in ImportRun.objects.filter(status=RunStatus.QUEUED).select_related("source"):
        if run.source is None:
            RunRecorder(run).finish(_("The account was removed before the import started."))
        elif _take_lease(run.source):
            finished.append(_run_leased(run, client_factory))
    now = timezone.now()
    due = WeChatSource.objects.filter(schedule_enabled=True, next_run_at__lte=now)
    for source in due:
        if _take_lease(source):
            run = ImportRun.objects.create(source=source, kind=RunKind.SCHEDULED)
            finished.append(_run_leased(run, client_factory))
    return finished


def _run_leased(run: ImportRun, client_factory: Any) -> ImportRun:
    source = run.source
    assert source is not None
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    try:
        client = client_factory(source.appid) if client_factory else None
        return execute_run(run, client, holds_lease=True)
    finally:
        next_run = run.started_at + source.interval()
        WeChatSource.objects.filter(pk=source.pk).update(lease_until=None, next_run_at=next_run)


def _take_lease(source: WeChatSource) -> bool:
    """Claim the account for one import; a lease left by a stopped worker expires."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = WeChatSource.objects.filter(free, pk=source.pk).update(lease_until=now + LEASE) == 1
    if taken:
        # An account import still marked running under an expired lease lost its worker.
        stale = ImportRun.objects.filter(source=source, status=RunStatus.RUNNING).exclude(
            kind=RunKind.URL
        )
        stale.update(status=RunStatus.FAILED, finished_at=now)
    return taken
