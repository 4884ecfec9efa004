"""Payment and invoice endpoints: the customer's (customer token) and finance's (staff)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlmodel import col, select

from repair_service.billing import service
from repair_service.billing.models import Invoice, Payment, PaymentStatus
from repair_service.deps import CurrentCustomer, CurrentStaff, SessionDep
from repair_service.errors import NotFound
from repair_service.orders import schemas as s
from repair_service.orders.selectors import invoice_public, payment_public
from repair_service.wechat_pay.api import close_before_choosing_again

router = APIRouter(tags=["payments"])


@router.post(
    "/requests/{request_id}/payments",
    response_model=s.PaymentPublic,
    status_code=status.HTTP_201_CREATED,
)
def choose_payment_method(
    request_id: int,
    body: s.PaymentCreate,
    request: Request,
    actor: CurrentCustomer,
    session: SessionDep,
) -> s.PaymentPublic:
    """Choose WeChat Pay or offline transfer for one or more agreed orders of this request.

    Open WeChat Pay orders of the payments this replaces are closed at WeChat Pay first; one
    found paid settles its payment and the choice is refused as already paid.
    """
    close_before_choosing_again(request, actor, body.order_ids)
    payment = service.choose_payment_method(
        session, actor=actor, request_id=request_id, order_ids=body.order_ids, method=body.method
    )
    return payment_public(session, payment)


@router.get("/payments/{payment_id}", response_model=s.PaymentPublic)
def read_payment(payment_id: int, actor: CurrentCustomer, session: SessionDep) -> s.PaymentPublic:
    return payment_public(session, service.load_visible_payment(session, actor, payment_id))


@router.post("/payments/{payment_id}/proof", response_model=s.PaymentPublic)
def submit_proof(
    payment_id: int, body: s.ProofAction, actor: CurrentCustomer, session: SessionDep
) -> s.PaymentPublic:
    """Submit (or re-submit after a rejection) the proof of an offline transfer."""
    payment = service.submit_offline_proof(
        session,
        actor=actor,
        payment_id=payment_id,
        expected_version=body.expected_version,
        proofs=body.proofs,
    )
    return payment_public(session, payment)


@router.post("/payments/{payment_id}/invoice", response_model=s.InvoicePublic)
def request_invoice(
    payment_id: int, body: s.InvoiceCreate, actor: CurrentCustomer, session: SessionDep
) -> s.InvoicePublic:
    """Ask for the payment's invoice: general, or special (offline payments only)."""
    invoice = service.request_invoice(
        session, actor=actor, payment_id=payment_id, **body.model_dump()
    )
    return invoice_public(invoice)


@router.get("/staff/payments", response_model=list[s.PaymentPublic])
def list_payments(
    _actor: CurrentStaff,
    session: SessionDep,
    payment_status: Annotated[PaymentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[s.PaymentPublic]:
    """Payments newest first, e.g. ``status=submitted`` for proofs waiting for finance."""
    query = select(Payment).order_by(col(Payment.id).desc()).limit(limit)
    if payment_status:
        query = query.where(Payment.status == payment_status)
    return [payment_public(session, payment) for payment in session.exec(query)]


@router.get("/staff/payments/{payment_id}", response_model=s.PaymentPublic)
def read_staff_payment(
    payment_id: int, actor: CurrentStaff, session: SessionDep
) -> s.PaymentPublic:
    return payment_public(session, service.load_visible_payment(session, actor, payment_id))


@router.post("/staff/payments/{payment_id}/confirm", response_model=s.PaymentPublic)
def confirm(
    payment_id: int, body: s.VersionedAction, actor: CurrentStaff, session: SessionDep
) -> s.PaymentPublic:
    """Confirm an offline payment's proof; its orders move on to repair."""
    payment = service.confirm_offline_payment(
        session, actor=actor, payment_id=payment_id, expected_version=body.expected_version
    )
    return payment_public(session, payment)


@router.post("/staff/payments/{payment_id}/reject", response_model=s.PaymentPublic)
def reject(
    payment_id: int, body: s.ProofRejection, actor: CurrentStaff, session: SessionDep
) -> s.PaymentPublic:
    """Reject an offline payment's proof with a reason shown to the customer."""
    payment = service.reject_offline_proof(
        session,
        actor=actor,
        payment_id=payment_id,
        expected_version=body.expected_version,
        reason=body.reason,
    )
    return payment_public(session, payment)


@router.get("/staff/payments/{payment_id}/invoice", response_model=s.InvoicePublic)
def read_invoice(payment_id: int, _actor: CurrentStaff, session: SessionDep) -> s.InvoicePublic:
    invoice = session.exec(select(Invoice).where(Invoice.payment_id == payment_id)).first()
    if invoice is None:
        raise NotFound("No invoice has been requested for this payment")
    return invoice_public(invoice)


@router.post("/staff/payments/{payment_id}/invoice", response_model=s.InvoicePublic)
def issue_invoice(
    payment_id: int, body: s.InvoiceIssue, actor: CurrentStaff, session: SessionDep
) -> s.InvoicePublic:
    """Issue the requested invoice: the PDF's file key, or courier and waybill for paper."""
    invoice = service.issue_invoice(
        session, actor=actor, payment_id=payment_id, **body.model_dump()
    )
    return invoice_public(invoice)
