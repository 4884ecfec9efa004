"""``OutboxStore`` over the Django ORM, so ``reparo_shared.events.relay.Relay`` runs in cms."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import (
    DatabaseError,
    InterfaceError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from reparo_shared.events.django_outbox.models import OutboxEvent, OutboxRelayLock
from reparo_shared.events.relay import LOCK_NAME, OutboxBatch, PendingEvent


class _DjangoBatch:
    def take_lock(self, holder: str) -> None:
        OutboxRelayLock.objects.filter(name=LOCK_NAME).update(
            holder=holder[:100], taken_at=timezone.now()
        )

    def renew_lease(self, holder: str, seconds: float) -> bool:
        now = timezone.now()
        current = (
            Q(holder=holder[:100])
            | Q(holder="")
            | Q(taken_at__isnull=True)
            | Q(taken_at__lt=now - timedelta(seconds=seconds))
        )
        renewed = OutboxRelayLock.objects.filter(current, name=LOCK_NAME).update(
            holder=holder[:100], taken_at=now
        )
        return bool(renewed == 1)

    def pending(self, limit: int) -> list[PendingEvent]:
        rows = (
            OutboxEvent.objects.filter(sent_at__isnull=True)
            .order_by("id")
            .values_list("id", "event_id", "event_type", "subject", "envelope")[:limit]
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
            OutboxEvent.objects.filter(id__in=row_ids).update(sent_at=at)

    def note_failure(self, row_id: int, error: str) -> None:
        OutboxEvent.objects.filter(id=row_id).update(
            attempts=F("attempts") + 1, last_error=error[:500]
        )


class DjangoOutboxStore:
    """The outbox of a Django service (the ``reparo_outbox`` app's tables)."""

    database_errors: tuple[type[BaseException], ...] = (DatabaseError, InterfaceError)

    @property
    def uses_lease(self) -> bool:
        return bool(connection.vendor == "sqlite")

    def ensure_lock_row(self) -> None:
        with self._fresh_connection_on_error():
            OutboxRelayLock.objects.get_or_create(name=LOCK_NAME)

    def has_pending(self) -> bool:
        with self._fresh_connection_on_error():
            return OutboxEvent.objects.filter(sent_at__isnull=True).exists()

    @contextmanager
    def batch(self) -> Iterator[OutboxBatch]:
        with self._fresh_connection_on_error(), transaction.atomic():
            yield _DjangoBatch()

    @contextmanager
    def _fresh_connection_on_error(self) -> Iterator[None]:
        try:
            yield
        except self.database_errors:
            # A long-running process outlives connections; drop a broken one so the relay's next
            # attempt reconnects instead of failing on the same dead socket forever.
            close_old_connections()
            raise
