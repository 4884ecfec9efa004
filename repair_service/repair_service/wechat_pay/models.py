"""One WeChat Pay order (``out_trade_no``) per attempt to pay a payment."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class AttemptStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CLOSED = "closed"


class WeChatPayAttempt(SQLModel, table=True):
    """A JSAPI order placed with WeChat Pay for one payment.

    A new attempt (new ``out_trade_no``) is made when the previous one expired or was closed;
    the payment itself stays the same. ``needs_staff`` marks money WeChat took for an attempt we
    no longer expected to be paid (closed, or the payment was settled another way).
    """

    __tablename__ = "wechat_pay_attempt"

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    out_trade_no: str = Field(max_length=32, unique=True)
    prepay_id: str | None = Field(default=None, max_length=64)
    amount_fen: int
    status: AttemptStatus = Field(default=AttemptStatus.OPEN, max_length=10, index=True)
    transaction_id: str | None = Field(default=None, max_length=64, unique=True)
    expires_at: datetime = Field(sa_column=utc_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    paid_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    needs_staff: bool = False
