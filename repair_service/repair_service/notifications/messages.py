"""What each event tells the customer: template, fields and the order page it links to.

Values carry the order number and status first, so cutting a long comment or address to WeChat's
field limits never hides them. Template ids are configuration (``WECHAT_TEMPLATE_IDS``).
"""

import json
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from repair_service.billing.models import Payment
from repair_service.db import utcnow
from repair_service.orders.models import ReceivingAddress, RepairOrder
from reparo_shared.events import EventPayload
from reparo_shared.events.types import (
    RepairInvoiceIssued,
    RepairOrderShippedBack,
    RepairPaymentConfirmed,
    RepairPaymentProofRejected,
    RepairQuoteSent,
    RepairReviewApproved,
    RepairReviewRejected,
)

# The sandbox's demo templates; a real account sets its own ids in WECHAT_TEMPLATE_IDS (JSON).
DEFAULT_TEMPLATE_IDS = {
    "review_result": "TPL_REQUEST_REVIEWED",
    "quote_sent": "TPL_QUOTE_SENT",
    "payment_confirmed": "TPL_PAYMENT_CONFIRMED",
    "shipped_back": "TPL_SHIPPED_BACK",
    "invoice_ready": "TPL_INVOICE_READY",
}


@dataclass(frozen=True)
class Message:
    kind: str
    template: str
    order_id: int
    fields: dict[str, str]


def template_ids() -> dict[str, str]:
    configured = json.loads(os.environ.get("WECHAT_TEMPLATE_IDS") or "{}")
    return {**DEFAULT_TEMPLATE_IDS, **configured}


def message_for(session: Session, payload: EventPayload) -> Message | None:
    """The message an event causes, or None for events customers are not told about."""
    builder = BUILDERS.get(type(payload))
    return builder(session, payload) if builder else None


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _order(session: Session, order_id: int) -> RepairOrder:
    order = session.get(RepairOrder, order_id)
    if order is None:
        raise LookupError(f"order {order_id} not found")
    return order


def _approved(session: Session, event: RepairReviewApproved) -> Message:
    address = session.get(ReceivingAddress, event.receiving_address_id)
    where = address.address if address else ""
    fields = {"character_string1": event.order_number, "thing2": "审核通过", "thing3": where}
    return Message("review_approved", "review_result", event.order_id, fields)


def _rejected(session: Session, event: RepairReviewRejected) -> Message:
    comment = _order(session, event.order_id).review_comment or ""
    fields = {"character_string1": event.order_number, "thing2": "未通过", "thing3": comment}
    return Message("review_rejected", "review_result", event.order_id, fields)


def _quote(session: Session, event: RepairQuoteSent) -> Message:
    fields = {
        "character_string1": event.order_number,
        "amount2": _yuan(event.amount_fen),
        "thing3": "请确认报价" if event.needs_agreement else "保修内免费维修",
    }
    return Message("quote_sent", "quote_sent", event.order_id, fields)


def _numbers(session: Session, order_ids: list[int]) -> str:
    orders = session.exec(select(RepairOrder).where(col(RepairOrder.id).in_(order_ids))).all()
    return ",".join(sorted(order.number for order in orders))


def _proof_rejected(session: Session, event: RepairPaymentProofRejected) -> Message:
    payment = session.get(Payment, event.payment_id)
    reason = (payment.rejection_reason if payment else "") or ""
    fields = {
        "character_string1": _numbers(session, event.order_ids),
        "thing2": "付款凭证被退回",
        "thing3": reason,
    }
    return Message("proof_rejected", "review_result", event.order_ids[0], fields)


def _paid(session: Session, event: RepairPaymentConfirmed) -> Message:
    now = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    fields = {
        "character_string1": _numbers(session, event.order_ids),
        "amount2": _yuan(event.amount_fen),
        "time3": now,
    }
    return Message("payment_confirmed", "payment_confirmed", event.order_ids[0], fields)


def _shipped(session: Session, event: RepairOrderShippedBack) -> Message:
    fields = {
        "character_string1": event.order_number,
        "thing2": event.courier,
        "character_string3": event.waybill,
    }
    return Message("shipped_back", "shipped_back", event.order_id, fields)


def _invoice(session: Session, event: RepairInvoiceIssued) -> Message:
    kind = "电子发票已开具" if event.kind == "general" else "纸质专票已寄出"
    fields = {"character_string1": _numbers(session, event.order_ids), "thing2": kind}
    return Message("invoice_ready", "invoice_ready", event.order_ids[0], fields)


BUILDERS = {
    RepairReviewApproved: _approved,
    RepairReviewRejected: _rejected,
    RepairQuoteSent: _quote,
    RepairPaymentProofRejected: _proof_rejected,
    RepairPaymentConfirmed: _paid,
    RepairOrderShippedBack: _shipped,
    RepairInvoiceIssued: _invoice,
}
