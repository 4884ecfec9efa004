"""API schemas of requests and orders (``XCreate`` in, ``XPublic`` out)."""

from datetime import datetime

from pydantic import BaseModel, Field, StrictInt, computed_field

from repair_service.billing.models import InvoiceKind, PaymentMethod, PaymentStatus
from repair_service.orders.models import (
    SETBACK_OUTCOMES,
    AttachmentKind,
    OrderStatus,
    ShipmentDirection,
)
from repair_service.orders.workflow import AttachmentRef
from repair_service.schemas import Fen, InputModel, Phone

Version = StrictInt


class ProductItemCreate(InputModel):
    pn: str = Field(min_length=1, max_length=100)
    sn: str = Field(min_length=1, max_length=100)
    fault_description: str = Field(min_length=1, max_length=5000)
    attachments: list[AttachmentRef] = Field(default=[], max_length=30)


class RepairRequestCreate(InputModel):
    contact_name: str = Field(min_length=1, max_length=100)
    contact_phone: Phone
    ship_from_address: str = Field(min_length=1, max_length=500)
    items: list[ProductItemCreate] = Field(min_length=1, max_length=20)


class NodeNames(BaseModel):
    code: str
    zh_hans: str
    en: str
    pt_br: str


class EtaPublic(BaseModel):
    node_estimated_days: int
    expected_completion: datetime
    days_left: int
    overdue: bool
    node_due_at: datetime


class TickPublic(BaseModel):
    id: int
    node: NodeNames
    entered_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    dwell_seconds: int | None
    operator_kind: str | None
    outcome: str | None
    comment: str | None
    attachments: list[AttachmentRef]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def setback(self) -> bool:
        """The visit ended without its step succeeding (QC failed, request rejected, ...)."""
        return self.outcome in SETBACK_OUTCOMES


class AttachmentPublic(BaseModel):
    kind: AttachmentKind
    key: str
    name: str


class ReceivingAddressPublic(BaseModel):
    id: int
    label: str
    contact_name: str
    phone: str
    address: str
    active: bool


class QuotePublic(BaseModel):
    id: int
    amount_fen: int
    note: str
    decision: str | None
    created_at: datetime


class PaymentPublic(BaseModel):
    id: int
    request_id: int
    method: PaymentMethod
    amount_fen: int
    status: PaymentStatus
    rejection_reason: str | None
    order_ids: list[int]
    version: int
    created_at: datetime
    confirmed_at: datetime | None


class InvoicePublic(BaseModel):
    id: int
    payment_id: int
    kind: InvoiceKind
    title: str
    tax_id: str
    pdf_key: str | None
    courier: str | None
    waybill: str | None
    requested_at: datetime
    issued_at: datetime | None


class ShipmentPublic(BaseModel):
    direction: ShipmentDirection
    courier: str
    waybill: str


class SerialHistoryEntry(BaseModel):
    order_id: int
    number: str
    created_at: datetime
    completed_at: datetime | None
    status: OrderStatus


class OrderSummary(BaseModel):
    id: int
    number: str
    request_id: int
    customer_id: int
    pn: str
    sn: str
    pn_known: bool
    product_name: str | None
    node: NodeNames
    status: OrderStatus
    version: int
    created_at: datetime
    node_entered_at: datetime
    eta: EtaPublic | None


class OrderPublic(OrderSummary):
    """An order as its owner (and staff) see it."""

    fault_description: str
    timezone: str
    review_comment: str | None
    accessories_received: str | None
    findings: str | None
    under_warranty: bool | None
    quote_declined: bool
    receiving_address: ReceivingAddressPublic | None
    needs_from_customer: str | None
    customer_actions: list[str]
    timeline: list[TickPublic]
    attachments: list[AttachmentPublic]
    quote: QuotePublic | None
    payment: PaymentPublic | None
    # WeChat Pay took money for a payment of this order that was no longer expected (the
    # customer had chosen another method, or it was already settled) and staff have to check it;
    # the customer's page says so while the order still waits for payment.
    wechat_paid_unexpectedly: bool = False
    invoice: InvoicePublic | None
    shipments: list[ShipmentPublic]
    serial_history: list[SerialHistoryEntry]
    repeat_repair: bool


