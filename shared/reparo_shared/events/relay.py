"""The outbox relay: publishes committed outbox rows to RabbitMQ and marks them sent.

Run one or more per service as their own processes::

    python -m reparo_shared.events.relay --database-url postgresql+psycopg://.../repair
    python -m django run_outbox_relay          # cms, through reparo_shared.events.django_outbox

How it keeps its promises:

- **Nothing lost.** A row is marked sent only after the broker confirmed it. While the broker is
  away the relay reconnects with a growing pause and the rows wait; producers only insert rows, so
  their requests never notice.
- **Once, in order.** On PostgreSQL each batch is one database transaction whose first statement
  updates the ``outbox_relay_lock`` row; the row lock holds until the batch is marked sent and
  committed, so a second relay waits and then reads only what is still unsent. Producers only
  insert, so they never wait for it. On SQLite, which has one writer at a time, the same row is a
  lease (``lease_seconds``) taken and renewed in short transactions instead, so producers are not
  held up by a broker round trip; there a relay stalled past its lease can overlap with the next
  leader, and consumers' inboxes absorb the repeat. Either way several relays publish each row
  once, in id order, which is per-subject order whenever writes to one subject are serialised
  (the version check on every aggregate does that).
- **At least once, strictly.** If the database commit fails after the broker confirmed, the rows are
  published again later; consumers recognise the repeat through their inbox.

The same loop runs over any ``OutboxStore``: ``SqlAlchemyOutboxStore`` for SQLModel services and
``reparo_shared.events.django_outbox.store.DjangoOutboxStore`` for cms.
"""

import argparse
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, create_engine, insert, select, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from reparo_shared.events.broker import (
    BROKER_ERRORS,
    ConfirmingPublisher,
    OutgoingEvent,
    PublishInterrupted,
    amqp_url,
    events_exchange,
)
from reparo_shared.events.outbox_sqlmodel import OutboxEvent, OutboxRelayLock
from reparo_shared.events.stopping import run_until_signalled
from reparo_shared.sqlite import make_sqlite_concurrent, sqlite_connect_args
from reparo_shared.tables import table_of

logger = logging.getLogger(__name__)

LOCK_NAME = "outbox"


@dataclass(frozen=True)
class PendingEvent(OutgoingEvent):
    """One unsent outbox row as the relay needs it."""

    row_id: int
    subject: str


class OutboxBatch(Protocol):
    """The relay's view of one open batch transaction."""

    def take_lock(self, holder: str) -> None: ...

    def renew_lease(self, holder: str, seconds: float) -> bool:
        """Take or extend the lock row as a lease; False while another holder's is current."""
        ...

    def pending(self, limit: int) -> list[PendingEvent]: ...

    def mark_sent(self, row_ids: Sequence[int], at: datetime) -> None: ...

    def note_failure(self, row_id: int, error: str) -> None: ...


class OutboxStore(Protocol):
    """Where a service keeps its outbox; ``batch()`` opens a transaction committed on exit.

    ``database_errors`` are what the store raises while its database is unreachable; the relay
    waits and retries on them.
    """

    database_errors: tuple[type[BaseException], ...]

    @property
    def uses_lease(self) -> bool:
        """True where holding the lock row through a publish would block producers (SQLite)."""
        ...

    def ensure_lock_row(self) -> None: ...

    def has_pending(self) -> bool:
        """A cheap unlocked look, so an idle relay does not write the lock row every poll."""
        ...

    def batch(self) -> AbstractContextManager[OutboxBatch]: ...


class _SqlAlchemyBatch:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._outbox = table_of(OutboxEvent)
        self._lock = table_of(OutboxRelayLock)

    def take_lock(self, holder: str) -> None:
        self._connection.execute(
            update(self._lock)
            .where(self._lock.c.name == LOCK_NAME)
            .values(holder=holder, taken_at=datetime.now(UTC))
        )

    def renew_lease(self, holder: str, seconds: float) -> bool:
        lock, now = self._lock, datetime.now(UTC)
        result = self._connection.execute(
            update(lock)
            .where(lock.c.name == LOCK_NAME)
            .where(
                (lock.c.holder == holder)
                | (lock.c.holder == "")
                | (lock.c.taken_at.is_(None))
                | (lock.c.taken_at < now - timedelta(seconds=seconds))
            )
            .values(holder=holder, taken_at=now)
        )
        return result.rowcount == 1

    def pending(self, limit: int) -> list[PendingEvent]:
        table = self._outbox
        rows = self._connection.execute(
            select(
                table.c.id, table.c.event_id, table.c.event_type, table.c.subject, table.c.envelope
            )
            .where(table.c.sent_at.is_(None))
            .order_by(table.c.id)
            .limit(limit)
        )
        return [
            PendingEvent(
                row_id=row_id,
                event_id=event_id,
                event_type=event_type,
                subject=subject,
                envelope_json=envelope,
            )
            for row_id, event_id, event_type, subject, envelope in rows
        ]

    def mark_sent(self, row_ids: Sequence[int], at: datetime) -> None:
        if row_ids:
            self._connection.execute(
                update(self._outbox).where(self._outbox.c.id.in_(row_ids)).values(sent_at=at)
            )

    def note_failure(self, row_id: int, error: str) -> None:
        table = self._outbox
        self._connection.execute(
            update(table)
            .where(table.c.id == row_id)
            .values(attempts=table.c.attempts + 1, last_error=error[:500])
        )


