"""The transactional outbox for Django services (cms), relayed by the same loop as SQLModel's.

Set-up: add ``"reparo_shared.events.django_outbox"`` to ``INSTALLED_APPS`` and migrate; the tables
(``outbox_event``, ``outbox_relay_lock``) have the same columns as the SQLModel ones. Then record
events inside the transaction of the change and run the relay as its own process::

    from django.db import transaction
    from reparo_shared.events.django_outbox import record_event
    from reparo_shared.events.types import ProductPublished

    with transaction.atomic():
        page.save_revision().publish()
        record_event(ProductPublished(...), producer="cms", subject=f"product:{page.pk}")

    python manage.py run_outbox_relay          # AMQP_URL, EVENTS_EXCHANGE from the environment

For Wagtail page events, record from a ``page_published`` / ``page_unpublished`` signal handler:
Wagtail sends them inside the publishing transaction, so the event commits with the page.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reparo_shared.events.catalogue import EventPayload
    from reparo_shared.events.envelope import Envelope


def record_event(payload: "EventPayload", *, producer: str, subject: str) -> "Envelope":
    """Write ``payload`` into the outbox as part of the caller's ``transaction.atomic()`` block.

    Refuses to run outside one: an event committed apart from its change could announce a change
    that then rolled back.
    """
    from django.db import transaction

    from reparo_shared.events.catalogue import make_envelope
    from reparo_shared.events.django_outbox.models import OutboxEvent

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside transaction.atomic()")
    envelope = make_envelope(payload, producer=producer, subject=subject)
    OutboxEvent.objects.create(
        event_id=str(envelope.id),
        event_type=envelope.type,
        subject=subject,
        envelope=envelope.model_dump_json(),
    )
    return envelope
