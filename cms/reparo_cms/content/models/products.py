"""Product pages: what repair_service's request form and order pages show about a product.

Publishing, unpublishing or deleting a product page emits ``product.published`` or
``product.withdrawn`` (see ``reparo_cms.content.signals``) so repair_service keeps its read copy.
"""

# Field annotations name django-stubs' generic fields, which exist only for the type checker.
from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import Image
from wagtail.models import Orderable
from wagtail.search import index

from reparo_cms.content.api_fields import (
    DocumentField,
    PageSummaryListField,
    PhoneImageField,
    RichTextHTMLField,
)
from reparo_cms.content.blocks import SpecBlock
from reparo_cms.content.models.base import HeadlessPage
from reparo_cms.content.models.documents import ContentDocument
from reparo_cms.content.models.software import SoftwarePage
from reparo_cms.content.search import index_text


class ProductIndexPage(HeadlessPage):
    """Holds every product page."""

    intro: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)

    content_panels = [*HeadlessPage.content_panels, "intro"]

    api_fields = [*HeadlessPage.api_fields, APIField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.ProductPage"]

    class Meta:
        verbose_name = _("product index")


class ProductPage(HeadlessPage):
    """A product: its part numbers, pictures, specification and everything related to it."""

    image: models.ForeignKey[Image | None] = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary: models.TextField[str, str] = models.TextField(_("summary"), blank=True)
    description = RichTextField(_("description"), blank=True)
    specs = StreamField([("spec", SpecBlock())], blank=True, verbose_name=_("specification"))
    related_videos = ParentalManyToManyField(
        "content.VideoPage", blank=True, related_name="products"
    )
    related_software = ParentalManyToManyField(
        "content.SoftwarePage", blank=True, related_name="products"
    )
    related_articles = ParentalManyToManyField(
        "content.ArticlePage", blank=True, related_name="products"
    )

    content_panels = [
        *HeadlessPage.content_panels,
        "image",
        "summary",
        FieldPanel("description"),
        InlinePanel("part_numbers", heading=_("Part numbers"), label=_("PN"), min_num=1),
        InlinePanel("photos", heading=_("Photos"), label=_("Photo")),
        FieldPanel("specs"),
        InlinePanel("manuals", heading=_("Manuals"), label=_("Manual")),
        MultiFieldPanel(
            [
                FieldPanel("related_videos"),
                FieldPanel("related_software"),
                FieldPanel("related_articles"),
            ],
            heading=_("Related content"),
        ),
    ]

    search_fields = [*HeadlessPage.search_fields, index.SearchField("search_text")]

    api_fields = [
        *HeadlessPage.api_fields,
        APIField("image", serializer=PhoneImageField()),
        APIField("pn_list"),
        APIField("summary"),
        APIField("description", serializer=RichTextHTMLField()),
        APIField("part_numbers"),
        APIField("photos"),
        APIField("specs"),
        APIField("manuals"),
        APIField("related_videos", serializer=PageSummaryListField()),
        APIField("related_software", serializer=PageSummaryListField(source="served_software")),
        APIField("related_articles", serializer=PageSummaryListField()),
    ]

    api_image_fields = ["image"]

    parent_page_types = ["content.ProductIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("product")

    def pn_list(self) -> list[str]:
        return [part.pn for part in self.part_numbers.all()]

    def search_text(self) -> str:
        return index_text([self.title, self.summary, " ".join(self.pn_list())])

    def served_software(self) -> QuerySet[SoftwarePage]:
        """Software for this product: what its page lists, and software with a version naming
        one of its PNs (see ``SoftwarePage.served_products``)."""
        pns = {pn.strip().upper() for pn in self.pn_list() if pn.strip()}
        mentions = Q()
        for pn in pns:
            mentions |= Q(versions__part_numbers__icontains=pn)
        # The PN field is free text, one PN a line: a mention may be part of a longer PN.
        naming_a_pn = [
            software.pk
            for software in (SoftwarePage.objects.filter(mentions).distinct() if pns else [])
            if pns & {pn.upper() for v in software.versions.all() for pn in v.pn_list()}
        ]
        listed = Q(products=self) if self.pk else Q(pk__in=[])
        return (
            SoftwarePage.objects.filter(listed | Q(pk__in=naming_a_pn)).distinct().order_by("title")
        )


class ProductPartNumber(Orderable):
    """A part number (PN) customers find the product by on the repair request form."""

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="part_numbers")
    pn: models.CharField[str, str] = models.CharField(_("PN"), max_length=64, db_index=True)
    label: models.CharField[str, str] = models.CharField(_("variant"), max_length=120, blank=True)

    panels = ["pn", "label"]

    api_fields = [APIField("pn"), APIField("label")]

    class Meta(Orderable.Meta):
        verbose_name = _("part number")


class ProductPhoto(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="photos")
    image: models.ForeignKey[Image] = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.CASCADE, related_name="+"
    )
    caption: models.CharField[str, str] = models.CharField(_("caption"), max_length=250, blank=True)

    panels = ["image", "caption"]

    api_fields = [APIField("image", serializer=PhoneImageField()), APIField("caption")]


class ProductManual(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="manuals")
    document: models.ForeignKey[ContentDocument] = models.ForeignKey(
        "content.ContentDocument", on_delete=models.PROTECT, related_name="+"
    )
    title: models.CharField[str, str] = models.CharField(_("title"), max_length=200)
    language: models.CharField[str, str] = models.CharField(
        _("language"), max_length=10, blank=True
    )

    panels = ["title", "document", "language"]

    api_fields = [
        APIField("title"),
        APIField("document", serializer=DocumentField()),
        APIField("language"),
    ]
