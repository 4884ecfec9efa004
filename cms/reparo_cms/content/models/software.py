"""Software downloads: a page per software item, with its versions inline."""

# Field annotations name django-stubs' generic fields, which exist only for the type checker.
from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from reparo_cms.content.api_fields import DocumentField, PageSummaryListField, RichTextHTMLField
from reparo_cms.content.files import refuse_stored_page_or_script
from reparo_cms.content.models.base import HeadlessPage
from reparo_cms.content.models.documents import ContentDocument
from reparo_cms.content.search import index_text
from reparo_cms.media import read_range

if TYPE_CHECKING:
    from reparo_cms.content.models.products import ProductPage


class SoftwareIndexPage(HeadlessPage):
    """Holds every software page."""

    intro: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)

    content_panels = [*HeadlessPage.content_panels, "intro"]

    api_fields = [*HeadlessPage.api_fields, APIField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.SoftwarePage"]

    class Meta:
        verbose_name = _("software index")


class SoftwarePage(HeadlessPage):
    """A piece of software (app, firmware, driver) customers download."""

    summary: models.TextField[str, str] = models.TextField(_("summary"), blank=True)
    description = RichTextField(_("description"), blank=True)

    content_panels = [
        *HeadlessPage.content_panels,
        "summary",
        FieldPanel("description"),
        InlinePanel("versions", heading=_("Versions"), label=_("Version")),
    ]

    search_fields = [*HeadlessPage.search_fields, index.SearchField("search_text")]

    api_fields = [
        *HeadlessPage.api_fields,
        APIField("summary"),
        APIField("description", serializer=RichTextHTMLField()),
        APIField("versions"),
        APIField("products", serializer=PageSummaryListField(source="served_products")),
    ]

    parent_page_types = ["content.SoftwareIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("software")

    def search_text(self) -> str:
        return index_text([self.title, self.summary, self.description])

    def served_products(self) -> QuerySet[ProductPage]:
        """Products this software serves: those whose page lists it, and those carrying a PN one
        of its versions names (editors fill a version's PNs and rarely the product's list)."""
        from reparo_cms.content.models.products import ProductPage  # the two refer to each other

        by_pn = Q()
        for pn in {pn.upper() for version in self.versions.all() for pn in version.pn_list()}:
            by_pn |= Q(part_numbers__pn__iexact=pn)
        listing_it = Q(related_software=self) if self.pk else Q(pk__in=[])
        return ProductPage.objects.filter(listing_it | by_pn).distinct().order_by("title")


class SoftwareVersion(Orderable):
    """One downloadable version; size and SHA-256 are computed from the file on save."""

    page = ParentalKey(SoftwarePage, on_delete=models.CASCADE, related_name="versions")
    version: models.CharField[str, str] = models.CharField(_("version"), max_length=40)
    released_on: models.DateField[date, date] = models.DateField(_("release date"))
    file: models.ForeignKey[ContentDocument] = models.ForeignKey(
        "content.ContentDocument", on_delete=models.PROTECT, related_name="+"
    )
    notes = RichTextField(_("release notes"), blank=True)
    part_numbers: models.TextField[str, str] = models.TextField(
        _("part numbers served"), blank=True, help_text=_("One product PN per line.")
    )
    size_bytes: models.BigIntegerField[int, int] = models.BigIntegerField(
        _("size in bytes"), editable=False, default=0
    )
    sha256: models.CharField[str, str] = models.CharField(
        _("SHA-256"), max_length=64, editable=False, blank=True
    )

    panels = ["version", "released_on", "file", FieldPanel("notes"), "part_numbers"]

    api_fields = [
        APIField("version"),
        APIField("released_on"),
        APIField("file", serializer=DocumentField()),
        APIField("notes", serializer=RichTextHTMLField()),
        APIField("pn_list"),
        APIField("size_bytes"),
        APIField("sha256"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("software version")

    def clean(self) -> None:
        super().clean()
        if self.file_id:
            try:
                refuse_stored_page_or_script(self.file.file)
            except ValidationError as error:
                raise ValidationError({"file": error.messages}) from error

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.file_id and (not self.sha256 or self._file_changed()):
            self.size_bytes, self.sha256 = _measure(self.file.file)
        super().save(*args, **kwargs)

    def _file_changed(self) -> bool:
        stored = SoftwareVersion.objects.filter(pk=self.pk).values_list("file_id", flat=True)
        return self.pk is None or stored.first() != self.file_id

    def pn_list(self) -> list[str]:
        return [line.strip() for line in self.part_numbers.splitlines() if line.strip()]


def _measure(field_file: models.fields.files.FieldFile) -> tuple[int, str]:
    """Size and SHA-256 of a stored file, read in chunks so large firmware fits in memory.

    Known shortcoming: this runs inside the editor's save request; for files near the 2 GB limit
    on remote storage it should move to a background job fed by the outbox.
    """
    name = field_file.name
    assert name, "a document's file is required, so it is always stored"
    digest = hashlib.sha256()
    size = 0
    for chunk in read_range(field_file.storage, name, 0, field_file.size):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()
