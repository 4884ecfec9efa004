"""The consumer base: a durable queue, handlers run once through an inbox, retries, dead letters.

A service declares a consumer, hangs a handler on each payload model it cares about, and runs it as
a process::

    consumer = Consumer("repair.catalogue", engine)

    @consumer.handler(ProductPublished)
    def keep_product(session: Session, event: Envelope, payload: ProductPublished) -> None:
        ...  # write the read copy with ``session``; do not commit, the consumer does

    run_until_signalled(consumer.run)

For each message the consumer opens a session and, in one transaction, inserts the event id into
``inbox_event`` and runs the handler; it acknowledges only after the commit. A redelivery, also one
after a crash between commit and acknowledgement, finds its id in the inbox and is skipped.

Topology, all durable, all declared by ``declare_topology``:

- ``<name>``: bound to the events exchange with each handled event type as routing key;
- ``<name>.retry.<ms>ms``: one per retry delay, messages expire back into ``<name>``, so a failing
  message waits there without blocking the others (the broker's own TTL and dead-lettering; no
  delayed-message plugin needed);
- ``<name>.dead``: what failed every retry, or could not be read or validated at all. Headers say
  why (``x-reparo-dead-reason``); ``python -m reparo_shared.events.dead_letters`` lists and
  replays them.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import BasicProperties
from pydantic import ValidationError
from sqlalchemy import Column, DateTime, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel

from reparo_shared.events.broker import (
    BROKER_ERRORS,
    amqp_url,
    connect,
    declare_exchange,
    events_exchange,
)
from reparo_shared.events.catalogue import EventPayload, parse_payload
from reparo_shared.events.envelope import Envelope
from reparo_shared.logs import set_correlation_id
from reparo_shared.tables import table_of

logger = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-reparo-attempt"
DEAD_REASON_HEADER = "x-reparo-dead-reason"
DEAD_AT_HEADER = "x-reparo-dead-at"
ROUTING_KEY_HEADER = "x-reparo-routing-key"

DEFAULT_RETRY_DELAYS = (1.0, 10.0, 60.0)

P = TypeVar("P", bound=EventPayload)
Handler = Callable[[Session, Envelope, Any], None]


class InboxEvent(SQLModel, table=True):
    """An event a consumer has handled; written in the handler's own transaction."""

    __tablename__ = "inbox_event"

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=36)
    event_type: str = Field(max_length=100)
    handled_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        sa_column=Column(DateTime(timezone=True), nullable=False),
    )


INBOX_TABLE: Table = table_of(InboxEvent)
_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


@dataclass(frozen=True)
class Delivery:
    """One message as the broker handed it over."""

    tag: int
    routing_key: str
    properties: BasicProperties
    body: bytes


class DeadLetter(Exception):
    """Raised by a handler for a message no retry can fix; it goes straight to dead letters."""


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dead"


def retry_queue(queue: str, delay_seconds: float) -> str:
    return f"{queue}.retry.{round(delay_seconds * 1000)}ms"


