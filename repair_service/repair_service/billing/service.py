"""Payments and invoices: one payment may cover several agreed orders of one request, and one
invoice covers one payment.

Rules enforced here, not only in pages: an invoice for a WeChat payment is general only; an offline
payment may have a general or a special invoice; a tax id is a valid unified social credit code.
"""

import logging
from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from repair_service.audit.service import last_change, write_audit
from repair_service.billing.models import (
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    PaymentOrder,
    PaymentStatus,
)
from repair_service.billing.tax_id import is_valid_credit_code
from repair_service.db import as_utc, saved_id, utcnow
from repair_service.errors import Forbidden, IllegalMove, InvalidInput, NotFound, StaleVersion
from repair_service.files.service import uploads_by_key
from repair_service.orders.actors import Actor
from repair_service.orders.models import OrderStatus, Quote, RepairOrder
from repair_service.orders.workflow import (
    AttachmentRef,
    add_attachments,
    advance,
    customer_stale_error,
    emit,
    require_grant,
)
from reparo_shared.events.types import (
    RepairInvoiceIssued,
    RepairPaymentConfirmed,
    RepairPaymentProofRejected,
)
from reparo_shared.files import FileKind

logger = logging.getLogger(__name__)

# The outcome of an invoicing visit closed by issuing the invoice.
INVOICED = "invoiced"
ACTIVE = (PaymentStatus.PENDING, PaymentStatus.SUBMITTED, PaymentStatus.REJECTED)


def payment_subject(payment: Payment) -> str:
    return f"payment:{payment.id}"


