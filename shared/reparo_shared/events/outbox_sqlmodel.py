"""The transactional outbox for SQLModel services.

``record_event`` adds the event row to the caller's session: it commits or rolls back together with
the change that caused it. The relay (``reparo_shared.events.relay``) publishes committed rows.
"""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Index, Text, text
from sqlmodel import Field, Session, SQLModel

from reparo_shared.events.catalogue import EventPayload, make_envelope
from reparo_shared.events.envelope import Envelope


class OutboxEvent(SQLModel, table=True):
    """One event waiting to be published (``sent_at`` empty) or already published."""

    __tablename__ = "outbox_event"
    # Partial, on id alone: the relay's "unsent, oldest first" reads it in order and stops after a
    # batch. An index on (sent_at, id) made PostgreSQL sort every unsent row per batch under a
    # generic plan, which cost time in proportion to the backlog.
    __table_args__ = (
        Index(
            "ix_outbox_event_pending",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    event_type: str = Field(max_length=100)
    subject: str = Field(max_length=100)
    envelope: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        sa_column=Column(DateTime(timezone=True), nullable=False),
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)


class OutboxRelayLock(SQLModel, table=True):
    """The row relays lock while they publish a batch, so only one publishes at a time.

    Updating it is the first statement of a relay's batch transaction: PostgreSQL then holds a row
    lock and SQLite the database write lock until the batch is marked sent and committed.
    """

    __tablename__ = "outbox_relay_lock"

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(default="", max_length=100)
    taken_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


def record_event(
    session: Session, payload: EventPayload, *, producer: str, subject: str
) -> Envelope:
    """Write ``payload`` into the outbox within the caller's transaction and return its envelope."""
    envelope = make_envelope(payload, producer=producer, subject=subject)
    session.add(
        OutboxEvent(
            event_id=str(envelope.id),
            event_type=envelope.type,
            subject=subject,
            envelope=envelope.model_dump_json(),
        )
    )
    return envelope
