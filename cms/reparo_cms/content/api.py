"""Wagtail API v2 endpoints for the gateway, with our filters and Chinese-aware search.

Beyond Wagtail's own parameters the pages endpoint accepts ``product=<page id>`` (content related
to that product), ``pn=<part number>`` (product pages carrying it), ``path=`` (the page at that
path of the gateway) and a ``search`` that finds Chinese text by two-character fragments (see
``reparo_cms.content.search``).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.response import Response
from wagtail.api.v2.filters import SearchFilter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.base import FilterFieldError, OrderByFieldError
from wagtail_headless_preview.models import PagePreview

from reparo_cms.content.models import ProductPage
from reparo_cms.content.search import query_text


class RelatedProductFilter(BaseFilterBackend):
    """``?product=<id>``: only pages the live product page lists as related to it, and software
    with a version naming one of its PNs."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        raw = request.GET.get("product")
        if raw is None:
            return queryset
        if not raw.isdigit():
            raise BadRequestError("product must be a page id")
        product = ProductPage.objects.live().filter(pk=int(raw)).first()
        if product is None:
            return queryset.none()
        related_ids = [
            *product.related_videos.values_list("pk", flat=True),
            *product.served_software().values_list("pk", flat=True),
            *product.related_articles.values_list("pk", flat=True),
        ]
        return queryset.filter(pk__in=related_ids)


class PartNumberFilter(BaseFilterBackend):
    """``?pn=<part number>``: product pages carrying that PN, case-insensitively."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        pn = request.GET.get("pn")
        if pn is None:
            return queryset
        product_ids = ProductPage.objects.filter(part_numbers__pn__iexact=pn.strip()).values("pk")
        return queryset.filter(pk__in=product_ids)


class PublicPathFilter(BaseFilterBackend):
    """``?path=/videos/training/``: the page whose ``public_url`` has this path, so the gateway
    can serve each page at the address "View live" in the admin sends editors to."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        raw = request.GET.get("path")
        if raw is None:
            return queryset
        site = Site.find_for_request(request)
        root_path = site.root_page.url_path if site else "/"
        slugs = [slug for slug in raw.split("/") if slug]
        return queryset.filter(url_path=root_path + "".join(f"{slug}/" for slug in slugs))


class ChineseSearchFilter(SearchFilter):
    """Wagtail's search filter, with the query rewritten into the terms our index holds.

    Terms are combined with ``and`` unless the caller asks otherwise, so every fragment of a
    Chinese query must occur in the page.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> Any:
        if "search" not in request.GET:
            return queryset
        if getattr(queryset, "_filtered_by_tag", False):
            raise BadRequestError("filtering by tag with a search query is not supported")
        terms = query_text(request.GET["search"])
        if not terms:
            return queryset.none()
        try:
            return get_search_backend().search(
                terms,
                queryset,
                operator=request.GET.get("search_operator", "and"),
                order_by_relevance="order" not in request.GET,
            )
        except FilterFieldError as error:
            raise BadRequestError(
                f"cannot filter by '{error.field_name}' while searching"
            ) from error
        except OrderByFieldError as error:
            raise BadRequestError(
                f"cannot order by '{error.field_name}' while searching"
            ) from error


def _with_our_filters(backends: list[type]) -> list[type]:
    # Our filters go before the search, which must stay last: search results cannot be filtered.
    kept = [backend for backend in backends if backend is not SearchFilter]
    return [*kept, RelatedProductFilter, PartNumberFilter, PublicPathFilter, ChineseSearchFilter]


class ContentPagesAPIViewSet(PagesAPIViewSet):
    """Published pages for the gateway."""

    filter_backends = _with_our_filters(PagesAPIViewSet.filter_backends)
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["product", "pn", "path"])

    def get_base_queryset(self) -> QuerySet:
        # Wagtail asks for it several times per request, and each time reads the view
        # restrictions again; one view instance serves one request, so keep the first.
        if not hasattr(self, "_public_pages"):
            self._public_pages = super().get_base_queryset()
        return self._public_pages

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_base_queryset"):
            self._base_queryset = self._with_pictures(super().get_queryset())
        return self._base_queryset

    @staticmethod
    def _with_pictures(queryset: QuerySet) -> QuerySet:
        # Lists of one page type load their pictures and renditions in two queries in all,
        # instead of one or more per page.
        image_fields = getattr(queryset.model, "api_image_fields", ())
        if not image_fields:
            return queryset
        return queryset.select_related(*image_fields).prefetch_related(
            *(f"{field}__renditions" for field in image_fields)
        )


class PagePreviewAPIViewSet(PagesAPIViewSet):
    """A draft as the editor last previewed it, found by the signed preview token.

    The gateway's preview page receives ``content_type`` and ``token`` in its address from
    wagtail-headless-preview and asks this endpoint for the page in the usual API shape.
    """

    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["content_type", "token"])

    def listing_view(self, request: Request) -> Response:
        page = self.get_object()
        # Wagtail picks the serializer by the action: "detail" shows the page's own fields.
        self.action = "detail_view"
        return Response(self.get_serializer(page).data)

    def detail_view(self, request: Request, pk: Any) -> Response:
        return self.listing_view(request)

    def get_object(self) -> Page:
        content_type_label = self.request.GET.get("content_type", "")
        token = self.request.GET.get("token", "")
        app_label, _, model = content_type_label.partition(".")
        preview = PagePreview.objects.filter(
            content_type__app_label=app_label, content_type__model=model, token=token
        ).first()
        if preview is None:
            raise Http404("no preview for this token")
        page = preview.as_page()
        if not page.pk:
            page.pk = 0
        return page
