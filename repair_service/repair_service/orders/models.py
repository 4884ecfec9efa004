"""Repair request, order, tick, attachment, shipment and receiving address tables."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class OrderStatus(StrEnum):
    OPEN = "open"
    REJECTED = "rejected"
    COMPLETED = "completed"


class ReceivingAddress(SQLModel, table=True):
    """A repair centre's address customers are told to ship to when a request is approved."""

    __tablename__ = "receiving_address"

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=100)
    contact_name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    address: str = Field(max_length=500)
    active: bool = True


class RepairRequest(SQLModel, table=True):
    """The master order: one customer submission holding one or more products."""

    __tablename__ = "repair_request"
    __table_args__ = (UniqueConstraint("customer_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    idempotency_key: str = Field(max_length=100)
    contact_name: str = Field(max_length=100)
    contact_phone: str = Field(max_length=32)
    ship_from_address: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class OrderSequence(SQLModel, table=True):
    """The last order number handed out per year (``R2026-000123`` is year 2026, value 123)."""

    __tablename__ = "order_sequence"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_value: int = 0


class RepairOrder(SQLModel, table=True):
    """One product of a request, moving through the nodes on its own."""

    __tablename__ = "repair_order"
    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        Index("ix_repair_order_node_code_status_created_at", "node_code", "status", "created_at"),
        Index("ix_repair_order_created_at_id", "created_at", "id"),
        Index("ix_repair_order_node_code_node_entered_at", "node_code", "node_entered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    year: int
    sequence: int
    request_id: int = Field(foreign_key="repair_request.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    pn: str = Field(max_length=100, index=True)
    sn: str = Field(max_length=100, index=True)
    pn_known: bool = True
    fault_description: str = Field(sa_column=Column(Text, nullable=False))
    node_code: str = Field(foreign_key="node.code", max_length=40)
    node_entered_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    status: OrderStatus = Field(default=OrderStatus.OPEN, max_length=20)
    timezone: str = Field(max_length=50)
    receiving_address_id: int | None = Field(default=None, foreign_key="receiving_address.id")
    review_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    accessories_received: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    findings: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    under_warranty: bool | None = None
    quote_declined: bool = False
    public_token: str | None = Field(default=None, max_length=64, unique=True)
    # Who works on the order at its current node, when a coordinator divided the work; cleared
    # whenever the order moves to another node (another team's work).
    assignee_id: int | None = Field(default=None, foreign_key="staff_account.id", index=True)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_by: str = Field(default="", max_length=150)
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class OperatorKind(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


# Outcomes that close a visit without the step succeeding: QC failed, the request or a payment
# proof was refused, the customer declined the quote. Pages mark these apart from successes.
SETBACK_OUTCOMES = frozenset({"failed", "rejected", "declined", "proof_rejected"})


class Tick(SQLModel, table=True):
    """One visit of an order to a node: entered, maybe started, completed, by whom, outcome."""

    __table_args__ = (Index("ix_tick_order_id_id", "order_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="repair_order.id")
    node_code: str = Field(foreign_key="node.code", max_length=40)
    entered_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    started_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    operator_kind: OperatorKind | None = Field(default=None, max_length=20)
    operator_id: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=40)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AttachmentKind(StrEnum):
    PRODUCT_PHOTO = "product_photo"
    FAULT_PHOTO = "fault_photo"
    FAULT_VIDEO = "fault_video"
    CONDITION_PHOTO = "condition_photo"
    FINDINGS_PHOTO = "findings_photo"
    PAYMENT_PROOF = "payment_proof"
    INVOICE_PDF = "invoice_pdf"
    OTHER = "other"


class Attachment(SQLModel, table=True):
    """A reference to a file kept by the file library (``key``), tied to what it documents."""

    id: int | None = Field(default=None, primary_key=True)
    kind: AttachmentKind = Field(max_length=30)
    key: str = Field(max_length=300)
    name: str = Field(max_length=200)
    order_id: int | None = Field(default=None, foreign_key="repair_order.id", index=True)
    tick_id: int | None = Field(default=None, foreign_key="tick.id", index=True)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ShipmentDirection(StrEnum):
    IN = "in"
    OUT = "out"


class Shipment(SQLModel, table=True):
    """A parcel to the repair centre (``in``) or back to the customer (``out``)."""

    __table_args__ = (UniqueConstraint("order_id", "direction"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="repair_order.id")
    direction: ShipmentDirection = Field(max_length=10)
    courier: str = Field(max_length=100)
    waybill: str = Field(max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Quote(SQLModel, table=True):
    """The price of repairing one order, in integer fen, as sent to the customer."""

    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_non_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="repair_order.id", index=True)
    amount_fen: int
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    staff_id: int = Field(foreign_key="staff_account.id")
    decision: str | None = Field(default=None, max_length=20)
    decided_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
