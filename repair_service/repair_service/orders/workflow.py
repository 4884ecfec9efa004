"""The machinery every transition shares: who may act where, the version claim, ticks, events.

A transition (see ``transitions.py``) calls ``begin`` to load and lock the order, then ``advance``
to move it; both work inside the caller's session and only flush.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from repair_service.audit.service import last_change, write_audit
from repair_service.db import as_utc, saved_id, utcnow
from repair_service.errors import Forbidden, IllegalMove, NotFound, StaleVersion
from repair_service.orders.actors import Actor
from repair_service.orders.models import (
    Attachment,
    AttachmentKind,
    OperatorKind,
    OrderStatus,
    RepairOrder,
    Tick,
)
from repair_service.process.models import NodeGrant
from repair_service.schemas import InputModel
from reparo_shared.events.catalogue import EventPayload
from reparo_shared.events.outbox_sqlmodel import record_event
from reparo_shared.events.types import RepairOrderCompleted, RepairOrderEnteredNode

logger = logging.getLogger(__name__)

PRODUCER = "repair_service"
COMPLETED = "completed"


class AttachmentRef(InputModel):
    """A file already stored by the file library, referenced by its key."""

    kind: AttachmentKind
    key: str
    name: str


@dataclass(frozen=True)
class Rule:
    """Where an action may happen and who performs it."""

    nodes: tuple[str, ...]
    by: Literal["staff", "customer", "system"]


RULES: dict[str, Rule] = {
    "approve": Rule(("review",), "staff"),
    "reject": Rule(("review",), "staff"),
    "set_inbound_waybill": Rule(("customer_shipping", "receiving"), "customer"),
    "receive": Rule(("receiving", "customer_shipping"), "staff"),
    "record_inspection": Rule(("reinspection",), "staff"),
    "send_quote": Rule(("quotation",), "staff"),
    "agree": Rule(("customer_agreement",), "customer"),
    "decline": Rule(("customer_agreement",), "customer"),
    "agree_for_customer": Rule(("customer_agreement",), "staff"),
    "decline_for_customer": Rule(("customer_agreement",), "staff"),
    "start_repair": Rule(("repair",), "staff"),
    "finish_repair": Rule(("repair",), "staff"),
    "pass_qc": Rule(("qc",), "staff"),
    "fail_qc": Rule(("qc",), "staff"),
    "ship_back": Rule(("warehouse_exit",), "staff"),
    "complete": Rule(("invoicing",), "staff"),
}


def order_subject(order: RepairOrder) -> str:
    return f"order:{order.number}"


def emit(session: Session, payload: EventPayload, subject: str) -> None:
    """Record an event in the outbox, in the caller's transaction."""
    record_event(session, payload, producer=PRODUCER, subject=subject)


def load_visible_order(session: Session, actor: Actor, order_id: int) -> RepairOrder:
    """The order if the actor may see it; customers see only their own (others are not found)."""
    order = session.get(RepairOrder, order_id)
    if order is None or (actor.is_customer and order.customer_id != actor.numeric_id):
        raise NotFound("No such order")
    return order


def may_operate(session: Session, actor: Actor, node_code: str) -> bool:
    """Admins and coordinators operate every node; members only nodes granted to their teams."""
    if actor.operates_every_node:
        return True
    if not actor.is_staff:
        return False
    granted = session.exec(
        select(NodeGrant.team_id).where(
            NodeGrant.node_code == node_code, col(NodeGrant.team_id).in_(actor.team_ids)
        )
    ).first()
    return granted is not None


def require_grant(session: Session, actor: Actor, node_code: str) -> None:
    """Refuse (Forbidden) unless the actor may operate ``node_code``."""
    if not may_operate(session, actor, node_code):
        if not actor.is_staff:
            raise Forbidden("Only staff may do this")
        # ``node`` stays the code (machine-readable); the console shows the step's name.
        raise Forbidden(
            "You may not do this: none of your teams works at the step “{node}”.", node=node_code
        )


def require_rule(session: Session, actor: Actor, order: RepairOrder, action: str) -> None:
    """Check the action fits the order's state and that this actor may perform it here."""
    rule = RULES[action]
    if rule.by == "customer" and not actor.is_customer:
        raise Forbidden("Only the customer may do this")
    if rule.by == "staff" and not (actor.is_staff or actor.kind == "system"):
        raise Forbidden("Only staff may do this")
    if order.status != OrderStatus.OPEN:
        raise IllegalMove("Order {number} is closed; nothing more can be done", number=order.number)
    if order.node_code not in rule.nodes:
        raise IllegalMove(
            "Order {number} is at the step {node}, where this cannot be done",
            number=order.number,
            node=order.node_code,
        )
    if rule.by == "staff":
        require_grant(session, actor, order.node_code)


