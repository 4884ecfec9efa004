"""Every table of the service, imported in one place so metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from repair_service.audit.models import AuditLog
from repair_service.billing.models import Invoice, Payment, PaymentOrder
from repair_service.catalogue.models import CatalogueProduct
from repair_service.customers.models import Customer, CustomerAddress, InvoiceTitle
from repair_service.files.models import UploadedFile
from repair_service.notifications.models import CustomerMessage, SubscriptionConsent
from repair_service.orders.models import (
    Attachment,
    OrderSequence,
    Quote,
    ReceivingAddress,
    RepairOrder,
    RepairRequest,
    Shipment,
    Tick,
)
from repair_service.process.models import Node, NodeGrant
from repair_service.staff.models import StaffAccount, StaffSession, Team, TeamMembership
from repair_service.wechat_pay.models import WeChatPayAttempt
from reparo_shared.events.consumer import InboxEvent
from reparo_shared.events.outbox_sqlmodel import OutboxEvent, OutboxRelayLock
from reparo_shared.scheduler.core import ScheduledJobRun

metadata = SQLModel.metadata

__all__ = [
    "Attachment",
    "AuditLog",
    "CatalogueProduct",
    "Customer",
    "CustomerAddress",
    "CustomerMessage",
    "InboxEvent",
    "Invoice",
    "InvoiceTitle",
    "Node",
    "NodeGrant",
    "OrderSequence",
    "OutboxEvent",
    "OutboxRelayLock",
    "Payment",
    "PaymentOrder",
    "Quote",
    "ReceivingAddress",
    "RepairOrder",
    "RepairRequest",
    "ScheduledJobRun",
    "Shipment",
    "StaffAccount",
    "StaffSession",
    "SubscriptionConsent",
    "Team",
    "TeamMembership",
    "Tick",
    "UploadedFile",
    "WeChatPayAttempt",
    "metadata",
]
