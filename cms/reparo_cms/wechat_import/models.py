"""What the import keeps: the accounts and their schedules, each run, and what it already copied."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo_cms.content.models import ArticleCategory

# Errors kept per run; a run failing on every article still records how many failed in all.
MAX_RECORDED_ERRORS = 200


class PublishMode(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    DRAFT = "draft", _("Save as draft")


class WeChatSource(models.Model):
    """An official account whose published articles become article pages, and its schedule.

    Only the AppID is stored; the secret for it comes from the server's environment
    (``WECHAT_APPID``/``WECHAT_SECRET`` or ``CMS_WECHAT_IMPORT_ACCOUNTS``).
    """

    name = models.CharField(_("name"), max_length=100)
    appid = models.CharField(
        _("AppID"),
        max_length=32,
        unique=True,
        help_text=_(
            "The official account's AppID. Its secret is configured on the server, never here."
        ),
    )
    article_index = models.ForeignKey(
        "content.ArticleIndexPage",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("article index"),
        help_text=_("Imported articles are added below this page."),
    )
    category = models.CharField(
        _("category"),
        max_length=32,
        choices=ArticleCategory.choices,
        default=ArticleCategory.ACCOUNT_HISTORY,
    )
    publish_mode = models.CharField(
        _("imported pages"), max_length=10, choices=PublishMode.choices, default=PublishMode.PUBLISH
    )
    schedule_enabled = models.BooleanField(_("import on a schedule"), default=False)
    interval_minutes = models.PositiveIntegerField(
        _("interval (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)],
    )
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True, editable=False)
    # Held by the worker running this account's import, so two workers never import it at once.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("WeChat account")
        verbose_name_plural = _("WeChat accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.appid})"

    def clean(self) -> None:
        super().clean()
        from reparo_cms.wechat_import.accounts import has_credentials

        if self.appid and not has_credentials(self.appid):
            raise ValidationError(
                {
                    "appid": _(
                        "The server has no secret for this AppID. Set WECHAT_APPID and "
                        "WECHAT_SECRET (or CMS_WECHAT_IMPORT_ACCOUNTS) in its environment."
                    )
                }
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.schedule_enabled and self.next_run_at is None:
            self.next_run_at = timezone.now()
        super().save(*args, **kwargs)

    def interval(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)


class RunKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    REQUESTED = "requested", _("Started by an editor")
    URL = "url", _("One article by URL")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    WITH_ERRORS = "with_errors", _("Finished with errors")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """One import: what it saw, what it changed, what failed, and how long it took.

    The worker updates the counters after every article, so the admin shows progress while it runs.
    """

    source = models.ForeignKey(
        WeChatSource,
        null=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RunKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    url = models.URLField(_("article URL"), max_length=1000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    list_pages_read = models.PositiveIntegerField(_("list pages read"), default=0)
    articles_total = models.PositiveIntegerField(_("articles published"), null=True, blank=True)
    articles_seen = models.PositiveIntegerField(_("articles read"), default=0)
    items_seen = models.PositiveIntegerField(_("items read"), default=0)
    created = models.PositiveIntegerField(_("pages created"), default=0)
    updated = models.PositiveIntegerField(_("pages updated"), default=0)
    unpublished = models.PositiveIntegerField(_("pages unpublished"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("deleted before import"), default=0)
    images_imported = models.PositiveIntegerField(_("images imported"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("error details"), default=list, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    def duration(self) -> timedelta | None:
        """How long the run took, or has been running; whole seconds."""
        end = self.finished_at or (timezone.now() if self.status == RunStatus.RUNNING else None)
        if end is None:
            return None
        return timedelta(seconds=round((end - self.started_at).total_seconds()))

    duration.short_description = _("duration")  # type: ignore[attr-defined]

    def progress(self) -> str:
        """Articles read out of those published, as far as WeChat has told us the total."""
        if self.articles_total is None:
            return str(self.articles_seen)
        return f"{self.articles_seen} / {self.articles_total}"

    progress.short_description = _("progress")  # type: ignore[attr-defined]


class ImportedArticle(models.Model):
    """What an article page was last imported from, so a rerun can tell what changed."""

    page = models.OneToOneField(
        "content.ArticlePage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="wechat_import",
    )
    source = models.ForeignKey(
        WeChatSource, null=True, on_delete=models.SET_NULL, related_name="imported_articles"
    )
    fingerprint = models.CharField(max_length=64)
    update_time = models.BigIntegerField(null=True, blank=True)
    # Images that failed last time: the next run tries the article again even when unchanged.
    missing_images = models.PositiveIntegerField(default=0)
    deleted = models.BooleanField(default=False)
    imported_at = models.DateTimeField(default=timezone.now)


class ImportedImage(models.Model):
    """A WeChat image URL already copied into the image library (keyed by the URL's hash)."""

    url_hash = models.CharField(max_length=64, unique=True)
    url = models.TextField()
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)
