"""The site's root page."""

# Field annotations name django-stubs' generic fields, which exist only for the type checker.
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.images.models import Image
from wagtail.search import index

from reparo_cms.content.api_fields import PhoneImageField
from reparo_cms.content.blocks import BodyBlock
from reparo_cms.content.models.base import HeadlessPage


class HomePage(HeadlessPage):
    """The landing page: a banner, an introduction and free body blocks."""

    banner: models.ForeignKey[Image | None] = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    intro: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [*HeadlessPage.content_panels, "banner", "intro", FieldPanel("body")]

    search_fields = [*HeadlessPage.search_fields, index.SearchField("intro")]

    api_fields = [
        *HeadlessPage.api_fields,
        APIField("banner", serializer=PhoneImageField()),
        APIField("intro"),
        APIField("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "content.ArticleIndexPage",
        "content.VideoIndexPage",
        "content.SoftwareIndexPage",
        "content.ProductIndexPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
