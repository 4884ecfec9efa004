"""Payment, payment-order link and invoice tables."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class PaymentMethod(StrEnum):
    WECHAT = "wechat"
    OFFLINE = "offline"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # chosen, nothing paid or shown yet
    SUBMITTED = "submitted"  # offline proof waiting for finance
    REJECTED = "rejected"  # offline proof refused; the reason is shown to the customer
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # replaced by another payment attempt for the same orders


class Payment(SQLModel, table=True):
    """One payment for one or more agreed orders of a single request."""

    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_non_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="repair_request.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    method: PaymentMethod = Field(max_length=20)
    amount_fen: int
    status: PaymentStatus = Field(default=PaymentStatus.PENDING, max_length=20)
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    out_trade_no: str | None = Field(default=None, max_length=64, unique=True)
    transaction_id: str | None = Field(default=None, max_length=64, unique=True)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_by: str = Field(default="", max_length=150)
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PaymentOrder(SQLModel, table=True):
    __tablename__ = "payment_order"

    payment_id: int = Field(foreign_key="payment.id", primary_key=True)
    order_id: int = Field(foreign_key="repair_order.id", primary_key=True, index=True)


class InvoiceKind(StrEnum):
    GENERAL = "general"  # electronic PDF
    SPECIAL = "special"  # VAT special invoice on paper, mailed with a waybill


class Invoice(SQLModel, table=True):
    """The invoice of one payment, with a snapshot of the title at request time."""

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", unique=True)
    kind: InvoiceKind = Field(max_length=20)
    title: str = Field(max_length=200)
    tax_id: str = Field(default="", max_length=18)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    bank: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=64)
    pdf_key: str | None = Field(default=None, max_length=300)
    courier: str | None = Field(default=None, max_length=100)
    waybill: str | None = Field(default=None, max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    issued_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
