"""The order page, its action forms and its public QR link."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from repair_service.billing.models import Payment, PaymentOrder
from repair_service.console import queries
from repair_service.console.actions import ACTIONS, MAX_PHOTOS, PHOTO_FIELD, Form, checked_text
from repair_service.console.auth import CheckedStaff, ConsoleStaff, ConsoleUser
from repair_service.console.i18n import node_name
from repair_service.console.qr import public_url, qr_svg
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import language_of, render
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
from repair_service.files.service import uploads_by_key
from repair_service.notifications.api import order_messages
from repair_service.orders import public, selectors, transitions
from repair_service.orders.actors import label_actor
from repair_service.orders.models import AttachmentKind, ReceivingAddress, RepairOrder
from repair_service.orders.schemas import StaffOrderPublic
from repair_service.orders.selectors import PAYMENT_ACTIONS
from repair_service.orders.workflow import may_operate
from repair_service.process.models import Node
from repair_service.staff.models import StaffAccount
from repair_service.wechat_pay.service import order_attempts as wechat_attempts
from repair_service.wechat_pay.service import record_unexpected_payment_settled

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


async def form_fields(request: Request) -> Form:
    """The POSTed form's text fields; files never come with a form (the page uploads them
    through the file API first and sends their keys)."""
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return Form(values)


FormFields = Annotated[Form, Depends(form_fields)]
NOT_KEPT = ("csrf_token", "expected_version", PHOTO_FIELD)


@dataclass(frozen=True)
class KeptPhoto:
    key: str
    name: str


@dataclass
class Failure:
    """An action that did not go through: which, why (a message template and its values), and
    what the person typed and uploaded."""

    action: str
    message: str
    values: dict[str, str] = field(default_factory=dict)
    params: dict[str, ParamValue] = field(default_factory=dict)
    photos: list[KeptPhoto] = field(default_factory=list)
    conflict: dict[str, Any] | None = None
    headline: str = ""


def _kept_photos(session: Session, form: Form) -> list[KeptPhoto]:
    """The photos the refused form carried, so the page shows them again (unknown keys, or
    files that are not images, are dropped)."""
    keys = list(dict.fromkeys(form.getlist(PHOTO_FIELD)))[:MAX_PHOTOS]
    uploads = uploads_by_key(session, keys)
    return [
        KeptPhoto(key, uploads[key].original_name)
        for key in keys
        if key in uploads and uploads[key].kind == "image" and uploads[key].uploader_kind == "staff"
    ]


# A refusal's own sentence says why; a headline only adds what the sentence leaves out (a
# Forbidden refusal already says "You may not do this", so it has none).
HEADLINES: dict[type[DomainError], str] = {
    IllegalMove: "This action does not fit the order's current state.",
    InvalidInput: "Please check what you entered.",
    NotFound: "Not found.",
}


def shown_params(
    params: dict[str, ParamValue], nodes: dict[str, Node], language: str
) -> dict[str, ParamValue]:
    """A refusal's values as the reader sees them: a node code becomes the step's name."""
    node = params.get("node")
    if isinstance(node, str) and node in nodes:
        return {**params, "node": node_name(language, nodes[node])}
    return params


def status_of(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, InvalidInput):
        return 422
    return 409


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


def _conflict(session: Session, order_id: int, action: str, staff_id: str) -> dict[str, Any]:
    """Who changed the order (or its payment) since the form was shown, and when; ``by_you``
    when it was the person acting now (a second tab, or a button pressed twice)."""
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
        return {"who": queries.ChangedBy(), "when": None, "by_you": False}
    return {
        "who": queries.changed_by(session, row.updated_by),
        "when": as_utc(row.updated_at),
        "by_you": label_actor(row.updated_by) == ("staff", staff_id),
    }


def _staff_name(session: Session, staff_id: int | None) -> str | None:
    account = session.get(StaffAccount, staff_id) if staff_id else None
    return account.display_name if account else None


def _done_notice(done: str | None) -> str | None:
    if not done:
        return None
    if done in ACTIONS:
        return ACTIONS[done].done
    if done == "wechat_settled":
        return "Recorded: the unexpected WeChat payment is settled."
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
    offered = list(detail.staff_actions)
    if "send_quote" in offered and detail.under_warranty:
        # Under warranty the usual outcome is no charge: offered first, as its own button.
        offered.insert(offered.index("send_quote"), "confirm_free_repair")
    addresses = (
        session.exec(select(ReceivingAddress).where(col(ReceivingAddress.active).is_(True))).all()
        if "approve" in offered
        else []
    )
    assignable = (
        transitions.assignable_staff(session, detail.node.code) if "assign" in offered else {}
    )
    context = {
        "order": detail,
        "assignable": assignable,
        "assignee_name": _staff_name(session, detail.assignee_id),
        "order_row": order_row,
        "siblings": queries.sibling_orders(session, order_row),
        "operators": queries.tick_operators(session, order_id),
        "schedule": _schedule(nodes, detail),
        "offered": [(name, ACTIONS[name]) for name in offered],
        "addresses": addresses,
        "public_link": link,
        "may_change_link": public.may_change_public_link(session, user.actor, order_row),
        "confirm_link": request.query_params.get("confirm") if link else None,
        "qr": qr_svg(link) if link else None,
        "failure": failure,
        "failure_params": (
            shown_params(failure.params, nodes, language_of(request, user)) if failure else {}
        ),
        "messages": order_messages(session, user.actor, order_id),
        "files_by_kind": files_by_kind(detail),
        "proofs": queries.payment_proofs(session, detail.payment.id) if detail.payment else [],
        # Of every payment of the order, cancelled ones too: money may still arrive for a
        # WeChat Pay order the customer switched away from, and staff must see it to refund it.
        "wechat_attempts": wechat_attempts(session, order_id),
        "may_settle_payments": may_operate(session, user.actor, "fee_collection"),
        "done": _done_notice(request.query_params.get("done")),
        "now": utcnow(),
    }
    return render(request, "order.html", context, user=user, status_code=status_code)


def files_by_kind(detail: StaffOrderPublic) -> list[tuple[AttachmentKind, list[Any]]]:
    """Every file of the order: the customer's with the request, then those recorded at each
    step (condition photos at receiving, findings photos...) in timeline order, by kind."""
    files: list[Any] = [*detail.attachments]
    files += [a for tick in detail.timeline for a in tick.attachments]
    return [
        (kind, found) for kind in AttachmentKind if (found := [a for a in files if a.kind == kind])
    ]


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
        kept = {k: v for k, v in form.items() if k not in NOT_KEPT}
        failure = Failure(
            name,
            error.template,
            kept,
            error.params,
            _kept_photos(session, form),
            headline=HEADLINES.get(type(error), ""),
        )
        if isinstance(error, StaleVersion):
            failure.conflict = _conflict(session, order_id, name, user.actor.id)
        return order_page(
            request, session, user, order_id, failure=failure, status_code=status_of(error)
        )
    return RedirectResponse(f"/console/orders/{order_id}?done={name}", status_code=303)


QR_CHANGES = ("qr_reissue", "qr_revoke")


def _unconfirmed_link_change(order: RepairOrder, change: str, form: Form) -> Response | None:
    """A change that would kill printed labels first asks (a page, so it works without JS)."""
    if order.public_token is None or form.get("confirmed") == "yes":
        return None
    return RedirectResponse(f"/console/orders/{order.id}?confirm={change}#qr", status_code=303)


@router.post("/orders/{order_id}/qr/reissue")
def reissue_qr(
    order_id: int, user: CheckedStaff, session: SessionDep, form: FormFields
) -> Response:
    """A new public link; the old QR stops working (so an existing link asks first)."""
    selectors.load_visible_order(session, user.actor, order_id)
    order = public.steered_order(session, user.actor, order_id)
    asking = _unconfirmed_link_change(order, "qr_reissue", form)
    if asking is not None:
        return asking
    public.issue_public_token(session, actor=user.actor, order_id=order_id)
    return RedirectResponse(f"/console/orders/{order_id}?done=qr_reissued", status_code=303)


@router.post("/orders/{order_id}/qr/revoke")
def revoke_qr(order_id: int, user: CheckedStaff, session: SessionDep, form: FormFields) -> Response:
    """Remove the public link once confirmed; printed labels stop working."""
    selectors.load_visible_order(session, user.actor, order_id)
    order = public.steered_order(session, user.actor, order_id)
    asking = _unconfirmed_link_change(order, "qr_revoke", form)
    if asking is not None:
        return asking
    public.revoke_public_token(session, actor=user.actor, order_id=order_id)
    return RedirectResponse(f"/console/orders/{order_id}?done=qr_revoked", status_code=303)


@router.post("/orders/{order_id}/wechat-attempts/{attempt_id}/settled")
def settle_unexpected_payment(
    order_id: int, attempt_id: int, user: CheckedStaff, session: SessionDep, form: FormFields
) -> Response:
    """Record that money WeChat took unexpectedly was refunded or settled, with how."""
    selectors.load_visible_order(session, user.actor, order_id)
    # Required, so the audit log says how (e.g. "refunded in the merchant platform on 3 Dec").
    note = checked_text(form.get("note") or "", required=True, limit=500)
    record_unexpected_payment_settled(
        session, actor=user.actor, order_id=order_id, attempt_id=attempt_id, note=note
    )
    return RedirectResponse(f"/console/orders/{order_id}?done=wechat_settled", status_code=303)
