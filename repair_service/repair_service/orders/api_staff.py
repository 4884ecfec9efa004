"""Staff endpoints on orders: lists and search, detail, one POST per action, QR tokens,
receiving addresses. Each action takes the ``expected_version`` the operator last saw."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, status
from sqlmodel import Session, col, select

from repair_service.deps import AdminStaff, CurrentStaff, SessionDep, SettingsDep
from repair_service.orders import addresses, public, selectors, transitions
from repair_service.orders import schemas as s
from repair_service.orders.actors import Actor
from repair_service.orders.models import OrderStatus, ReceivingAddress
from repair_service.schemas import Page

router = APIRouter(prefix="/staff", tags=["staff orders"])


@router.get("/orders", response_model=Page[s.StaffOrderRow])
def list_orders(
    _actor: CurrentStaff,
    session: SessionDep,
    settings: SettingsDep,
    node: str | None = None,
    team_id: int | None = None,
    pn: str | None = None,
    sn: str | None = None,
    customer_id: int | None = None,
    customer: Annotated[str | None, Query(description="name, company or contact")] = None,
    order_status: Annotated[OrderStatus | None, Query(alias="status")] = None,
    created_from: date | None = None,
    created_to: date | None = None,
    overdue: bool | None = None,
    invoice_waiting: Annotated[bool, Query(description="invoice requested, not issued")] = False,
    q: Annotated[str | None, Query(description="order number, SN or waybill")] = None,
    sort: selectors.Sort = selectors.Sort.NEWEST,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[s.StaffOrderRow]:
    """Orders newest first (``sort=waiting``: longest in their node first), filtered; ``q``
    finds an order by number, SN or waybill. Dates are days in the service's timezone."""
    filters = selectors.OrderFilters(
        node=node,
        team_id=team_id,
        pn=pn,
        sn=sn,
        customer_id=customer_id,
        customer=customer,
        status=order_status,
        created_from=created_from,
        created_to=created_to,
        overdue=overdue,
        invoice_waiting=invoice_waiting,
        q=q,
        zone=ZoneInfo(settings.reparo_timezone),
    )
    return selectors.list_staff_orders(session, filters, page=page, page_size=page_size, sort=sort)


@router.get("/orders/{order_id}", response_model=s.StaffOrderPublic)
def read_order(order_id: int, actor: CurrentStaff, session: SessionDep) -> s.StaffOrderPublic:
    """An order with contact details, timeline, ETA, serial history and the actions you may take."""
    return selectors.staff_order_detail(session, actor, order_id)


Action = Callable[..., Any]


def _act(
    session: Session, actor: Actor, order_id: int, action: Action, **fields: Any
) -> s.OrderSummary:
    # Callers pass ``**dict(body)``, not ``model_dump()``: attached photos stay AttachmentRef
    # models, which is what the transitions take.
    order = action(session, actor=actor, order_id=order_id, **fields)
    return selectors.order_summary(session, order)


