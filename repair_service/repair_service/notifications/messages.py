"""What each event tells the customer: which notice, the values that fill it, the order it is about.

Values are named (``order``, ``status``, ``detail``...); configuration maps them onto the
account's template fields (``config.py``). The order number and status have fields of their own,
so cutting a long comment or address to WeChat's field limits never hides them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from repair_service.billing.models import Payment
from repair_service.db import utcnow
from repair_service.money import wechat_amount
from repair_service.notifications.config import Notice
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


@dataclass(frozen=True)
class Message:
    kind: str
    notice: Notice
    order_id: int
    values: dict[str, str]


def message_for(session: Session, payload: EventPayload) -> Message | None:
    """The message an event causes, or None for events customers are not told about."""
    builder = BUILDERS.get(type(payload))
    return builder(session, payload) if builder else None


def _order(session: Session, order_id: int) -> RepairOrder:
    order = session.get(RepairOrder, order_id)
    if order is None:
        raise LookupError(f"order {order_id} not found")
    return order


def _approved(session: Session, event: RepairReviewApproved) -> Message:
    address = session.get(ReceivingAddress, event.receiving_address_id)
    where = address.address if address else ""
    values = {"order": event.order_number, "status": "审核通过", "detail": where}
    return Message("review_approved", Notice.REVIEW_RESULT, event.order_id, values)


def _rejected(session: Session, event: RepairReviewRejected) -> Message:
    comment = _order(session, event.order_id).review_comment or ""
    values = {"order": event.order_number, "status": "未通过", "detail": comment}
    return Message("review_rejected", Notice.REVIEW_RESULT, event.order_id, values)


def _quote(session: Session, event: RepairQuoteSent) -> Message:
    values = {
        "order": event.order_number,
        "amount": wechat_amount(event.amount_fen),
        "next_step": "请确认报价" if event.needs_agreement else "保修内免费维修",
    }
    return Message("quote_sent", Notice.QUOTE_SENT, event.order_id, values)


def _numbers(session: Session, order_ids: list[int]) -> str:
    orders = session.exec(select(RepairOrder).where(col(RepairOrder.id).in_(order_ids))).all()
    return ",".join(sorted(order.number for order in orders))


def _proof_rejected(session: Session, event: RepairPaymentProofRejected) -> Message:
    payment = session.get(Payment, event.payment_id)
    reason = (payment.rejection_reason if payment else "") or ""
    values = {
        "order": _numbers(session, event.order_ids),
        "status": "付款凭证被退回",
        "detail": reason,
    }
    return Message("proof_rejected", Notice.REVIEW_RESULT, event.order_ids[0], values)


def _paid(session: Session, event: RepairPaymentConfirmed) -> Message:
    now = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    values = {
        "order": _numbers(session, event.order_ids),
        "amount": wechat_amount(event.amount_fen),
        "time": now,
    }
    return Message("payment_confirmed", Notice.PAYMENT_CONFIRMED, event.order_ids[0], values)


def _shipped(session: Session, event: RepairOrderShippedBack) -> Message:
    values = {"order": event.order_number, "courier": event.courier, "waybill": event.waybill}
    return Message("shipped_back", Notice.SHIPPED_BACK, event.order_id, values)


def _invoice(session: Session, event: RepairInvoiceIssued) -> Message:
    kind = "电子发票已开具" if event.kind == "general" else "纸质专票已寄出"
    values = {"order": _numbers(session, event.order_ids), "status": kind}
    return Message("invoice_ready", Notice.INVOICE_READY, event.order_ids[0], values)


# Each builder takes its own payload type, which no single callable type can say; the table pairs
# them by that type, so ``message_for`` only ever hands a builder the payload it was written for.
BUILDERS: dict[type[EventPayload], Callable[[Session, Any], Message]] = {
    RepairReviewApproved: _approved,
    RepairReviewRejected: _rejected,
    RepairQuoteSent: _quote,
    RepairPaymentProofRejected: _proof_rejected,
    RepairPaymentConfirmed: _paid,
    RepairOrderShippedBack: _shipped,
    RepairInvoiceIssued: _invoice,
}
