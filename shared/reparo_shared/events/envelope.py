"""The envelope every event travels in, whatever its type."""

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Envelope(BaseModel):
    """One event on the bus.

    ``subject`` names the aggregate the event is about (for example ``order:R2026-000123``);
    events about one subject are published in the order they were recorded.
    """

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    correlation_id: str = "-"
    subject: str
    data: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _must_be_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone")
        return value.astimezone(UTC)

    @property
    def routing_key(self) -> str:
        """Topic routing key: the type, so consumers bind to e.g. ``repair.order.*``."""
        return self.type

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> "Envelope":
        return cls.model_validate_json(body)