@router.post("/orders/{order_id}/approve", response_model=s.OrderSummary)
def approve(
    order_id: int, body: s.ApproveAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Approve at review, naming the receiving address the customer ships to."""
    return _act(session, actor, order_id, transitions.approve_request, **dict(body))


@router.post("/orders/{order_id}/reject", response_model=s.OrderSummary)
def reject(
    order_id: int, body: s.RequiredCommentAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Reject at review with a comment for the customer; the order closes."""
    return _act(session, actor, order_id, transitions.reject_request, **dict(body))


@router.post("/orders/{order_id}/receive", response_model=s.OrderSummary)
def receive(
    order_id: int, body: s.ReceiveAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Record receipt: condition, accessories, photos."""
    return _act(session, actor, order_id, transitions.receive_product, **dict(body))


@router.post("/orders/{order_id}/inspection", response_model=s.OrderSummary)
def inspection(
    order_id: int, body: s.InspectionAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Record the re-inspection findings and the warranty decision."""
    return _act(session, actor, order_id, transitions.record_inspection, **dict(body))


@router.post("/orders/{order_id}/quote", response_model=s.OrderSummary)
def quote(
    order_id: int, body: s.QuoteCreate, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Send a quote in integer fen; zero under warranty goes straight to repair."""
    return _act(session, actor, order_id, transitions.send_quote, **dict(body))


@router.post("/orders/{order_id}/agree", response_model=s.OrderSummary)
def agree(
    order_id: int, body: s.VersionedAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Record the customer's agreement on their behalf."""
    return _act(session, actor, order_id, transitions.agree_for_customer, **dict(body))


@router.post("/orders/{order_id}/decline", response_model=s.OrderSummary)
def decline(
    order_id: int, body: s.VersionedAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Record that the customer declined; the product ships back unrepaired."""
    return _act(session, actor, order_id, transitions.decline_for_customer, **dict(body))


@router.post("/orders/{order_id}/start-repair", response_model=s.OrderSummary)
def start_repair(
    order_id: int, body: s.VersionedAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    return _act(session, actor, order_id, transitions.start_repair, **dict(body))


@router.post("/orders/{order_id}/finish-repair", response_model=s.OrderSummary)
def finish_repair(
    order_id: int, body: s.CommentAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    return _act(session, actor, order_id, transitions.finish_repair, **dict(body))


@router.post("/orders/{order_id}/qc-pass", response_model=s.OrderSummary)
def qc_pass(
    order_id: int, body: s.CommentAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    return _act(session, actor, order_id, transitions.pass_qc, **dict(body))


@router.post("/orders/{order_id}/qc-fail", response_model=s.OrderSummary)
def qc_fail(
    order_id: int, body: s.RequiredCommentAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Fail QC with a reason; the order goes back to repair."""
    return _act(session, actor, order_id, transitions.fail_qc, **dict(body))


@router.post("/orders/{order_id}/ship-back", response_model=s.OrderSummary)
def ship_back(
    order_id: int, body: s.WaybillAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Ship the product back with courier and waybill."""
    return _act(session, actor, order_id, transitions.ship_back, **dict(body))


@router.post("/orders/{order_id}/complete", response_model=s.OrderSummary)
def complete(
    order_id: int, body: s.CommentAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Complete an order at invoicing (its invoice issued, or none requested)."""
    return _act(session, actor, order_id, transitions.complete_order, **dict(body))


@router.post("/orders/{order_id}/assign", response_model=s.OrderSummary)
def assign(
    order_id: int, body: s.AssignAction, actor: CurrentStaff, session: SessionDep
) -> s.OrderSummary:
    """Give the order's current node to one person (``assignee_id``), or back to the team
    (null); coordinators and administrators only."""
    return _act(session, actor, order_id, transitions.assign_order, **body.model_dump())


@router.post("/orders/{order_id}/public-token", response_model=s.PublicTokenPublic)
def reissue_public_token(
    order_id: int, actor: CurrentStaff, session: SessionDep
) -> s.PublicTokenPublic:
    """Issue a new QR token for the order; the old one stops working."""
    order = public.issue_public_token(session, actor=actor, order_id=order_id)
    return s.PublicTokenPublic(order_id=order_id, public_token=order.public_token)


@router.delete("/orders/{order_id}/public-token", response_model=s.PublicTokenPublic)
def revoke_public_token(
    order_id: int, actor: CurrentStaff, session: SessionDep
) -> s.PublicTokenPublic:
    """Revoke the order's QR token."""
    public.revoke_public_token(session, actor=actor, order_id=order_id)
    return s.PublicTokenPublic(order_id=order_id, public_token=None)


@router.get("/addresses", response_model=list[s.ReceivingAddressPublic])
def list_addresses(_actor: CurrentStaff, session: SessionDep) -> list[ReceivingAddress]:
    """Receiving addresses (review picks one when approving)."""
    return list(session.exec(select(ReceivingAddress).order_by(col(ReceivingAddress.id))))


@router.post(
    "/addresses", response_model=s.ReceivingAddressPublic, status_code=status.HTTP_201_CREATED
)
def create_address(
    body: s.ReceivingAddressCreate, actor: AdminStaff, session: SessionDep
) -> ReceivingAddress:
    return addresses.create_receiving_address(session, actor=actor, **body.model_dump())


@router.patch("/addresses/{address_id}", response_model=s.ReceivingAddressPublic)
def update_address(
    address_id: int, body: s.ReceivingAddressUpdate, actor: AdminStaff, session: SessionDep
) -> ReceivingAddress:
    return addresses.update_receiving_address(
        session, actor=actor, address_id=address_id, **body.model_dump()
    )
