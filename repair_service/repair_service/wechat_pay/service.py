"""WeChat Pay state changes: start an attempt, apply a verified payment once, close attempts.

The browser's "paid" callback is never proof: money counts only from a notification whose
signature, timestamp, merchant, app and amount were verified, or from our own query to WeChat Pay.
Either path ends in ``apply_paid``, which locks the attempt row so concurrent duplicates apply
once.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from repair_service.audit.service import write_audit
from repair_service.billing.models import Payment, PaymentMethod, PaymentOrder, PaymentStatus
from repair_service.billing.service import (
    load_visible_payment,
    orders_of_payment,
    record_wechat_payment,
)
from repair_service.customers.models import Customer
from repair_service.db import as_utc, saved_id, utcnow
from repair_service.errors import IllegalMove, NotFound
from repair_service.orders.actors import Actor
from repair_service.orders.workflow import require_grant
from repair_service.wechat_pay.models import AttemptStatus, WeChatPayAttempt

__all__ = ["AttemptStatus", "MerchantRecord", "apply_paid", "start_attempt"]
from reparo_shared.wechat_pay import (
    TradeState,
    Transaction,
    WeChatPayApiError,
    WeChatPayClient,
    check_against_record,
    new_out_trade_no,
)

logger = logging.getLogger(__name__)

ATTEMPT_LIFETIME = timedelta(minutes=15)
SYSTEM = Actor.system("wechat_pay")


@dataclass(frozen=True)
class MerchantRecord:
    """What a notification must match besides the attempt itself."""

    mchid: str
    appid: str


def start_attempt(
    session: Session, *, actor: Actor, payment_id: int, client: WeChatPayClient
) -> dict[str, str]:
    """Place (or re-use) the JSAPI order for a customer's WeChat payment; return the parameters
    the page hands to the pay sheet."""
    payment = load_visible_payment(session, actor, payment_id)
    if not actor.is_customer or payment.method != PaymentMethod.WECHAT:
        raise IllegalMove("Only the customer can pay with WeChat Pay")
    if payment.status != PaymentStatus.PENDING:
        raise IllegalMove("This payment is not waiting to be paid")
    if payment.amount_fen <= 0:
        raise IllegalMove("There is nothing to pay with WeChat Pay: the agreed price is ¥0")

    attempt = _open_attempt(session, payment) or _new_attempt(session, payment)
    customer = session.get(Customer, payment.customer_id)
    if customer is None:
        raise NotFound("No such customer")
    numbers = ", ".join(order.number for order in orders_of_payment(session, payment_id))
    jsapi = client.create_jsapi_payment(
        out_trade_no=attempt.out_trade_no,
        description=f"Reparo repair {numbers}",
        amount_fen=attempt.amount_fen,
        payer_openid=customer.openid,
        time_expire=as_utc(attempt.expires_at),
    )
    attempt.prepay_id = jsapi.prepay_id
    session.add(attempt)
    logger.info(
        "wechat_pay.attempt_started",
        extra={"payment_id": payment_id, "out_trade_no": attempt.out_trade_no},
    )
    return dict(jsapi.bridge_parameters)


def _open_attempt(session: Session, payment: Payment) -> WeChatPayAttempt | None:
    attempt = session.exec(
        select(WeChatPayAttempt)
        .where(
            WeChatPayAttempt.payment_id == payment.id,
            WeChatPayAttempt.status == AttemptStatus.OPEN,
        )
        .order_by(col(WeChatPayAttempt.id).desc())
    ).first()
    usable = (
        attempt is not None
        and attempt.amount_fen == payment.amount_fen
        and as_utc(attempt.expires_at) - utcnow() > timedelta(minutes=2)
    )
    return attempt if usable else None


def _new_attempt(session: Session, payment: Payment) -> WeChatPayAttempt:
    attempt = WeChatPayAttempt(
        payment_id=saved_id(payment),
        out_trade_no=new_out_trade_no(),
        amount_fen=payment.amount_fen,
        expires_at=utcnow() + ATTEMPT_LIFETIME,
    )
    session.add(attempt)
    session.flush()
    return attempt


def apply_paid(session: Session, transaction: Transaction, merchant: MerchantRecord) -> None:
    """Apply what WeChat Pay says about one of our orders, exactly once.

    Raises ``RecordMismatch`` (nothing changed) when merchant, app, amount or number differ from
    our record, and NotFound for an order number we never issued.
    """
    attempt = session.exec(
        select(WeChatPayAttempt)
        .where(WeChatPayAttempt.out_trade_no == transaction.out_trade_no)
        .with_for_update()
    ).first()
    if attempt is None:
        raise NotFound("No such WeChat Pay order")
    check_against_record(
        transaction, merchant.mchid, merchant.appid, attempt.amount_fen, attempt.out_trade_no
    )
    if transaction.trade_state != TradeState.SUCCESS or attempt.status == AttemptStatus.PAID:
        return

    payment = session.get(Payment, attempt.payment_id)
    expected = (
        attempt.status == AttemptStatus.OPEN
        and payment is not None
        and (payment.status == PaymentStatus.PENDING)
    )
    _mark_paid(session, attempt, transaction, needs_staff=not expected)
    if not expected:
        _flag_for_staff(session, attempt)
        return
    record_wechat_payment(
        session,
        payment_id=attempt.payment_id,
        transaction_id=transaction.transaction_id or transaction.out_trade_no,
        amount_fen=transaction.amount_total_fen,
    )


def _mark_paid(
    session: Session, attempt: WeChatPayAttempt, transaction: Transaction, *, needs_staff: bool
) -> None:
    attempt.status = AttemptStatus.PAID
    attempt.transaction_id = transaction.transaction_id
    attempt.paid_at = transaction.success_time or utcnow()
    attempt.needs_staff = needs_staff
    session.add(attempt)


def _flag_for_staff(session: Session, attempt: WeChatPayAttempt) -> None:
    """Money arrived for an attempt we had closed or a payment already settled: a person must
    refund or reconcile it, so it is recorded and logged, never silently dropped."""
    write_audit(
        session,
        SYSTEM,
        "wechat_paid_unexpectedly",
        payment_id=attempt.payment_id,
        out_trade_no=attempt.out_trade_no,
        amount_fen=attempt.amount_fen,
    )
    logger.warning(
        "wechat_pay.unexpected_payment",
        extra={"payment_id": attempt.payment_id, "out_trade_no": attempt.out_trade_no},
    )


def open_attempts(session: Session, payment_id: int) -> list[WeChatPayAttempt]:
    return list(
        session.exec(
            select(WeChatPayAttempt).where(
                WeChatPayAttempt.payment_id == payment_id,
                WeChatPayAttempt.status == AttemptStatus.OPEN,
            )
        )
    )


def attempts_to_close(session: Session, now: datetime) -> list[WeChatPayAttempt]:
    """Open attempts nobody should pay any more: expired ones, and those of a payment no longer
    pending (the customer chose again, or it was settled by another attempt) whose close at
    WeChat Pay did not get through when that happened."""
    return list(
        session.exec(
            select(WeChatPayAttempt)
            .join(Payment, col(Payment.id) == WeChatPayAttempt.payment_id)
            .where(
                WeChatPayAttempt.status == AttemptStatus.OPEN,
                (col(WeChatPayAttempt.expires_at) < now)
                | (col(Payment.status) != PaymentStatus.PENDING),
            )
            .order_by(col(WeChatPayAttempt.id))
        )
    )


def open_attempts_of_orders(
    session: Session, customer_id: int, order_ids: Sequence[int]
) -> list[str]:
    """The ``out_trade_no`` of every open attempt of this customer's payments covering any of
    these orders: what choosing how to pay again must close first."""
    return list(
        session.exec(
            select(WeChatPayAttempt.out_trade_no)
            .join(Payment, col(Payment.id) == WeChatPayAttempt.payment_id)
            .join(PaymentOrder, col(PaymentOrder.payment_id) == Payment.id)
            .where(
                col(PaymentOrder.order_id).in_(list(order_ids)),
                Payment.customer_id == customer_id,
                WeChatPayAttempt.status == AttemptStatus.OPEN,
            )
            .distinct()
        )
    )


def settle_or_close(
    session: Session, out_trade_no: str, client: WeChatPayClient, merchant: MerchantRecord
) -> None:
    """Ask WeChat Pay about an open attempt and apply a payment it took (or flag it for staff
    when its payment is no longer pending); if unpaid, close the order there and then here, so
    a pay page still open can no longer take money.

    Raises ``WeChatPayError`` when WeChat Pay cannot be asked or refuses the close; the attempt
    then stays open for the worker's job.
    """
    apply_paid(session, client.query_payment(out_trade_no), merchant)
    attempt = session.exec(
        select(WeChatPayAttempt)
        .where(WeChatPayAttempt.out_trade_no == out_trade_no)
        .with_for_update()
    ).one()
    if attempt.status != AttemptStatus.OPEN:
        return
    try:
        client.close_payment(out_trade_no)
    except WeChatPayApiError as error:
        if error.code != "ORDERPAID":
            raise
        # Paid between our query and the close: the answer to a new query has the transaction.
        apply_paid(session, client.query_payment(out_trade_no), merchant)
        return
    close_attempt(session, attempt)


def close_attempt(session: Session, attempt: WeChatPayAttempt) -> None:
    attempt.status = AttemptStatus.CLOSED
    session.add(attempt)
    logger.info(
        "wechat_pay.attempt_closed",
        extra={"payment_id": attempt.payment_id, "out_trade_no": attempt.out_trade_no},
    )


def record_unexpected_payment_settled(
    session: Session, *, actor: Actor, order_id: int, attempt_id: int, note: str
) -> WeChatPayAttempt:
    """Staff record that money WeChat Pay took unexpectedly for this order was refunded or
    otherwise settled (in WeChat Pay's merchant platform): the flag leaves the order and the
    board, and the audit log keeps who settled it, when, and their note.

    Finance (the fee collection step's teams) and coordinators may do this. Nothing else reacts
    to it, so no event is published: the customer already got their money back from WeChat.
    """
    require_grant(session, actor, "fee_collection")
    attempt = session.exec(
        select(WeChatPayAttempt)
        .join(PaymentOrder, col(PaymentOrder.payment_id) == WeChatPayAttempt.payment_id)
        .where(WeChatPayAttempt.id == attempt_id, PaymentOrder.order_id == order_id)
        .with_for_update()
    ).first()
    if attempt is None:
        raise NotFound("No such WeChat Pay order")
    if not attempt.needs_staff:
        raise IllegalMove("WeChat Pay order {number} has nothing left to settle",
                          number=attempt.out_trade_no)  # fmt: skip

    attempt.needs_staff = False
    session.add(attempt)
    write_audit(
        session,
        actor,
        "wechat_unexpected_payment_settled",
        order_id=order_id,
        payment_id=attempt.payment_id,
        out_trade_no=attempt.out_trade_no,
        amount_fen=attempt.amount_fen,
        note=note,
    )
    logger.info(
        "wechat_pay.unexpected_payment_settled",
        extra={"order_id": order_id, "out_trade_no": attempt.out_trade_no, "staff_id": actor.id},
    )
    return attempt


def order_attempts(session: Session, order_id: int) -> list[WeChatPayAttempt]:
    """Every WeChat Pay attempt of every payment (cancelled ones too) covering the order, oldest
    first, for the console: money may arrive for a payment the customer had replaced."""
    return list(
        session.exec(
            select(WeChatPayAttempt)
            .join(PaymentOrder, col(PaymentOrder.payment_id) == WeChatPayAttempt.payment_id)
            .where(PaymentOrder.order_id == order_id)
            .order_by(col(WeChatPayAttempt.id))
        )
    )
