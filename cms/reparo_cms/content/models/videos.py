"""Training videos in a two-level category tree.

Categories are pages rather than snippets: the tree, its ordering, drafts, previews and the
``child_of``/``descendant_of`` API filters come with Wagtail's page tree, and the gateway lists
a category and its videos with the same pages endpoint it uses for everything else. A first-level
category sits under the video index; a second-level one under a first-level one, and no deeper.
"""

# Field annotations name django-stubs' generic fields, which exist only for the type checker.
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.images.models import Image
from wagtail.models import Page
from wagtail.search import index

from reparo_cms.content.api_fields import DocumentField, PhoneImageField, RichTextHTMLField
from reparo_cms.content.models.base import HeadlessPage
from reparo_cms.content.models.documents import ContentDocument
from reparo_cms.content.search import index_text


class VideoIndexPage(HeadlessPage):
    """Root of the video categories."""

    intro: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)

    content_panels = [*HeadlessPage.content_panels, "intro"]

    api_fields = [*HeadlessPage.api_fields, APIField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.VideoCategoryPage"]

    class Meta:
        verbose_name = _("video index")


class VideoCategoryPage(HeadlessPage):
    """A first- or second-level video category."""

    description: models.TextField[str, str] = models.TextField(_("description"), blank=True)
    icon: models.ForeignKey[Image | None] = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    content_panels = [*HeadlessPage.content_panels, "description", "icon"]

    api_fields = [
        *HeadlessPage.api_fields,
        APIField("level"),
        APIField("description"),
        APIField("icon", serializer=PhoneImageField()),
    ]

    api_image_fields = ["icon"]

    parent_page_types = ["content.VideoIndexPage", "content.VideoCategoryPage"]
    subpage_types = ["content.VideoCategoryPage", "content.VideoPage"]

    class Meta:
        verbose_name = _("video category")

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        if not super().can_create_at(parent):
            return False
        parent = parent.specific
        return not (
            isinstance(parent, VideoCategoryPage)
            and isinstance(parent.get_parent().specific, VideoCategoryPage)
        )

    def level(self) -> int:
        """1 for a category under the video index, 2 for one under another category."""
        return 2 if isinstance(self.get_parent().specific, VideoCategoryPage) else 1


class VideoPage(HeadlessPage):
    """A video: an uploaded file or an external address, with a poster and notes."""

    video_file: models.ForeignKey[ContentDocument | None] = models.ForeignKey(
        "content.ContentDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("video file"),
    )
    external_url: models.URLField[str, str] = models.URLField(
        _("external video URL"), max_length=1000, blank=True
    )
    poster: models.ForeignKey[Image | None] = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Typed by the editor: nothing reads the duration from the uploaded file (that would take
    # ffprobe on the cms hosts and a read of the whole file from the object store), so a wrong
    # figure shows in the lists until the editor corrects it.
    duration_seconds: models.PositiveIntegerField[int | None, int | None] = (
        models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    )
    notes = RichTextField(_("notes"), blank=True)

    content_panels = [
        *HeadlessPage.content_panels,
        "video_file",
        "external_url",
        "poster",
        "duration_seconds",
        FieldPanel("notes"),
    ]

    search_fields = [*HeadlessPage.search_fields, index.SearchField("search_text")]

    api_fields = [
        *HeadlessPage.api_fields,
        APIField("video_url"),
        APIField("video_file", serializer=DocumentField()),
        APIField("external_url"),
        APIField("poster", serializer=PhoneImageField()),
        APIField("duration_seconds"),
        APIField("notes", serializer=RichTextHTMLField()),
        APIField("category"),
    ]

    api_image_fields = ["poster"]

    parent_page_types = ["content.VideoCategoryPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("video")

    def clean(self) -> None:
        super().clean()
        if bool(self.video_file_id) == bool(self.external_url):
            raise ValidationError(_("Give either an uploaded video file or an external URL."))

    def video_url(self) -> str:
        """Where the player loads the video from, whichever way it was given."""
        return self.video_file.url if self.video_file else self.external_url

    def category(self) -> dict[str, Any]:
        parent = self.get_parent().specific
        return {"id": parent.pk, "title": parent.title}

    def search_text(self) -> str:
        return index_text([self.title, self.notes])
