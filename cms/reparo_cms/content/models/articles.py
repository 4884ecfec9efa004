"""Articles in the seven categories, and the index page that holds them."""

# Field annotations name django-stubs' generic fields, which exist only for the type checker.
from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.images.models import Image
from wagtail.search import index

from reparo_cms.content.api_fields import PhoneImageField
from reparo_cms.content.blocks import BodyBlock
from reparo_cms.content.models.base import HeadlessPage
from reparo_cms.content.search import index_text


class ArticleCategory(models.TextChoices):
    """The seven categories (labels translated in ``reparo_cms/locale``)."""

    APP_PROMOTION = "app_promotion", _("App promotion copy")
    APPLICATION_SCENARIOS = "application_scenarios", _("Application scenarios")
    LITTLE_KNOWN_TIPS = "little_known_tips", _("Little-known tips")
    TECHNOLOGY_CASES = "technology_cases", _("Technology application cases")
    INDUSTRY_PLANS = "industry_plans", _("Industry promotion plans")
    LARGE_SCALE_PROCESSING = "large_scale_processing", _("Large-scale processing solutions")
    ACCOUNT_HISTORY = "account_history", _("Official account history")


class ArticleIndexPage(HeadlessPage):
    """Holds every article; the gateway lists them by category through the API."""

    intro: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)

    content_panels = [*HeadlessPage.content_panels, "intro"]

    api_fields = [*HeadlessPage.api_fields, APIField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.ArticlePage"]

    class Meta:
        verbose_name = _("article index")


class ArticlePage(HeadlessPage):
    """An article, written here or imported from the official account."""

    category: models.CharField[str, str] = models.CharField(
        _("category"), max_length=32, choices=ArticleCategory.choices, db_index=True
    )
    digest: models.TextField[str, str] = models.TextField(_("digest"), blank=True, max_length=400)
    cover: models.ForeignKey[Image | None] = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author: models.CharField[str, str] = models.CharField(_("author"), max_length=80, blank=True)
    original_published_at: models.DateTimeField[datetime | None, datetime | None] = (
        models.DateTimeField(_("originally published at"), null=True, blank=True)
    )
    source_url: models.URLField[str, str] = models.URLField(
        _("source URL"), max_length=1000, blank=True
    )
    wechat_article_id: models.CharField[str, str] = models.CharField(
        _("WeChat article id"), max_length=128, blank=True
    )
    wechat_item_index: models.PositiveSmallIntegerField[int | None, int | None] = (
        models.PositiveSmallIntegerField(
            _("position in the WeChat publication"), null=True, blank=True
        )
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *HeadlessPage.content_panels,
        "category",
        "digest",
        "cover",
        "author",
        FieldPanel("body"),
        MultiFieldPanel(
            ["original_published_at", "source_url", "wechat_article_id", "wechat_item_index"],
            heading=_("Origin"),
        ),
    ]

    search_fields = [
        *HeadlessPage.search_fields,
        index.SearchField("search_text"),
        index.FilterField("category"),
        index.FilterField("original_published_at"),
    ]

    api_fields = [
        *HeadlessPage.api_fields,
        APIField("category"),
        APIField("category_label"),
        APIField("digest"),
        APIField("cover", serializer=PhoneImageField()),
        APIField("author"),
        APIField("original_published_at"),
        APIField("source_url"),
        APIField("wechat_article_id"),
        APIField("wechat_item_index"),
        APIField("body"),
    ]

    api_image_fields = ["cover"]

    parent_page_types = ["content.ArticleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        constraints = [
            # One page per imported WeChat article, so imports can run again safely.
            models.UniqueConstraint(
                fields=["wechat_article_id", "wechat_item_index"],
                condition=~models.Q(wechat_article_id=""),
                name="content_articlepage_unique_wechat_item",
            )
        ]

    def category_label(self) -> str:
        return str(ArticleCategory(self.category).label) if self.category else ""

    def search_text(self) -> str:
        body_text = self._meta.get_field("body").get_searchable_content(self.body)
        return index_text([self.title, self.digest, self.author, *body_text])
