"""Reads for the engagement API: counts, a customer's own reactions, their favourites."""

from collections import defaultdict

from django.db.models import Count, QuerySet
from wagtail.models import Page

from reparo_cms.content.models import ArticlePage, SoftwareVersion, VideoPage
from reparo_cms.engagement.models import Reaction, ReactionKind

REACTABLE_MODELS = (ArticlePage, VideoPage)


def reactable_page_get(page_id: int) -> Page | None:
    """The live video or article with this id, or None when there is none to react to."""
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None or not issubclass(page.specific_class, REACTABLE_MODELS):
        return None
    return page


def reaction_counts(page_ids: list[int]) -> dict[int, dict[str, int]]:
    """Likes and favourites per page, zero for pages nobody reacted to."""
    counts: dict[int, dict[str, int]] = {
        page_id: {"likes": 0, "favourites": 0} for page_id in page_ids
    }
    rows = (
        Reaction.objects.filter(page_id__in=page_ids)
        .values("page_id", "kind")
        .annotate(total=Count("id"))
    )
    for row in rows:
        key = "likes" if row["kind"] == ReactionKind.LIKE else "favourites"
        counts[row["page_id"]][key] = row["total"]
    return counts


def customer_reaction_kinds(customer_id: str, page_ids: list[int]) -> dict[int, set[str]]:
    """Which kinds of reaction the customer left on each of these pages."""
    kinds: dict[int, set[str]] = defaultdict(set)
    rows = Reaction.objects.filter(customer_id=customer_id, page_id__in=page_ids)
    for page_id, kind in rows.values_list("page_id", "kind"):
        kinds[page_id].add(kind)
    return kinds


def customer_favourites(customer_id: str) -> QuerySet[Reaction]:
    """The customer's favourites on pages still live, newest first."""
    return (
        Reaction.objects.filter(
            customer_id=customer_id, kind=ReactionKind.FAVOURITE, page__live=True
        )
        .select_related("page", "page__content_type")
        .order_by("-created_at", "-id")
    )


def software_download_counts(software_page_id: int) -> list[dict[str, object]]:
    """Started downloads per version of one software page."""
    versions = (
        SoftwareVersion.objects.filter(page_id=software_page_id)
        .annotate(downloads_total=Count("downloads"))
        .order_by("sort_order")
    )
    return [
        {"version_id": v.pk, "version": v.version, "downloads": v.downloads_total} for v in versions
    ]