class Consumer:
    """A named, durable consumer of domain events; see the module docstring.

    ``name`` is the queue name and the inbox key, so it must stay stable across deployments
    (convention: ``<service>.<purpose>``, e.g. ``repair.catalogue``). ``retry_delays`` are the
    waits before each retry; after the last one fails the message is dead-lettered.
    """

    def __init__(
        self,
        name: str,
        engine: Engine,
        *,
        url: str | None = None,
        exchange: str | None = None,
        prefetch: int = 20,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.name = name
        self.engine = engine
        self.url = url or amqp_url()
        self.exchange = exchange or events_exchange()
        self.prefetch = prefetch
        self.retry_delays = tuple(retry_delays)
        self.max_backoff_seconds = max_backoff_seconds
        self._handlers: dict[str, Handler] = {}
        self._publish_channel: BlockingChannel | None = None

    def handler(
        self, model: type[P]
    ) -> Callable[[Callable[[Session, Envelope, P], None]], Callable[[Session, Envelope, P], None]]:
        """Register ``fn(session, envelope, payload)`` for one event type (and bind to it)."""

        def register(
            fn: Callable[[Session, Envelope, P], None],
        ) -> Callable[[Session, Envelope, P], None]:
            if model.event_name in self._handlers:
                raise ValueError(f"{self.name} already handles {model.event_name}")
            self._handlers[model.event_name] = fn
            return fn

        return register

    @property
    def routing_keys(self) -> list[str]:
        return sorted(self._handlers)

    def declare_topology(self, channel: BlockingChannel) -> None:
        """Declare the exchange, the main, retry and dead-letter queues, and the bindings."""
        declare_exchange(channel, self.exchange)
        channel.queue_declare(queue=self.name, durable=True)
        for key in self.routing_keys:
            channel.queue_bind(queue=self.name, exchange=self.exchange, routing_key=key)
        for delay in self.retry_delays:
            channel.queue_declare(
                queue=retry_queue(self.name, delay),
                durable=True,
                arguments={
                    "x-message-ttl": round(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.name,
                },
            )
        channel.queue_declare(queue=dead_letter_queue(self.name), durable=True)

    def queue_names(self) -> list[str]:
        """Every queue this consumer declares (the test suites delete them afterwards)."""
        retries = [retry_queue(self.name, delay) for delay in self.retry_delays]
        return [self.name, *retries, dead_letter_queue(self.name)]

    def run(self, stop: threading.Event | None = None) -> None:
        """Consume until ``stop`` is set, reconnecting with a growing pause after broker loss."""
        stop = stop or threading.Event()
        backoff = 0.0
        while not stop.is_set():
            try:
                self._consume(stop)
                backoff = 0.0
            except BROKER_ERRORS as error:
                backoff = min(self.max_backoff_seconds, max(0.25, backoff * 2))
                logger.warning(
                    "events.consumer.broker_unavailable",
                    extra={"consumer": self.name, "error": repr(error), "retry_in": backoff},
                )
                stop.wait(backoff)
            except Exception:
                # Unacked messages return to the queue when the connection closes; keep going.
                backoff = min(self.max_backoff_seconds, max(0.25, backoff * 2))
                logger.exception("events.consumer.unexpected_error", extra={"consumer": self.name})
                stop.wait(backoff)

    def _consume(self, stop: threading.Event) -> None:
        connection = connect(self.url, connection_name=f"consumer {self.name}")
        try:
            channel = connection.channel()
            self.declare_topology(channel)
            self._publish_channel = connection.channel()
            self._publish_channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self.prefetch)
            deliveries: list[Delivery] = []
            channel.basic_consume(
                queue=self.name,
                on_message_callback=lambda _ch, method, properties, body: deliveries.append(
                    Delivery(method.delivery_tag, method.routing_key or "", properties, body)
                ),
            )
            logger.info("events.consumer.started", extra={"consumer": self.name})
            while not stop.is_set():
                connection.process_data_events(time_limit=0.2)  # returns early on a delivery
                if not deliveries:
                    continue
                connection.process_data_events(time_limit=0)  # and whatever else has arrived
                batch, deliveries[:] = list(deliveries), []
                self.process_batch(batch)
                channel.basic_ack(delivery_tag=batch[-1].tag, multiple=True)
        finally:
            self._publish_channel = None
            if connection.is_open:
                try:
                    connection.close()
                except BROKER_ERRORS:
                    logger.debug("events.consumer.close_failed", exc_info=True)

    def process_batch(self, batch: Sequence["Delivery"]) -> None:
        """Handle what arrived together in one transaction; returns when all may be acked.

        The fast path commits the whole batch (inbox rows and handler writes) at once. If any
        handler raises, that transaction is rolled back and the messages are handled one at a
        time, so only the failing one is retried. Handlers may therefore run more than once per
        event, as with any redelivery: their effects outside the database must be idempotent.
        """
        ready = []
        for delivery in batch:
            read = self._read(delivery)
            if read is not None:
                ready.append((delivery, *read))
        if len(ready) > 1:
            try:
                self._handle_together(ready)
                return
            except Exception:
                logger.info("events.consumer.batch_split", extra={"consumer": self.name})
        for delivery, envelope, payload, handler in ready:
            self._handle_alone(delivery, envelope, payload, handler)

    def process(self, body: bytes, properties: BasicProperties, *, routing_key: str) -> None:
        """Handle, skip, retry or dead-letter one message; returns when it is safe to ack."""
        self.process_batch([Delivery(0, routing_key, properties, body)])

    def _read(self, delivery: "Delivery") -> tuple[Envelope, EventPayload, Handler] | None:
        """Parse and validate a message and find its handler, or dead-letter it and say None."""
        try:
            envelope = Envelope.from_bytes(delivery.body)
            payload = parse_payload(envelope)
        except (ValidationError, ValueError, KeyError) as error:
            self._dead_letter(delivery, f"unreadable: {_describe(error)}")
            return None
        handler = self._handlers.get(envelope.type)
        if handler is None:
            self._dead_letter(delivery, f"no handler for {envelope.type}")
            return None
        return envelope, payload, handler

    def _handle_together(
        self, ready: Sequence[tuple["Delivery", Envelope, EventPayload, Handler]]
    ) -> None:
        with Session(self.engine) as session:
            claimed = self._claim(session, [envelope for _, envelope, _, _ in ready])
            for _, envelope, payload, handler in ready:
                if str(envelope.id) not in claimed:
                    continue
                claimed.discard(str(envelope.id))  # a message delivered twice in one batch
                set_correlation_id(envelope.correlation_id)
                handler(session, envelope, payload)
            session.commit()

    def _handle_alone(
        self, delivery: "Delivery", envelope: Envelope, payload: EventPayload, handler: Handler
    ) -> None:
        set_correlation_id(envelope.correlation_id)
        try:
            handled = self._handle_once(envelope, payload, handler)
        except DeadLetter as error:
            self._dead_letter(delivery, f"rejected: {_describe(error)}")
            return
        except Exception as error:
            logger.exception(
                "events.consumer.handler_failed",
                extra={"consumer": self.name, "event_id": str(envelope.id), "type": envelope.type},
            )
            self._retry_or_dead_letter(delivery, error)
            return
        logger.debug(
            "events.consumer.handled" if handled else "events.consumer.duplicate_skipped",
            extra={"consumer": self.name, "event_id": str(envelope.id), "type": envelope.type},
        )

    def _handle_once(self, envelope: Envelope, payload: EventPayload, handler: Handler) -> bool:
        """Run the handler with the inbox row in one transaction; False if already handled."""
        with Session(self.engine) as session:
            if not self._claim(session, [envelope]):
                return False
            handler(session, envelope, payload)
            session.commit()
        return True

    def _claim(self, session: Session, envelopes: Sequence[Envelope]) -> set[str]:
        """Insert the inbox rows of ``envelopes``; return the ids not handled before.

        The primary key decides, through ``ON CONFLICT DO NOTHING``: no look-up first, so no
        query plan that can go stale (one cached while the inbox was empty scanned the whole
        table per batch), and a second consumer process claiming the same id waits for the
        first one's transaction and then skips it.
        """
        handled_at = datetime.now(UTC)
        rows = {
            str(envelope.id): {
                "consumer": self.name,
                "event_id": str(envelope.id),
                "event_type": envelope.type,
                "handled_at": handled_at,
            }
            for envelope in envelopes
        }
        dialect = session.get_bind().dialect.name
        insert = _INSERTS.get(dialect)
        if insert is None:
            raise RuntimeError(f"the inbox supports PostgreSQL and SQLite, not {dialect}")
        statement = (
            insert(INBOX_TABLE)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(INBOX_TABLE.c.event_id)
        )
        # Parameters as a list: SQLAlchemy sends them as one multi-row statement whose compiled
        # form it caches, where ``.values(rows)`` would compile a new statement per batch.
        return set(session.execute(statement, list(rows.values())).scalars())

    def _retry_or_dead_letter(self, delivery: "Delivery", error: BaseException) -> None:
        # A database outage fails every message alike and spends their retries too; they end in
        # dead letters for an operator to replay. Telling outages from bad messages would need a
        # health probe per failure, which we have not needed so far.
        headers = dict(delivery.properties.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 0))
        if attempt >= len(self.retry_delays):
            self._dead_letter(delivery, f"failed {attempt + 1} times: {_describe(error)}")
            return
        headers[ATTEMPT_HEADER] = attempt + 1
        headers.setdefault(ROUTING_KEY_HEADER, delivery.routing_key)
        self._republish(retry_queue(self.name, self.retry_delays[attempt]), delivery, headers)

    def _dead_letter(self, delivery: "Delivery", reason: str) -> None:
        properties = delivery.properties
        logger.error(
            "events.consumer.dead_lettered",
            extra={"consumer": self.name, "message_id": properties.message_id, "reason": reason},
        )
        headers = dict(properties.headers or {})
        headers[DEAD_REASON_HEADER] = reason[:1000]
        headers[DEAD_AT_HEADER] = datetime.now(UTC).isoformat()
        headers.setdefault(ROUTING_KEY_HEADER, delivery.routing_key)
        self._republish(dead_letter_queue(self.name), delivery, headers)

    def _republish(self, queue: str, delivery: "Delivery", headers: dict[str, Any]) -> None:
        if self._publish_channel is None:
            raise pika.exceptions.AMQPConnectionError("consumer is not connected")
        self._publish_channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=delivery.body,
            properties=copy_properties(delivery.properties, headers),
        )


def copy_properties(properties: BasicProperties, headers: dict[str, Any]) -> BasicProperties:
    """The message's properties with new headers, always persistent."""
    return pika.BasicProperties(
        content_type=properties.content_type,
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=properties.message_id,
        type=properties.type,
        app_id=properties.app_id,
        correlation_id=properties.correlation_id,
        timestamp=properties.timestamp,
        headers=headers,
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]
