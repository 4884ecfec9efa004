"""Every message we tried to send a customer, with its delivery state."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class DeliveryState(StrEnum):
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


class CustomerMessage(SQLModel, table=True):
    """One message caused by one event (``event_id``), shown on the order and in the console."""

    __tablename__ = "customer_message"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    customer_id: int = Field(index=True)
    order_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=40)
    template_id: str = Field(max_length=100)
    fields_json: str = Field(sa_column=Column(Text, nullable=False))
    state: DeliveryState = Field(max_length=10)
    error: str | None = Field(default=None, max_length=300)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