def load_visible_payment(session: Session, actor: Actor, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None or (actor.is_customer and payment.customer_id != actor.numeric_id):
        raise NotFound("No such payment")
    return payment


def orders_of_payment(session: Session, payment_id: int) -> list[RepairOrder]:
    return list(
        session.exec(
            select(RepairOrder)
            .join(PaymentOrder, col(PaymentOrder.order_id) == RepairOrder.id)
            .where(PaymentOrder.payment_id == payment_id)
            .order_by(col(RepairOrder.id))
        )
    )


def claim_payment(
    session: Session, actor: Actor, payment: Payment, expected_version: int
) -> Payment:
    """Bump the payment's version only if it is still ``expected_version`` (one UPDATE)."""
    result = session.exec(
        update(Payment)
        .where(col(Payment.id) == payment.id, col(Payment.version) == expected_version)
        .values(version=Payment.version + 1, updated_at=utcnow(), updated_by=actor.label)
    )
    fresh = session.get(Payment, payment.id, populate_existing=True)
    assert fresh is not None
    if result.rowcount != 1:
        raise _stale_payment(session, fresh, actor)
    return fresh


def _stale_payment(session: Session, payment: Payment, actor: Actor) -> StaleVersion:
    """The conflict: who changed the payment last (staff by account id, never by name) and when;
    a customer gets the wording of ``customer_stale_error``."""
    if actor.is_customer:
        return customer_stale_error(payment.updated_at, "payment")
    payment_id = saved_id(payment)
    when = as_utc(payment.updated_at).strftime("%Y-%m-%d %H:%M UTC")
    last = last_change(session, payment_id=payment_id)
    if last is not None and last.actor_kind == "staff":
        return StaleVersion(
            "Payment {payment} was changed by staff member {staff} at {when}; reload and try again",
            payment=payment_id,
            staff=last.actor_id,
            when=when,
        )
    if last is not None and last.actor_kind == "customer":
        return StaleVersion(
            "Payment {payment} was changed by the customer at {when}; reload and try again",
            payment=payment_id,
            when=when,
        )
    return StaleVersion(
        "Payment {payment} was changed at {when}; reload and try again",
        payment=payment_id,
        when=when,
    )


def _agreed_amount(session: Session, order: RepairOrder) -> int:
    quote = session.exec(
        select(Quote).where(Quote.order_id == order.id).order_by(col(Quote.id).desc())
    ).first()
    if quote is None or quote.decision != "agreed":
        raise IllegalMove("Order {number} has no agreed quote", number=order.number)
    return quote.amount_fen


def choose_payment_method(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    order_ids: Sequence[int],
    method: PaymentMethod,
) -> Payment:
    """The customer picks how to pay for one or more agreed orders of one request.

    Earlier unfinished attempts (chosen, or with a rejected proof) covering these orders are
    cancelled, so switching from offline to WeChat Pay after a rejected proof works. Orders whose
    proof is waiting for finance, or already paid, cannot be chosen again.
    """
    if not actor.is_customer:
        raise Forbidden("Only the customer chooses how to pay")
    unique_ids = sorted(set(order_ids))
    if not unique_ids:
        raise InvalidInput("Choose at least one order to pay for")
    orders = list(
        session.exec(
            select(RepairOrder)
            .where(col(RepairOrder.id).in_(unique_ids))
            .order_by(col(RepairOrder.id))
            .with_for_update()
        )
    )
    if len(orders) != len(unique_ids) or any(o.customer_id != actor.numeric_id for o in orders):
        raise NotFound("No such order")
    for order in orders:
        if order.request_id != request_id:
            raise InvalidInput("Order {number} belongs to another request", number=order.number)
        if order.status != OrderStatus.OPEN or order.node_code != "fee_collection":
            raise IllegalMove("Order {number} is not waiting for payment", number=order.number)
    amount = sum(_agreed_amount(session, order) for order in orders)
    if amount == 0 and method == PaymentMethod.WECHAT:
        # WeChat Pay takes only a positive amount; new ¥0 agreements skip fee collection.
        raise IllegalMove("There is nothing to pay with WeChat Pay: the agreed price is ¥0")
    _cancel_open_attempts(session, actor, unique_ids)

    payment = Payment(
        request_id=request_id,
        customer_id=actor.numeric_id,
        method=method,
        amount_fen=amount,
        updated_by=actor.label,
    )
    session.add(payment)
    session.flush()
    for order in orders:
        session.add(PaymentOrder(payment_id=saved_id(payment), order_id=saved_id(order)))
    write_audit(
        session,
        actor,
        "choose_payment_method",
        payment_id=payment.id,
        method=method.value,
        amount_fen=amount,
        order_ids=unique_ids,
    )
    session.flush()
    return payment


def _cancel_open_attempts(session: Session, actor: Actor, order_ids: list[int]) -> None:
    earlier = session.exec(
        select(Payment)
        .join(PaymentOrder, col(PaymentOrder.payment_id) == Payment.id)
        .where(col(PaymentOrder.order_id).in_(order_ids))
        .where(col(Payment.status).in_([PaymentStatus.SUBMITTED, PaymentStatus.CONFIRMED]))
    ).first()
    if earlier is not None:
        if earlier.status == PaymentStatus.CONFIRMED:
            raise IllegalMove("These orders are already paid")
        raise IllegalMove("A payment proof for these orders is already waiting for confirmation")
    for payment in session.exec(
        select(Payment)
        .join(PaymentOrder, col(PaymentOrder.payment_id) == Payment.id)
        .where(col(PaymentOrder.order_id).in_(order_ids))
        .where(col(Payment.status).in_([PaymentStatus.PENDING, PaymentStatus.REJECTED]))
    ).unique():
        payment.status = PaymentStatus.CANCELLED
        session.add(payment)
        write_audit(session, actor, "cancel_payment", payment_id=payment.id)


def submit_offline_proof(
    session: Session,
    *,
    actor: Actor,
    payment_id: int,
    expected_version: int,
    proofs: Sequence[AttachmentRef],
) -> Payment:
    """The customer uploads (or, after a rejection, re-uploads) proof of an offline transfer."""
    payment = load_visible_payment(session, actor, payment_id)
    if not actor.is_customer:
        raise Forbidden("Only the customer submits a payment proof")
    if payment.method != PaymentMethod.OFFLINE:
        raise IllegalMove("A proof is only needed for an offline payment")
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.REJECTED):
        raise IllegalMove("This payment is not waiting for a proof")
    if not proofs:
        raise InvalidInput("Attach at least one proof image")
    uploads = uploads_by_key(session, [proof.key for proof in proofs])
    if any(proof.key in uploads and uploads[proof.key].kind != FileKind.IMAGE for proof in proofs):
        raise InvalidInput("A payment proof must be a photo or screenshot")
    payment = claim_payment(session, actor, payment, expected_version)

    payment.status = PaymentStatus.SUBMITTED
    payment.rejection_reason = None
    session.add(payment)
    add_attachments(session, actor, proofs, payment_id=payment.id)
    write_audit(session, actor, "submit_offline_proof", payment_id=payment.id)
    session.flush()
    return payment


def _require_fee_collection(session: Session, actor: Actor, payment: Payment) -> list[RepairOrder]:
    require_grant(session, actor, "fee_collection")
    orders = orders_of_payment(session, saved_id(payment))
    for order in orders:
        if order.status != OrderStatus.OPEN or order.node_code != "fee_collection":
            raise IllegalMove("Order {number} is not waiting for payment", number=order.number)
    return orders


