"""Page events: how other services learn that content changed.

Product catalogue events tell repair_service that a product appeared or went away; content page
events (below) tell every gateway instance to drop the pages it cached.


Publishing a ``ProductPage`` emits ``product.published``; unpublishing it, or deleting it while
live, emits ``product.withdrawn``. Both carry the same payload, built by
``product_event_payload``. The handlers run inside Wagtail's publish/delete transaction, so an
outbox row written by ``emit_product_event`` commits or rolls back with the change itself.
"""

import logging
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_delete
from wagtail.signals import page_published, page_unpublished, post_page_move

from reparo_cms.content.blocks import PHONE_RENDITION
from reparo_shared.events import EventPayload
from reparo_shared.events.django_outbox import record_event
from reparo_shared.events.types import (
    ContentPagePublished,
    ContentPageWithdrawn,
    ProductPublished,
    ProductWithdrawn,
)

logger = logging.getLogger(__name__)

ProductEventType = Literal["product.published", "product.withdrawn"]


def emit_product_event(event_type: ProductEventType, payload: dict[str, Any]) -> None:
    """Write a product event to the outbox; the relay publishes it after the change commits.

    Wagtail publishes and unpublishes inside a transaction, so the event joins it. A page deleted
    outside one gets its own small transaction: the page is gone either way, and repair_service
    must hear of it.
    """
    event: EventPayload
    if event_type == "product.published":
        event = ProductPublished(
            page_id=payload["product_page_id"],
            name=payload["name"],
            part_numbers=list(payload["pn_list"]),
            image_url=payload["image_url"],
            page_url=payload["page_url"] or "",
        )
    else:
        event = ProductWithdrawn(page_id=payload["product_page_id"])
    subject = f"product:{payload['product_page_id']}"
    with transaction.atomic():
        record_event(event, producer="cms", subject=subject)
    logger.info(
        "cms.product_event.recorded",
        extra={"event_type": event_type, "product_page_id": payload["product_page_id"]},
    )


def product_event_payload(page: Any) -> dict[str, Any]:
    """The facts repair_service keeps about a product: ids, PNs, name, picture and address."""
    return {
        "product_page_id": page.pk,
        "name": page.title,
        "pn_list": page.pn_list(),
        "image_url": _absolute(page.image.get_rendition(PHONE_RENDITION).url)
        if page.image
        else None,
        "page_url": page.public_url(),
    }


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.GATEWAY_PUBLIC_URL}{url}"


def on_product_published(sender: type, instance: Any, **kwargs: Any) -> None:
    # Wagtail also sends this signal when a publication is only scheduled for later; the event
    # waits until ``publish_scheduled`` actually makes the page live.
    if instance.live:
        emit_product_event("product.published", product_event_payload(instance))


def on_product_unpublished(sender: type, instance: Any, **kwargs: Any) -> None:
    emit_product_event("product.withdrawn", product_event_payload(instance))


def on_product_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    # A draft that never went live was never announced; an unpublished one was already withdrawn.
    if instance.live:
        emit_product_event("product.withdrawn", product_event_payload(instance))


def emit_content_page_event(page: Any, *, live: bool) -> None:
    """Write ``content.page.published`` (``live``) or ``content.page.withdrawn`` to the outbox.

    Gateways cache rendered pages briefly and drop them all on either event, since one page shows
    up in lists, related items, search and the home page alike.
    """
    event: EventPayload
    page_type = page._meta.label
    if live:
        event = ContentPagePublished(
            page_id=page.pk, page_type=page_type, public_url=page.public_url()
        )
    else:
        event = ContentPageWithdrawn(page_id=page.pk, page_type=page_type)
    with transaction.atomic():
        record_event(event, producer="cms", subject=f"page:{page.pk}")
    logger.info(
        "cms.content_event.recorded",
        extra={"event_type": event.event_name, "page_id": page.pk},
    )


def _is_content_page(instance: Any) -> bool:
    from reparo_cms.content.models import HeadlessPage

    return isinstance(instance, HeadlessPage)


def on_content_published(sender: type, instance: Any, **kwargs: Any) -> None:
    # As for products: a publication only scheduled for later waits for ``publish_scheduled``.
    if _is_content_page(instance) and instance.live:
        emit_content_page_event(instance, live=True)


def on_content_unpublished(sender: type, instance: Any, **kwargs: Any) -> None:
    if _is_content_page(instance):
        emit_content_page_event(instance, live=False)


def on_content_moved(sender: type, instance: Any, **kwargs: Any) -> None:
    # A move changes the page's address, and the lists of its old and new parents.
    page = instance.specific
    if _is_content_page(page) and page.live:
        emit_content_page_event(page, live=True)


def on_content_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    if _is_content_page(instance) and instance.live:
        emit_content_page_event(instance, live=False)


def connect() -> None:
    """Attach the handlers to the page models (called from the app's ``ready``)."""
    from reparo_cms.content.models import ProductPage

    page_published.connect(on_content_published, dispatch_uid="content-pub")
    page_unpublished.connect(on_content_unpublished, dispatch_uid="content-unpub")
    post_page_move.connect(on_content_moved, dispatch_uid="content-move")
    pre_delete.connect(on_content_deleted, dispatch_uid="content-delete")

    page_published.connect(on_product_published, sender=ProductPage, dispatch_uid="product-pub")
    page_unpublished.connect(
        on_product_unpublished, sender=ProductPage, dispatch_uid="product-unpub"
    )
    pre_delete.connect(on_product_deleted, sender=ProductPage, dispatch_uid="product-delete")
