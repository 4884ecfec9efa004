"""Scheduled publishing, run by the cms worker: what Wagtail's ``publish_scheduled`` does, made
safe for several workers.

Expired pages are unpublished and revisions whose go-live time has passed are published through
Wagtail's own actions (the same log entries, signals and product events as ``publish_scheduled``).
Each page or revision is handled in its own transaction after locking its row and checking again
that it is still due, so two workers overlapping (one slot's job running long into the next)
never publish or unpublish anything twice.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Revision

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishingResult:
    published: int
    unpublished: int


def publish_due_pages() -> PublishingResult:
    """Unpublish expired pages, then publish every revision whose go-live time has passed."""
    now = timezone.now()
    unpublished = sum(_unpublish_expired(pk) for pk in _expired_page_ids(now))
    published = sum(_publish_due(pk) for pk in _due_revision_ids(now))
    if published or unpublished:
        logger.info(
            "cms.scheduled_publishing.done",
            extra={"published": published, "unpublished": unpublished},
        )
    return PublishingResult(published=published, unpublished=unpublished)


def _expired_page_ids(now: object) -> list[int]:
    due = Page.objects.filter(live=True, expire_at__lt=now).order_by("expire_at")
    return list(due.values_list("pk", flat=True))


def _due_revision_ids(now: object) -> list[int]:
    due = Revision.objects.filter(approved_go_live_at__lt=now).order_by("approved_go_live_at")
    return list(due.values_list("pk", flat=True))


def _unpublish_expired(page_id: int) -> int:
    with transaction.atomic():
        page = (
            Page.objects.select_for_update()
            .filter(pk=page_id, live=True, expire_at__lt=timezone.now())
            .first()
        )
        if page is None:
            return 0  # another worker got there first
        page.specific.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")
    logger.info("cms.scheduled_publishing.unpublished", extra={"page_id": page_id})
    return 1


def _publish_due(revision_id: int) -> int:
    with transaction.atomic():
        revision = (
            Revision.objects.select_for_update()
            .filter(pk=revision_id, approved_go_live_at__lt=timezone.now())
            .first()
        )
        if revision is None:
            return 0  # another worker got there first
        # The go-live time has passed, so Wagtail publishes it now and clears the schedule.
        revision.publish(log_action="wagtail.publish.scheduled")
    logger.info(
        "cms.scheduled_publishing.published",
        extra={"revision_id": revision_id, "object_id": revision.object_id},
    )
    return 1