def confirm_offline_payment(
    session: Session, *, actor: Actor, payment_id: int, expected_version: int
) -> Payment:
    """Finance confirms an offline transfer; every order it covers moves on to repair."""
    payment = load_visible_payment(session, actor, payment_id)
    if payment.method != PaymentMethod.OFFLINE or payment.status != PaymentStatus.SUBMITTED:
        raise IllegalMove(
            "Payment {payment} has no proof waiting for confirmation", payment=payment_id
        )
    orders = _require_fee_collection(session, actor, payment)
    payment = claim_payment(session, actor, payment, expected_version)
    _apply_confirmation(session, actor, payment, orders)
    return payment


def reject_offline_proof(
    session: Session, *, actor: Actor, payment_id: int, expected_version: int, reason: str
) -> Payment:
    """Finance rejects a proof with a reason; the orders wait for payment again, the customer sees
    the reason and may re-submit or choose another method."""
    if not reason.strip():
        raise InvalidInput("A rejected proof needs a reason for the customer")
    payment = load_visible_payment(session, actor, payment_id)
    if payment.method != PaymentMethod.OFFLINE or payment.status != PaymentStatus.SUBMITTED:
        raise IllegalMove(
            "Payment {payment} has no proof waiting for confirmation", payment=payment_id
        )
    orders = _require_fee_collection(session, actor, payment)
    payment = claim_payment(session, actor, payment, expected_version)

    payment.status = PaymentStatus.REJECTED
    payment.rejection_reason = reason
    session.add(payment)
    for order in orders:
        _bump(session, actor, order)
        advance(session, actor, order, "fee_collection", outcome="proof_rejected", comment=reason)
    write_audit(session, actor, "reject_offline_proof", payment_id=payment.id)
    emit(
        session,
        RepairPaymentProofRejected(
            payment_id=saved_id(payment),
            request_id=payment.request_id,
            customer_id=payment.customer_id,
            order_ids=[saved_id(order) for order in orders],
        ),
        payment_subject(payment),
    )
    return payment


def record_wechat_payment(
    session: Session, *, payment_id: int, transaction_id: str, amount_fen: int
) -> Payment:
    """Apply a verified WeChat Pay success notification, once however often it arrives.

    The caller has verified the notification's signature, timestamp, mchid and appid; this checks
    the amount against our record and that the transaction is not applied twice.
    """
    actor = Actor.system("wechat_pay")
    payment = session.exec(
        select(Payment).where(Payment.id == payment_id).with_for_update()
    ).first()
    if payment is None:
        raise NotFound("No such payment")
    if payment.status == PaymentStatus.CONFIRMED and payment.transaction_id == transaction_id:
        return payment
    if payment.method != PaymentMethod.WECHAT or payment.status != PaymentStatus.PENDING:
        raise IllegalMove("Payment {payment} is not a pending WeChat payment", payment=payment_id)
    if amount_fen != payment.amount_fen:
        raise InvalidInput(
            "{paid_fen} fen were paid but payment {payment} is for {amount_fen} fen",
            paid_fen=amount_fen,
            payment=payment_id,
            amount_fen=payment.amount_fen,
        )
    payment = claim_payment(session, actor, payment, payment.version)
    payment.transaction_id = transaction_id
    orders = orders_of_payment(session, payment_id)
    _apply_confirmation(session, actor, payment, orders)
    return payment


def _apply_confirmation(
    session: Session, actor: Actor, payment: Payment, orders: list[RepairOrder]
) -> None:
    payment.status = PaymentStatus.CONFIRMED
    payment.confirmed_at = utcnow()
    session.add(payment)
    for order in orders:
        if order.status == OrderStatus.OPEN and order.node_code == "fee_collection":
            _bump(session, actor, order)
            advance(session, actor, order, "repair", outcome="paid")
    write_audit(
        session,
        actor,
        "confirm_payment",
        payment_id=payment.id,
        method=payment.method.value,
        amount_fen=payment.amount_fen,
    )
    emit(
        session,
        RepairPaymentConfirmed(
            payment_id=saved_id(payment),
            request_id=payment.request_id,
            customer_id=payment.customer_id,
            order_ids=[saved_id(order) for order in orders],
            method=payment.method.value,
            amount_fen=payment.amount_fen,
        ),
        payment_subject(payment),
    )
    logger.info("payment.confirmed", extra={"payment_id": payment.id, "method": payment.method})


def _bump(session: Session, actor: Actor, order: RepairOrder) -> None:
    """Moving an order on behalf of a payment changes it too: readers holding its old version
    must see a conflict."""
    order.version += 1
    order.updated_at = utcnow()
    order.updated_by = actor.label
    session.add(order)


def invoice_of_order(session: Session, order_id: int) -> Invoice | None:
    return session.exec(
        select(Invoice)
        .join(PaymentOrder, col(PaymentOrder.payment_id) == Invoice.payment_id)
        .join(Payment, col(Payment.id) == Invoice.payment_id)
        .where(PaymentOrder.order_id == order_id, Payment.status == PaymentStatus.CONFIRMED)
    ).first()