class SqlAlchemyOutboxStore:
    """The outbox of a SQLModel service (tables ``outbox_event`` and ``outbox_relay_lock``)."""

    database_errors: tuple[type[BaseException], ...] = (SQLAlchemyError,)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.uses_lease = engine.dialect.name == "sqlite"

    def ensure_lock_row(self) -> None:
        lock = table_of(OutboxRelayLock)
        try:
            with self.engine.begin() as connection:
                exists = connection.execute(select(lock.c.name).where(lock.c.name == LOCK_NAME))
                if exists.first() is None:
                    connection.execute(insert(lock).values(name=LOCK_NAME, holder=""))
        except IntegrityError:
            pass  # another relay inserted it at the same moment; either row serves

    def has_pending(self) -> bool:
        table = table_of(OutboxEvent)
        with self.engine.connect() as connection:
            query = select(table.c.id).where(table.c.sent_at.is_(None)).limit(1)
            return connection.execute(query).first() is not None

    @contextmanager
    def batch(self) -> Iterator[OutboxBatch]:
        with self.engine.begin() as connection:
            yield _SqlAlchemyBatch(connection)


class Relay:
    """Moves committed outbox rows to the events exchange; see the module docstring."""

    def __init__(
        self,
        store: OutboxStore,
        *,
        url: str | None = None,
        exchange: str | None = None,
        batch_size: int = 200,
        poll_seconds: float = 0.05,
        max_backoff_seconds: float = 30.0,
        lease_seconds: float = 60.0,
        name: str | None = None,
    ) -> None:
        self.store = store
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.publisher = ConfirmingPublisher(
            url or amqp_url(),
            exchange or events_exchange(),
            connection_name=f"relay {self.name}",
            confirm_timeout=lease_seconds / 3,
        )
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.lease_seconds = lease_seconds
        self.published_total = 0
        self._lost_while_idle: str | None = None

    def publish_batch(self) -> int:
        """Publish up to ``batch_size`` unsent rows while leading; return how many.

        Raises one of ``BROKER_ERRORS`` after recording whatever the broker had confirmed.
        """
        if self.store.uses_lease:
            return self._publish_batch_under_lease()
        with self.store.batch() as batch:
            batch.take_lock(self.name)
            rows = batch.pending(self.batch_size)
            sent, interrupted = self._publish(rows)
            self._record(batch, rows, sent, interrupted)
        return self._done(sent, interrupted)

    def _publish_batch_under_lease(self) -> int:
        # SQLite has one writer at a time: holding its write lock across the broker round trip
        # would make producers wait, so there the lock row is a lease renewed in short
        # transactions, and the batch is marked sent only while the lease is still ours.
        with self.store.batch() as batch:
            if not batch.renew_lease(self.name, self.lease_seconds):
                return 0
        with self.store.batch() as batch:
            rows = batch.pending(self.batch_size)
        sent, interrupted = self._publish(rows)
        with self.store.batch() as batch:
            if not batch.renew_lease(self.name, self.lease_seconds):
                # Another relay took over while this one stalled and may publish some of these
                # rows again (consumers' inboxes absorb that); they did go out, so mark them.
                logger.warning("events.relay.lease_lost", extra={"relay": self.name})
            self._record(batch, rows, sent, interrupted)
        return self._done(sent, interrupted)

    def _publish(self, rows: list[PendingEvent]) -> tuple[int, PublishInterrupted | None]:
        try:
            self.publisher.publish_all(rows)
        except PublishInterrupted as error:
            return min(error.confirmed, len(rows)), error
        return len(rows), None

    def _record(
        self,
        batch: OutboxBatch,
        rows: list[PendingEvent],
        sent: int,
        interrupted: PublishInterrupted | None,
    ) -> None:
        if interrupted is not None and sent < len(rows):
            batch.note_failure(rows[sent].row_id, f"{type(interrupted).__name__}: {interrupted}")
        batch.mark_sent([row.row_id for row in rows[:sent]], datetime.now(UTC))

    def _done(self, sent: int, interrupted: PublishInterrupted | None) -> int:
        self.published_total += sent
        if interrupted is not None:
            raise interrupted
        return sent

    def run(self, stop: threading.Event | None = None) -> None:
        """Publish until ``stop`` is set, riding out broker and database outages."""
        stop = stop or threading.Event()
        backoff = 0.0
        lock_row_ready = False
        logger.info("events.relay.started", extra={"relay": self.name})
        while not stop.is_set():
            try:
                if not lock_row_ready:
                    self.store.ensure_lock_row()
                    lock_row_ready = True
                if not self.publisher.connected:
                    if self._lost_while_idle is not None:
                        logger.warning(
                            "events.relay.broker_unavailable",
                            extra={"relay": self.name, "error": self._lost_while_idle},
                        )
                        self._lost_while_idle = None
                    self.publisher.connect()
                    logger.info("events.relay.connected", extra={"relay": self.name})
                if not self.store.has_pending():
                    self._pause(stop, self.poll_seconds)
                    continue
                published = self.publish_batch()
                backoff = 0.0
                if published < self.batch_size:
                    self._pause(stop, self.poll_seconds)
            except BROKER_ERRORS as error:
                self.publisher.close()
                backoff = self._next_backoff(backoff)
                logger.warning(
                    "events.relay.broker_unavailable",
                    extra={"relay": self.name, "error": repr(error), "retry_in": backoff},
                )
                self._pause(stop, backoff)
            except self.store.database_errors as error:
                backoff = self._next_backoff(backoff)
                logger.warning(
                    "events.relay.database_unavailable",
                    extra={"relay": self.name, "error": repr(error), "retry_in": backoff},
                )
                self._pause(stop, backoff)
            except Exception:
                # A relay that dies silently stops every event of its service; log, pause, go on.
                self.publisher.close()
                backoff = self._next_backoff(backoff)
                logger.exception("events.relay.unexpected_error", extra={"relay": self.name})
                self._pause(stop, backoff)
        self.publisher.close()
        logger.info("events.relay.stopped", extra={"relay": self.name})

    def _pause(self, stop: threading.Event, seconds: float) -> None:
        """Wait ``seconds`` or until ``stop``, servicing the broker connection meanwhile.

        pika's blocking connection answers heartbeats only while it runs; a relay that merely
        slept between polls went silent, the broker dropped it as dead after two heartbeats, and
        the next event met a reset connection. A loss noticed here is logged once and the
        relay's loop reconnects.
        """
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if not self.publisher.connected:
                stop.wait(remaining)
                return
            try:
                # Short slices, so a stop request is seen promptly.
                self.publisher.idle(min(remaining, 0.25))
            except BROKER_ERRORS as error:
                self.publisher.close()
                # Reported when the loop reconnects, not here: when the whole local stack stops,
                # the broker often goes first, and a relay about to stop too has nothing to say.
                self._lost_while_idle = repr(error)
                stop.wait(max(remaining, 0.25))
                return

    def _next_backoff(self, current: float) -> float:
        return min(self.max_backoff_seconds, max(0.25, current * 2))


def _engine(url: str) -> Engine:
    """The relay's engine; a SQLite demo database is shared with the service's own processes."""
    if make_url(url).drivername.startswith("sqlite"):
        return make_sqlite_concurrent(create_engine(url, connect_args=sqlite_connect_args()))
    return create_engine(url, pool_pre_ping=True)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m reparo_shared.events.relay``: run a relay over a SQLAlchemy database URL."""
    from reparo_shared.logs import configure_logging

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--amqp-url", default=amqp_url())
    parser.add_argument("--exchange", default=events_exchange())
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--poll-seconds", type=float, default=0.05)
    parser.add_argument("--service", default=os.environ.get("SERVICE_NAME", "outbox-relay"))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")

    configure_logging(args.service, json_logs=os.environ.get("LOG_JSON") == "1")
    relay = Relay(
        SqlAlchemyOutboxStore(_engine(args.database_url)),
        url=args.amqp_url,
        exchange=args.exchange,
        batch_size=args.batch_size,
        poll_seconds=args.poll_seconds,
    )
    run_until_signalled(relay.run)


if __name__ == "__main__":
    main()
