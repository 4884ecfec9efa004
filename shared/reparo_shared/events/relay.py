"""The outbox relay: publishes committed outbox rows to RabbitMQ and marks them sent.

Run one or more per service as their own processes::

    python -m reparo_shared.events.relay --database-url postgresql+psycopg://.../repair
    python -m django run_outbox_relay          # cms, through reparo_shared.events.django_outbox

How it keeps its promises:

- **Nothing lost.** A row is marked sent only after the broker confirmed it. While the broker is
  away the relay reconnects with a growing pause and the rows wait; producers only insert rows, so
  their requests never notice.
- **Once, in order.** Each batch is one database transaction whose first statement updates the
  ``outbox_relay_lock`` row. PostgreSQL holds that row lock (SQLite its write lock) until the batch
  is marked sent and committed, so a second relay waits and then reads only what is still unsent:
  several relays publish each row once, in id order, which is per-subject order whenever writes to
  one subject are serialised (the version check on every aggregate does that).
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
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine, create_engine, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from reparo_shared.events.broker import (
    BROKER_ERRORS,
    ConfirmingPublisher,
    amqp_url,
    events_exchange,
)
from reparo_shared.events.outbox_sqlmodel import OutboxEvent, OutboxRelayLock
from reparo_shared.events.stopping import run_until_signalled

logger = logging.getLogger(__name__)

LOCK_NAME = "outbox"


@dataclass(frozen=True)
class PendingEvent:
    """One unsent outbox row as the relay needs it."""

    row_id: int
    event_id: str
    event_type: str
    subject: str
    envelope_json: str


class OutboxBatch(Protocol):
    """The relay's view of one open batch transaction."""

    def take_lock(self, holder: str) -> None: ...

    def pending(self, limit: int) -> list[PendingEvent]: ...

    def mark_sent(self, row_ids: Sequence[int], at: datetime) -> None: ...

    def note_failure(self, row_id: int, error: str) -> None: ...


class OutboxStore(Protocol):
    """Where a service keeps its outbox; ``batch()`` opens a transaction committed on exit.

    ``database_errors`` are what the store raises while its database is unreachable; the relay
    waits and retries on them.
    """

    database_errors: tuple[type[BaseException], ...]

    def ensure_lock_row(self) -> None: ...

    def has_pending(self) -> bool:
        """A cheap unlocked look, so an idle relay does not write the lock row every poll."""
        ...

    def batch(self) -> AbstractContextManager[OutboxBatch]: ...


class _SqlAlchemyBatch:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._outbox = OutboxEvent.__table__  # type: ignore[attr-defined]
        self._lock = OutboxRelayLock.__table__  # type: ignore[attr-defined]

    def take_lock(self, holder: str) -> None:
        self._connection.execute(
            update(self._lock)
            .where(self._lock.c.name == LOCK_NAME)
            .values(holder=holder, taken_at=datetime.now(UTC))
        )

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
        return [PendingEvent(*row) for row in rows]

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

    def ensure_lock_row(self) -> None:
        lock = OutboxRelayLock.__table__  # type: ignore[attr-defined]
        try:
            with self.engine.begin() as connection:
                exists = connection.execute(select(lock.c.name).where(lock.c.name == LOCK_NAME))
                if exists.first() is None:
                    connection.execute(insert(lock).values(name=LOCK_NAME, holder=""))
        except IntegrityError:
            pass  # another relay inserted it at the same moment; either row serves

    def has_pending(self) -> bool:
        table = OutboxEvent.__table__  # type: ignore[attr-defined]
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
        name: str | None = None,
    ) -> None:
        self.store = store
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.publisher = ConfirmingPublisher(
            url or amqp_url(), exchange or events_exchange(), connection_name=f"relay {self.name}"
        )
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.published_total = 0

    def publish_batch(self) -> int:
        """Publish up to ``batch_size`` unsent rows under the relay lock; return how many.

        Raises one of ``BROKER_ERRORS`` after committing whatever the broker had confirmed.
        """
        failure: BaseException | None = None
        with self.store.batch() as batch:
            batch.take_lock(self.name)
            rows = batch.pending(self.batch_size)
            sent: list[int] = []
            try:
                for row in rows:
                    self.publisher.publish(
                        event_id=row.event_id,
                        event_type=row.event_type,
                        envelope_json=row.envelope_json,
                    )
                    sent.append(row.row_id)
            except BROKER_ERRORS as error:
                failure = error
                batch.note_failure(rows[len(sent)].row_id, f"{type(error).__name__}: {error}")
            batch.mark_sent(sent, datetime.now(UTC))
        self.published_total += len(sent)
        if failure is not None:
            raise failure
        return len(sent)

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
                    self.publisher.connect()
                    logger.info("events.relay.connected", extra={"relay": self.name})
                if not self.store.has_pending():
                    stop.wait(self.poll_seconds)
                    continue
                published = self.publish_batch()
                backoff = 0.0
                if published < self.batch_size:
                    stop.wait(self.poll_seconds)
            except BROKER_ERRORS as error:
                self.publisher.close()
                backoff = self._next_backoff(backoff)
                logger.warning(
                    "events.relay.broker_unavailable",
                    extra={"relay": self.name, "error": repr(error), "retry_in": backoff},
                )
                stop.wait(backoff)
            except self.store.database_errors as error:
                backoff = self._next_backoff(backoff)
                logger.warning(
                    "events.relay.database_unavailable",
                    extra={"relay": self.name, "error": repr(error), "retry_in": backoff},
                )
                stop.wait(backoff)
        self.publisher.close()
        logger.info("events.relay.stopped", extra={"relay": self.name})

    def _next_backoff(self, current: float) -> float:
        return min(self.max_backoff_seconds, max(0.25, current * 2))


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
        SqlAlchemyOutboxStore(create_engine(args.database_url, pool_pre_ping=True)),
        url=args.amqp_url,
        exchange=args.exchange,
        batch_size=args.batch_size,
        poll_seconds=args.poll_seconds,
    )
    run_until_signalled(relay.run)


if __name__ == "__main__":
    main()
