"""The engagement API under ``/cms/api/engagement/``: thin views over services and selectors.

Reads are open to anyone (an anonymous caller sees counts only); writes need a customer token
signed by the gateway, and a missing or invalid one gets 401.
"""

from typing import Any

from django.http import Http404
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reparo_cms.content.models import SoftwarePage, SoftwareVersion
from reparo_cms.engagement import selectors, services
from reparo_cms.engagement.auth import (
    GatewayTokenAuthentication,
    IsCustomer,
    IsGateway,
    customer_id_of,
)
from reparo_cms.engagement.models import ReactionKind
from reparo_cms.engagement.serializers import (
    FavouritePublic,
    PageEngagementPublic,
    SoftwareDownloadCreate,
    SoftwareDownloadPublic,
)
from reparo_shared.identity.drf import CustomerTokenAuthentication

MAX_PAGES_PER_COUNT_QUERY = 100


def _engagement(page_ids: list[int], customer_id: str | None) -> list[dict[str, Any]]:
    counts = selectors.reaction_counts(page_ids)
    mine = selectors.customer_reaction_kinds(customer_id, page_ids) if customer_id else {}
    return [
        {
            "page_id": page_id,
            **counts[page_id],
            "liked": ReactionKind.LIKE in mine.get(page_id, set()),
            "favourited": ReactionKind.FAVOURITE in mine.get(page_id, set()),
        }
        for page_id in page_ids
    ]


class EngagementCountsView(APIView):
    """``GET ?ids=1,2,3``: counts (and the caller's own reactions) for a list of pages."""

    authentication_classes = [CustomerTokenAuthentication]

    def get(self, request: Request) -> Response:
        try:
            page_ids = [
                int(part) for part in request.query_params.get("ids", "").split(",") if part
            ]
        except ValueError:
            return Response({"detail": "ids must be page ids"}, status=status.HTTP_400_BAD_REQUEST)
        page_ids = list(dict.fromkeys(page_ids))[:MAX_PAGES_PER_COUNT_QUERY]
        data = _engagement(page_ids, customer_id_of(request))
        return Response({"items": PageEngagementPublic(data, many=True).data})


class PageEngagementView(APIView):
    """``GET``: one page's counts and whether the signed-in customer liked or favourited it."""

    authentication_classes = [CustomerTokenAuthentication]

    def get(self, request: Request, page_id: int) -> Response:
        if selectors.reactable_page_get(page_id) is None:
            raise Http404("no video or article with this id")
        (data,) = _engagement([page_id], customer_id_of(request))
        return Response(PageEngagementPublic(data).data)


class ReactionView(APIView):
    """``PUT`` likes or favourites a page, ``DELETE`` takes it back; both are idempotent and
    answer the page's new counts."""

    authentication_classes = [CustomerTokenAuthentication]
    permission_classes = [IsCustomer]

    def put(self, request: Request, page_id: int, kind: str) -> Response:
        return self._change(request, page_id, kind, services.reaction_add)

    def delete(self, request: Request, page_id: int, kind: str) -> Response:
        return self._change(request, page_id, kind, services.reaction_remove)

    def _change(self, request: Request, page_id: int, kind: str, change: Any) -> Response:
        page = selectors.reactable_page_get(page_id)
        if page is None:
            raise Http404("no video or article with this id")
        customer_id = customer_id_of(request)
        assert customer_id is not None  # guaranteed by IsCustomer
        change(customer_id=customer_id, page=page, kind=ReactionKind(kind))
        (data,) = _engagement([page_id], customer_id)
        return Response(PageEngagementPublic(data).data)


class MyFavouritesView(APIView):
    """``GET``: the signed-in customer's favourites, newest first (``limit``/``offset``)."""

    authentication_classes = [CustomerTokenAuthentication]
    permission_classes = [IsCustomer]

    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        paginator.default_limit = 20
        paginator.max_limit = 100
        customer_id = customer_id_of(request)
        assert customer_id is not None
        page = paginator.paginate_queryset(selectors.customer_favourites(customer_id), request)
        return paginator.get_paginated_response(FavouritePublic(page, many=True).data)


class SoftwareDownloadView(APIView):
    """``POST {version_id, idempotency_key}``: the gateway records a download it is starting.

    The same key again answers 200 with the first record and counts nothing; a new key 201.
    """

    authentication_classes = [GatewayTokenAuthentication]
    permission_classes = [IsGateway]

    def post(self, request: Request) -> Response:
        incoming = SoftwareDownloadCreate(data=request.data)
        incoming.is_valid(raise_exception=True)
        version = (
            SoftwareVersion.objects.filter(
                pk=incoming.validated_data["version_id"], page__live=True
            )
            .select_related("page")
            .first()
        )
        if version is None:
            raise Http404("no published software version with this id")
        download, created = services.software_download_record(
            version=version,
            idempotency_key=incoming.validated_data["idempotency_key"],
            customer_id=customer_id_of(request) or "",
        )
        return Response(
            SoftwareDownloadPublic(download).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SoftwareDownloadCountsView(APIView):
    """``GET``: started downloads per version of a published software page."""

    authentication_classes: list[type] = []

    def get(self, request: Request, page_id: int) -> Response:
        if not SoftwarePage.objects.live().filter(pk=page_id).exists():
            raise Http404("no published software page with this id")
        return Response(
            {"page_id": page_id, "versions": selectors.software_download_counts(page_id)}
        )