class StaffOrderPublic(OrderPublic):
    """An order as the console sees it: contact details and the public token included."""

    contact_name: str
    contact_phone: str
    ship_from_address: str
    customer_name: str
    customer_company: str
    assignee_id: int | None
    public_token: str | None
    staff_actions: list[str]


class StaffOrderRow(OrderSummary):
    """A row of the staff list: the customer's WeChat name (or the request's contact name when
    WeChat gave none) and company, and who the order is assigned to at its node."""

    customer_name: str
    customer_company: str
    assignee_name: str | None = None


class RepairRequestPublic(BaseModel):
    id: int
    contact_name: str
    contact_phone: str
    ship_from_address: str
    created_at: datetime
    orders: list[OrderSummary]


class PublicOrderView(BaseModel):
    """The QR page: product, progress and ETA, personal data masked."""

    number: str
    pn: str
    product_name: str | None
    sn: str
    status: OrderStatus
    node: NodeNames
    contact_name: str
    contact_phone: str
    ship_from_address: str
    timeline: list[TickPublic]
    eta: EtaPublic | None


# Action bodies: each carries the version the caller last saw.


class VersionedAction(InputModel):
    expected_version: Version


class ApproveAction(VersionedAction):
    receiving_address_id: StrictInt
    comment: str | None = Field(default=None, max_length=2000)


class CommentAction(VersionedAction):
    comment: str = Field(default="", max_length=2000)


class RequiredCommentAction(VersionedAction):
    comment: str = Field(min_length=1, max_length=2000)


class WaybillAction(VersionedAction):
    courier: str = Field(min_length=1, max_length=100)
    waybill: str = Field(min_length=3, max_length=100)


class ReceiveAction(VersionedAction):
    condition: str = Field(min_length=1, max_length=2000)
    accessories: str = Field(default="", max_length=2000)
    photos: list[AttachmentRef] = Field(default=[], max_length=30)


class InspectionAction(VersionedAction):
    findings: str = Field(min_length=1, max_length=5000)
    under_warranty: bool
    photos: list[AttachmentRef] = Field(default=[], max_length=30)


class QuoteCreate(VersionedAction):
    amount_fen: Fen
    note: str = Field(default="", max_length=2000)
    photos: list[AttachmentRef] = Field(default=[], max_length=30)


class PaymentCreate(InputModel):
    method: PaymentMethod
    order_ids: list[StrictInt] = Field(min_length=1, max_length=20)


class ProofAction(VersionedAction):
    proofs: list[AttachmentRef] = Field(min_length=1, max_length=10)


class ProofRejection(VersionedAction):
    reason: str = Field(min_length=1, max_length=2000)


class InvoiceCreate(InputModel):
    kind: InvoiceKind
    title: str = Field(min_length=1, max_length=200)
    tax_id: str = Field(default="", max_length=18)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    bank: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=64)


class InvoiceIssue(InputModel):
    pdf_key: str | None = Field(default=None, max_length=300)
    courier: str | None = Field(default=None, max_length=100)
    waybill: str | None = Field(default=None, max_length=100)


class PublicTokenPublic(BaseModel):
    order_id: int
    public_token: str | None


class ReceivingAddressCreate(InputModel):
    label: str = Field(min_length=1, max_length=100)
    contact_name: str = Field(min_length=1, max_length=100)
    phone: Phone
    address: str = Field(min_length=1, max_length=500)


class ReceivingAddressUpdate(InputModel):
    label: str | None = Field(default=None, min_length=1, max_length=100)
    contact_name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: Phone | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500)
    active: bool | None = None


class AssignAction(VersionedAction):
    assignee_id: StrictInt | None = None