def customer_stale_error(changed_at: datetime, what: Literal["order", "payment"]) -> StaleVersion:
    """The conflict as a customer reads it: most often they changed it themselves in another
    window, so it names nobody. ``when`` is ISO 8601 UTC, for pages to show in local time."""
    when = as_utc(changed_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    if what == "payment":
        return StaleVersion(
            "This payment changed at {when} (perhaps in another window); reload and try again",
            when=when,
        )
    return StaleVersion(
        "This order changed at {when} (perhaps in another window); reload and try again",
        when=when,
    )


def stale_error(session: Session, order: RepairOrder, actor: Actor) -> StaleVersion:
    """The conflict: who changed the order last (staff by account id, never by name) and when;
    a customer gets the wording of ``customer_stale_error``."""
    if actor.is_customer:
        return customer_stale_error(order.updated_at, "order")
    when = as_utc(order.updated_at).strftime("%Y-%m-%d %H:%M UTC")
    last = last_change(session, order_id=order.id)
    if last is not None and last.actor_kind == "staff":
        return StaleVersion(
            "Order {number} was changed by staff member {staff} at {when}; reload and try again",
            number=order.number,
            staff=last.actor_id,
            when=when,
        )
    if last is not None and last.actor_kind == "customer":
        return StaleVersion(
            "Order {number} was changed by the customer at {when}; reload and try again",
            number=order.number,
            when=when,
        )
    return StaleVersion(
        "Order {number} was changed at {when}; reload and try again", number=order.number, when=when
    )


def claim_version(
    session: Session, actor: Actor, order: RepairOrder, expected_version: int
) -> RepairOrder:
    """Bump the version only if it is still ``expected_version``, in a single UPDATE.

    On PostgreSQL the UPDATE takes the row lock: a second operator's UPDATE waits, then finds the
    version moved on and matches no row, so exactly one of two simultaneous actions wins.
    """
    claimed = session.execute(
        update(RepairOrder)
        .where(col(RepairOrder.id) == order.id, col(RepairOrder.version) == expected_version)
        .values(version=RepairOrder.version + 1, updated_at=utcnow(), updated_by=actor.label)
        .returning(RepairOrder)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if claimed is None:
        fresh = session.get(RepairOrder, order.id, populate_existing=True)
        assert fresh is not None
        raise stale_error(session, fresh, actor)
    return claimed


def begin(
    session: Session, actor: Actor, order_id: int, expected_version: int, action: str
) -> RepairOrder:
    """Load the order, check version and rule, and claim it for this transaction."""
    order = load_visible_order(session, actor, order_id)
    if order.version != expected_version:
        raise stale_error(session, order, actor)
    require_rule(session, actor, order, action)
    return claim_version(session, actor, order, expected_version)


def current_tick(session: Session, order: RepairOrder) -> Tick:
    tick = session.exec(
        select(Tick)
        .where(Tick.order_id == order.id, col(Tick.completed_at).is_(None))
        .order_by(col(Tick.id).desc())
    ).first()
    if tick is None:
        raise IllegalMove("Order {number} is not at any step right now", number=order.number)
    return tick


def add_attachments(
    session: Session,
    actor: Actor,
    refs: Sequence[AttachmentRef],
    *,
    order_id: int | None = None,
    tick_id: int | None = None,
    payment_id: int | None = None,
) -> None:
    """Attach files the actor uploaded; a key they did not upload is refused (InvalidInput)."""
    # Imported here: the file domain reads orders and payments, so a module-level import would
    # make the two domains import each other.
    from repair_service.files.service import check_attachable

    check_attachable(session, actor, [ref.key for ref in refs])
    for ref in refs:
        session.add(
            Attachment(
                kind=ref.kind,
                key=ref.key,
                name=ref.name,
                order_id=order_id,
                tick_id=tick_id,
                payment_id=payment_id,
            )
        )


def open_tick(session: Session, order: RepairOrder, node_code: str) -> Tick:
    tick = Tick(order_id=saved_id(order), node_code=node_code, entered_at=utcnow())
    session.add(tick)
    return tick


def close_tick(
    session: Session,
    actor: Actor,
    tick: Tick,
    *,
    outcome: str,
    comment: str | None = None,
    attachments: Sequence[AttachmentRef] = (),
) -> None:
    tick.completed_at = utcnow()
    tick.operator_kind = OperatorKind(actor.kind)
    tick.operator_id = actor.id
    tick.outcome = outcome
    tick.comment = comment
    session.add(tick)
    session.flush()
    add_attachments(session, actor, attachments, order_id=tick.order_id, tick_id=tick.id)


def advance(
    session: Session,
    actor: Actor,
    order: RepairOrder,
    to_node: str,
    *,
    outcome: str,
    comment: str | None = None,
    attachments: Sequence[AttachmentRef] = (),
) -> None:
    """Close the current tick with ``outcome``, enter ``to_node`` and announce the move.

    Entering ``completed`` closes the order: its tick is completed at once by the system.
    """
    previous = order.node_code
    close_tick(
        session,
        actor,
        current_tick(session, order),
        outcome=outcome,
        comment=comment,
        attachments=attachments,
    )
    tick = open_tick(session, order, to_node)
    order.node_code = to_node
    order.node_entered_at = tick.entered_at
    order.assignee_id = None  # the next node is another team's work until someone assigns it
    if to_node == COMPLETED:
        tick.completed_at = tick.entered_at
        tick.operator_kind = OperatorKind.SYSTEM
        tick.operator_id = PRODUCER
        tick.outcome = COMPLETED
        order.status = OrderStatus.COMPLETED
        order.completed_at = tick.entered_at
    session.add(order)
    session.flush()

    emit(
        session,
        RepairOrderEnteredNode(
            order_id=saved_id(order),
            order_number=order.number,
            customer_id=order.customer_id,
            node=to_node,
            previous_node=previous,
            outcome=outcome,
        ),
        order_subject(order),
    )
    if to_node == COMPLETED:
        emit(
            session,
            RepairOrderCompleted(
                order_id=saved_id(order),
                order_number=order.number,
                customer_id=order.customer_id,
            ),
            order_subject(order),
        )
    logger.info(
        "order.moved",
        extra={
            "order_number": order.number,
            "from_node": previous,
            "to_node": to_node,
            "outcome": outcome,
            "actor": f"{actor.kind}:{actor.id}",
        },
    )


def audit_order(
    session: Session, actor: Actor, order: RepairOrder, action: str, **detail: Any
) -> None:
    write_audit(session, actor, action, order_id=order.id, node=order.node_code, **detail)
