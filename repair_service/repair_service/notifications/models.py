"""Every message we tried to send a customer, with its delivery state; consents to receive them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class DeliveryState(StrEnum):
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    # A subscription message is being sent. Found in this state by a later attempt, it means a
    # worker stopped mid-send: WeChat may or may not have delivered it, so it becomes
    # UNCONFIRMED and is not sent again (WeChat does not de-duplicate subscription messages).
    SENDING = "sending"
    UNCONFIRMED = "unconfirmed"


class CustomerMessage(SQLModel, table=True):
    """One message caused by one event (``event_id``), shown on the order and in the console."""

    __tablename__ = "customer_message"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    customer_id: int = Field(index=True)
    order_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=40)
    # "template" or "subscription" (see notifications.config.Channel).
    channel: str = Field(default="template", max_length=20)
    template_id: str = Field(max_length=100)
    fields_json: str = Field(sa_column=Column(Text, nullable=False))
    state: DeliveryState = Field(max_length=10)
    error: str | None = Field(default=None, max_length=300)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class SubscriptionConsent(SQLModel, table=True):
    """How many subscription messages of one template a customer has agreed to receive.

    Each "allow" in WeChat's consent sheet is good for one message; a send spends one, and
    WeChat's 43101 (none left) sets it to zero.
    """

    __tablename__ = "subscription_consent"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    template_id: str = Field(max_length=100, primary_key=True)
    remaining: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