def request_invoice(
    session: Session,
    *,
    actor: Actor,
    payment_id: int,
    kind: InvoiceKind,
    title: str,
    tax_id: str = "",
    address: str = "",
    phone: str = "",
    bank: str = "",
    bank_account: str = "",
) -> Invoice:
    """The customer asks for the invoice of a confirmed payment (or corrects it until issued)."""
    payment = load_visible_payment(session, actor, payment_id)
    if not actor.is_customer:
        raise Forbidden("Only the customer requests an invoice")
    if payment.status != PaymentStatus.CONFIRMED:
        raise IllegalMove("An invoice can be requested once the payment is confirmed")
    if kind == InvoiceKind.SPECIAL and payment.method == PaymentMethod.WECHAT:
        raise InvalidInput("A WeChat Pay payment can only have a general invoice")
    tax_id = tax_id.strip().upper()
    if tax_id and not is_valid_credit_code(tax_id):
        raise InvalidInput("The tax ID is not a valid unified social credit code")
    if kind == InvoiceKind.SPECIAL and not all((tax_id, address, phone, bank, bank_account)):
        raise InvalidInput("A special invoice needs the tax ID, address, phone, bank and account")

    invoice = session.exec(select(Invoice).where(Invoice.payment_id == payment_id)).first()
    if invoice is not None and invoice.issued_at is not None:
        raise IllegalMove("The invoice for this payment is already issued")
    invoice = invoice or Invoice(payment_id=payment_id, kind=kind, title=title)
    invoice.kind, invoice.title, invoice.tax_id = kind, title, tax_id
    invoice.address, invoice.phone, invoice.bank, invoice.bank_account = (
        address,
        phone,
        bank,
        bank_account,
    )
    invoice.requested_at = utcnow()
    session.add(invoice)
    session.flush()
    write_audit(session, actor, "request_invoice", payment_id=payment_id, kind=kind.value)
    return invoice


def issue_invoice(
    session: Session,
    *,
    actor: Actor,
    payment_id: int,
    pdf_key: str | None = None,
    courier: str | None = None,
    waybill: str | None = None,
) -> Invoice:
    """Finance issues the requested invoice: a PDF for a general one, a mailed paper invoice
    (courier and waybill) for a special one.

    Issuing is what the invoicing node waits for, so the payment's orders standing there
    complete with it. The invoice may be issued before its orders get there (they then pass
    through invoicing when shipped back) or after they completed without one (a customer may
    ask for an invoice long after the repair; the orders stay completed).
    """
    require_grant(session, actor, "invoicing")
    payment = load_visible_payment(session, actor, payment_id)
    invoice = session.exec(
        select(Invoice).where(Invoice.payment_id == payment_id).with_for_update()
    ).first()
    if invoice is None:
        raise IllegalMove("The customer has not requested an invoice for this payment")
    if invoice.issued_at is not None:
        raise IllegalMove("This invoice is already issued")
    if invoice.kind == InvoiceKind.GENERAL and not pdf_key:
        raise InvalidInput("A general invoice is issued by uploading its PDF")
    if invoice.kind == InvoiceKind.SPECIAL and not (courier and waybill):
        raise InvalidInput("A special invoice is issued with the courier and waybill")

    if pdf_key:
        # The PDF must be a file finance uploaded, so the customer's download link works, and
        # really a PDF: the customer is promised one.
        from repair_service.files.service import check_attachable, require_pdf

        check_attachable(session, actor, [pdf_key])
        require_pdf(session, pdf_key)
    invoice.pdf_key, invoice.courier, invoice.waybill = pdf_key, courier, waybill
    invoice.issued_at = utcnow()
    session.add(invoice)
    session.flush()
    write_audit(session, actor, "issue_invoice", payment_id=payment_id, invoice_id=invoice.id)
    orders = orders_of_payment(session, payment_id)
    emit(
        session,
        RepairInvoiceIssued(
            invoice_id=saved_id(invoice),
            payment_id=payment_id,
            customer_id=payment.customer_id,
            kind=invoice.kind.value,
            order_ids=[saved_id(order) for order in orders],
        ),
        payment_subject(payment),
    )
    for order in orders:
        if order.status == OrderStatus.OPEN and order.node_code == "invoicing":
            _bump(session, actor, order)
            advance(session, actor, order, "completed", outcome=INVOICED)
            write_audit(session, actor, "complete", order_id=order.id, node="invoicing")
    return invoice


def invoice_issued_for_order(session: Session, order_id: int) -> bool:
    """Whether the invoice of a confirmed payment covering the order is already issued."""
    invoice = invoice_of_order(session, order_id)
    return invoice is not None and invoice.issued_at is not None
