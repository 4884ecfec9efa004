"""The Django twins of ``reparo_shared.events.outbox_sqlmodel``'s tables, column for column."""

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """One event waiting to be published (``sent_at`` empty) or already published."""

    event_id = models.CharField(max_length=36, unique=True)
    event_type = models.CharField(max_length=100)
    subject = models.CharField(max_length=100)
    envelope = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    last_error = models.CharField(max_length=500, null=True, blank=True)

    class Meta:
        db_table = "outbox_event"
        # Partial on id, as in outbox_sqlmodel: the relay reads unsent rows in id order.
        indexes = [
            models.Index(
                fields=["id"],
                name="ix_outbox_event_pending",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class OutboxRelayLock(models.Model):
    """The row a relay updates first in each batch; see ``reparo_shared.events.relay``."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100, default="")
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "outbox_relay_lock"

    def __str__(self) -> str:
        return self.name
