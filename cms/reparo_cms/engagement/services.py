"""Changes customers make: reacting to content and starting software downloads.

Each function is idempotent, so the gateway may retry any call: the database's unique
constraints decide, and a repeat is answered as a success that changed nothing.
"""

import logging

from django.db import IntegrityError, transaction
from wagtail.models import Page

from reparo_cms.content.models import SoftwareVersion
from reparo_cms.engagement.models import Reaction, ReactionKind, SoftwareDownload

logger = logging.getLogger(__name__)


def reaction_add(*, customer_id: str, page: Page, kind: ReactionKind) -> bool:
    """Record the customer's like or favourite; return whether it is new."""
    try:
        with transaction.atomic():
            _, created = Reaction.objects.get_or_create(
                customer_id=customer_id, page=page, kind=kind
            )
    except IntegrityError:
        # A concurrent identical request inserted it between our read and our write.
        created = False
    if created:
        logger.info("cms.reaction.added", extra={"page_id": page.pk, "kind": kind})
    return created


def reaction_remove(*, customer_id: str, page: Page, kind: ReactionKind) -> bool:
    """Take the customer's like or favourite back; return whether there was one."""
    deleted, _ = Reaction.objects.filter(customer_id=customer_id, page=page, kind=kind).delete()
    if deleted:
        logger.info("cms.reaction.removed", extra={"page_id": page.pk, "kind": kind})
    return bool(deleted)


def software_download_record(
    *, version: SoftwareVersion, idempotency_key: str, customer_id: str
) -> tuple[SoftwareDownload, bool]:
    """Count one started download unless this key was seen; return it and whether it is new."""
    try:
        with transaction.atomic():
            download, created = SoftwareDownload.objects.get_or_create(
                idempotency_key=idempotency_key,
                defaults={"version": version, "customer_id": customer_id},
            )
    except IntegrityError:
        download, created = SoftwareDownload.objects.get(idempotency_key=idempotency_key), False
    if created:
        logger.info(
            "cms.software_download.recorded",
            extra={"version_id": version.pk, "software_page_id": version.page_id},
        )
    return download, created
