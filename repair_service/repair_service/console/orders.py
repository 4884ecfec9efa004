"""The order page, its action forms and its public QR link."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from repair_service.billing.models import Payment, PaymentOrder, PaymentStatus
from repair_service.console import queries
from repair_service.console.actions import ACTIONS, PAYMENT_ACTIONS
from repair_service.console.auth import CheckedStaff, ConsoleStaff, ConsoleUser
from repair_service.console.qr import public_url, qr_svg
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.db import as_utc, utcnow
from repair_service.deps import SessionDep
from repair_service.errors import (
    DomainError,
    Forbidden,
    IllegalMove,
    InvalidInput,
    NotFound,
    ParamValue,
    StaleVersion,
)
from repair_service.notifications.api import order_messages
from repair_service.orders import public, selectors
from repair_service.orders.models import ReceivingAddress, RepairOrder
from repair_service.orders.schemas import StaffOrderPublic
from repair_service.process.models import Node
from repair_service.wechat_pay.service import payment_attempts as wechat_attempts

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


async def form_fields(request: Request) -> dict[str, str]:
    """The POSTed form's text fields (files are not part of any console form yet)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


@dataclass
class Failure:
    """An action that did not go through: which, why (a message template and its values), and
    what the person typed."""

    action: str
    message: str
    values: dict[str, str] = field(default_factory=dict)
    params: dict[str, ParamValue] = field(default_factory=dict)
    conflict: dict[str, Any] | None = None
    headline: str = ""


HEADLINES: dict[type[DomainError], str] = {
    Forbidden: "You may not do this: none of your teams is granted this node.",
    IllegalMove: "This action does not fit the order's current state.",
    InvalidInput: "Please check what you entered.",
    NotFound: "Not found.",
}


def status_of(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, InvalidInput):
        return 422
    return 409


def offered_actions(session: Session, user: ConsoleUser, order: StaffOrderPublic) -> list[str]:
    """What this person may do on the order now, in the order the page shows them."""
    names = list(order.staff_actions)
    if "start_repair" in names:
        started = bool(order.timeline and order.timeline[-1].started_at)
        names.remove("finish_repair" if not started else "start_repair")
    payment = order.payment
    if (
        order.node.code == "fee_collection"
        and payment is not None
        and payment.status == PaymentStatus.SUBMITTED
        and queries.operates_node(session, user.actor, "fee_collection")
    ):
        names += list(PAYMENT_ACTIONS)
    invoice = order.invoice
    if "complete" in names and invoice is not None and invoice.issued_at is None:
        names.insert(names.index("complete"), "issue_invoice")
    return names


def _schedule(nodes: dict[str, Node], order: StaffOrderPublic) -> list[dict[str, Any]]:
    """The current and later nodes with each one's estimate and cumulative due date."""
    if order.eta is None:
        return []
    codes = list(nodes)
    due = as_utc(order.node_entered_at)
    rows = []
    for code in codes[codes.index(order.node.code) :]:
        node = nodes[code]
        due += timedelta(days=node.estimated_days)
        rows.append({"node": node, "days": node.estimated_days, "due": due})
    return rows


def _conflict(session: Session, order_id: int, action: str) -> dict[str, Any]:
    if action in PAYMENT_ACTIONS:
        row: Payment | RepairOrder | None = session.exec(
            select(Payment)
            .join(PaymentOrder, col(PaymentOrder.payment_id) == Payment.id)
            .where(PaymentOrder.order_id == order_id)
            .order_by(col(Payment.id).desc())
        ).first()
    else:
        row = session.get(RepairOrder, order_id)
    if row is None:
        return {"who": "", "when": None}
    return {"who": row.updated_by, "when": as_utc(row.updated_at)}


def _done_label(done: str | None) -> str | None:
    if not done:
        return None
    if done in ACTIONS:
        return ACTIONS[done].label
    return "Public link updated." if done.startswith("qr_") else None


def order_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    order_id: int,
    *,
    failure: Failure | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = selectors.staff_order_detail(session, user.actor, order_id)
    order_row = session.get(RepairOrder, order_id)
    assert order_row is not None
    nodes = selectors.load_nodes(session)
    settings = get_console_settings()
    link = (
        public_url(settings.gateway_public_url, detail.public_token)
        if detail.public_token
        else None
    )
    offered = offered_actions(session, user, detail)
    addresses = (
        session.exec(select(ReceivingAddress).where(col(ReceivingAddress.active).is_(True))).all()
        if "approve" in offered
        else []
    )
    context = {
        "order": detail,
        "order_row": order_row,
        "siblings": queries.sibling_orders(session, order_row),
        "operators": queries.tick_operators(session, order_id),
        "schedule": _schedule(nodes, detail),
        "offered": [(name, ACTIONS[name]) for name in offered],
        "addresses": addresses,
        "public_link": link,
        "qr": qr_svg(link) if link else None,
        "failure": failure,
        "messages": order_messages(session, user.actor, order_id),
        "proofs": queries.payment_proofs(session, detail.payment.id) if detail.payment else [],
        "wechat_attempts": (wechat_attempts(session, detail.payment.id) if detail.payment else []),
        "done": _done_label(request.query_params.get("done")),
        "now": utcnow(),
    }
    return render(request, "order.html", context, user=user, status_code=status_code)


@router.get("/orders/{order_id}")
def read_order(
    order_id: int, request: Request, user: ConsoleStaff, session: SessionDep
) -> HTMLResponse:
    return order_page(request, session, user, order_id)


@router.post("/orders/{order_id}/actions/{name}")
def act(
    order_id: int,
    name: str,
    request: Request,
    user: CheckedStaff,
    session: SessionDep,
    form: FormFields,
) -> Response:
    """Run one action with the version the person saw. A refusal rolls back everything the action
    began and re-renders the page with the reason, the current state and the typed values."""
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound("No such action")
    detail = selectors.staff_order_detail(session, user.actor, order_id)
    try:
        version = form.get("expected_version", "")
        if not version.isdigit():
            raise InvalidInput("The form is missing the version you saw. Reload the page.")
        action.run(session, user.actor, detail, int(version), form)
    except DomainError as error:
        session.rollback()
        logger.info(
            "console.action_refused",
            extra={
                "order_id": order_id,
                "action": name,
                "code": error.code,
                "staff_id": user.actor.id,
            },
        )
        kept = {k: v for k, v in form.items() if k not in ("csrf_token", "expected_version")}
        headline = HEADLINES.get(type(error), "")
        failure = Failure(name, error.template, kept, error.params, headline=headline)
        if isinstance(error, StaleVersion):
            failure.conflict = _conflict(session, order_id, name)
        return order_page(
            request, session, user, order_id, failure=failure, status_code=status_of(error)
        )
    return RedirectResponse(f"/console/orders/{order_id}?done={name}", status_code=303)


@router.post("/orders/{order_id}/qr/reissue")
def reissue_qr(order_id: int, user: CheckedStaff, session: SessionDep) -> Response:
    """A new public link; the old QR stops working."""
    selectors.load_visible_order(session, user.actor, order_id)
    public.issue_public_token(session, actor=user.actor, order_id=order_id)
    return RedirectResponse(f"/console/orders/{order_id}?done=qr_reissued", status_code=303)


@router.post("/orders/{order_id}/qr/revoke")
def revoke_qr(order_id: int, user: CheckedStaff, session: SessionDep) -> Response:
    selectors.load_visible_order(session, user.actor, order_id)
    public.revoke_public_token(session, actor=user.actor, order_id=order_id)
    return RedirectResponse(f"/console/orders/{order_id}?done=qr_revoked", status_code=303)
