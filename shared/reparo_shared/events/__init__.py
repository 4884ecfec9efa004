"""Domain events: the envelope, the catalogue of event types, the outbox, the relay and consumers.

A producer never talks to RabbitMQ inside a request. It calls ``record_event`` with the session of
the change, so the event row commits or rolls back with the change; a relay process publishes the
rows afterwards. See ``reparo_shared.events.catalogue`` for every event type and its payload.

The parts and where they live:

- ``outbox_sqlmodel.record_event(session, payload, producer=, subject=)``: SQLModel producers;
  ``django_outbox.record_event(payload, producer=, subject=)`` inside ``transaction.atomic()``
  for cms (add ``"reparo_shared.events.django_outbox"`` to ``INSTALLED_APPS``).
- ``relay.Relay``: publishes committed rows, run as ``python -m reparo_shared.events.relay
  --database-url ...`` or ``python manage.py run_outbox_relay``.
- ``consumer.Consumer``: a durable queue with an inbox, retries and dead letters; a service runs
  its consumers as their own process with ``stopping.run_until_signalled(consumer.run)``.
- ``broadcast.BroadcastListener``: for what every process must hear itself (dropping a cache in
  memory): an exclusive, auto-deleted queue per listener, no inbox or retries.
- ``dead_letters``: ``python -m reparo_shared.events.dead_letters list|show|replay|purge
  --queue <consumer name>``.

Settings (environment): ``AMQP_URL`` (default ``amqp://guest:guest@127.0.0.1:5672/%2F``),
``EVENTS_EXCHANGE`` (default ``reparo.events``), ``DATABASE_URL`` for the relay command.

Wiring the product catalogue, as an example of a whole flow:

1. cms, in a ``page_published`` signal handler for product pages (Wagtail sends it inside the
   publishing transaction)::

       record_event(ProductPublished(page_id=page.pk, name=page.title, ...),
                    producer="cms", subject=f"product:{page.pk}")

   and ``ProductWithdrawn`` from ``page_unpublished`` / ``post_delete``; run
   ``manage.py run_outbox_relay`` beside cms.
2. repair_service, a ``catalogue_product`` table and a consumer module run as a process::

       consumer = Consumer("repair.catalogue", engine)

       @consumer.handler(ProductPublished)
       def keep_product(session: Session, event: Envelope, payload: ProductPublished) -> None:
           product = session.get(CatalogueProduct, payload.page_id) or CatalogueProduct(...)
           ...  # copy the fields; the consumer commits with the inbox row, then acks

       @consumer.handler(ProductWithdrawn)
       def drop_product(session, event, payload): ...

       if __name__ == "__main__":
           run_until_signalled(consumer.run)

   Its Alembic migration must create ``inbox_event`` (``consumer.InboxEvent``) beside
   ``outbox_event`` and ``outbox_relay_lock``; importing the models puts them in
   ``SQLModel.metadata`` for autogenerate.
"""

from reparo_shared.events.catalogue import EventPayload, event_type, payload_model
from reparo_shared.events.envelope import Envelope

__all__ = ["Envelope", "EventPayload", "event_type", "payload_model"]
