"""One function per action on a repair order.

Each runs inside the caller's transaction: ``begin`` checks visibility, version, node and grant and
claims the order; the function then records the change, the tick, the audit row and the events.
Payment and invoice actions, which span several orders, live in ``repair_service.billing.service``.
"""

from collections.abc import Sequence

from sqlalchemy import or_
from sqlmodel import Session, col, select

from repair_service.billing.models import Payment, PaymentOrder, PaymentStatus
from repair_service.billing.service import INVOICED, invoice_issued_for_order, invoice_of_order
from repair_service.db import saved_id, utcnow
from repair_service.errors import Forbidden, IllegalMove, InvalidInput
from repair_service.orders.actors import Actor
from repair_service.orders.models import (
    OperatorKind,
    OrderStatus,
    Quote,
    ReceivingAddress,
    RepairOrder,
    Shipment,
    ShipmentDirection,
)
from repair_service.orders.workflow import (
    AttachmentRef,
    advance,
    audit_order,
    begin,
    claim_version,
    close_tick,
    current_tick,
    emit,
    load_visible_order,
    order_subject,
    stale_error,
)
from repair_service.process.models import NodeGrant
from repair_service.staff.models import StaffAccount, StaffRole, TeamMembership
from reparo_shared.events.types import (
    RepairOrderShippedBack,
    RepairQuoteSent,
    RepairReviewApproved,
    RepairReviewRejected,
)


def approve_request(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    receiving_address_id: int,
    comment: str | None = None,
) -> RepairOrder:
    """Review approves the order and names the repair centre the customer ships to."""
    order = begin(session, actor, order_id, expected_version, "approve")
    address = session.get(ReceivingAddress, receiving_address_id)
    if address is None or not address.active:
        raise InvalidInput("Unknown or inactive receiving address")

    order.receiving_address_id = address.id
    order.review_comment = comment
    advance(session, actor, order, "customer_shipping", outcome="approved", comment=comment)
    audit_order(session, actor, order, "approve", receiving_address_id=address.id)
    emit(
        session,
        RepairReviewApproved(
            order_id=order_id,
            order_number=order.number,
            customer_id=order.customer_id,
            receiving_address_id=receiving_address_id,
        ),
        order_subject(order),
    )
    return order


def reject_request(
    session: Session, *, actor: Actor, order_id: int, expected_version: int, comment: str
) -> RepairOrder:
    """Review rejects the order with a comment for the customer; the order closes at review."""
    if not comment.strip():
        raise InvalidInput("A rejection needs a comment for the customer")
    order = begin(session, actor, order_id, expected_version, "reject")

    close_tick(session, actor, current_tick(session, order), outcome="rejected", comment=comment)
    order.review_comment = comment
    order.status = OrderStatus.REJECTED
    session.add(order)
    session.flush()
    audit_order(session, actor, order, "reject")
    emit(
        session,
        RepairReviewRejected(
            order_id=order_id, order_number=order.number, customer_id=order.customer_id
        ),
        order_subject(order),
    )
    return order


def set_inbound_waybill(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    courier: str,
    waybill: str,
) -> RepairOrder:
    """The customer gives (or corrects, until receipt) the courier and waybill of their parcel.

    The first waybill completes the shipping node; corrections leave the order where it is.
    """
    order = begin(session, actor, order_id, expected_version, "set_inbound_waybill")
    shipment = session.exec(
        select(Shipment).where(
            Shipment.order_id == order_id, Shipment.direction == ShipmentDirection.IN
        )
    ).first()
    if shipment is None:
        session.add(
            Shipment(
                order_id=order_id, direction=ShipmentDirection.IN, courier=courier, waybill=waybill
            )
        )
    else:
        shipment.courier, shipment.waybill, shipment.updated_at = courier, waybill, utcnow()
        session.add(shipment)

    if order.node_code == "customer_shipping":
        advance(
            session, actor, order, "receiving", outcome="shipped", comment=f"{courier} {waybill}"
        )
    audit_order(session, actor, order, "set_inbound_waybill", courier=courier, waybill=waybill)
    return order


def receive_product(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    condition: str,
    accessories: str = "",
    photos: Sequence[AttachmentRef] = (),
) -> RepairOrder:
    """Logistics records the product's arrival, its condition and the accessories received.

    A parcel may arrive before the customer entered its waybill: the shipping visit is then
    closed as ``arrived_unannounced`` and the order passes through receiving at once.
    """
    order = begin(session, actor, order_id, expected_version, "receive")
    if order.node_code == "customer_shipping":
        advance(session, actor, order, "receiving", outcome="arrived_unannounced")
    order.accessories_received = accessories or None
    advance(
        session,
        actor,
        order,
        "reinspection",
        outcome="received",
        comment=condition,
        attachments=photos,
    )
    audit_order(session, actor, order, "receive")
    return order


def record_inspection(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    findings: str,
    under_warranty: bool,
    photos: Sequence[AttachmentRef] = (),
) -> RepairOrder:
    """Re-inspection records the diagnosis and whether the repair falls under warranty."""
    order = begin(session, actor, order_id, expected_version, "record_inspection")
    order.findings = findings
    order.under_warranty = under_warranty
    outcome = "in_warranty" if under_warranty else "out_of_warranty"
    advance(
        session, actor, order, "quotation", outcome=outcome, comment=findings, attachments=photos
    )
    audit_order(session, actor, order, "record_inspection", under_warranty=under_warranty)
    return order


def confirm_free_repair(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    note: str = "",
    photos: Sequence[AttachmentRef] = (),
) -> RepairOrder:
    """Repair an order under warranty free of charge: a waived ¥0 quote is recorded and the order
    goes straight to repair, with no agreement or payment asked of the customer.

    Only for an order the inspection found under warranty; any other order gets a quote.
    """
    order = session.get(RepairOrder, order_id)
    if order is not None and not order.under_warranty:
        raise IllegalMove(
            "Order {number} is not under warranty; send the customer a quote", number=order.number
        )
    return send_quote(
        session,
        actor=actor,
        order_id=order_id,
        expected_version=expected_version,
        amount_fen=0,
        note=note,
        photos=photos,
    )


def send_quote(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    amount_fen: int,
    note: str = "",
    photos: Sequence[AttachmentRef] = (),
) -> RepairOrder:
    """Send the repair price to the customer.

    A zero amount for an order under warranty needs neither agreement nor payment: the order goes
    straight to repair (the quote is still recorded and announced, for the customer's record).
    """
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise InvalidInput("The amount must be a non-negative whole number of fen")
    order = begin(session, actor, order_id, expected_version, "send_quote")
    skips = amount_fen == 0 and bool(order.under_warranty)
    quote = Quote(
        order_id=order_id,
        amount_fen=amount_fen,
        note=note,
        staff_id=actor.numeric_id if actor.is_staff else 0,
        decision="waived" if skips else None,
    )
    session.add(quote)
    session.flush()

    next_node = "repair" if skips else "customer_agreement"
    advance(
        session,
        actor,
        order,
        next_node,
        outcome="warranty_free" if skips else "quoted",
        comment=note or None,
        attachments=photos,
    )
    audit_order(session, actor, order, "send_quote", amount_fen=amount_fen, quote_id=quote.id)
    emit(
        session,
        RepairQuoteSent(
            order_id=order_id,
            order_number=order.number,
            customer_id=order.customer_id,
            quote_id=saved_id(quote),
            amount_fen=amount_fen,
            needs_agreement=not skips,
        ),
        order_subject(order),
    )
    return order


def latest_quote(session: Session, order_id: int) -> Quote | None:
    return session.exec(
        select(Quote).where(Quote.order_id == order_id).order_by(col(Quote.id).desc())
    ).first()


def _decide_quote(
    session: Session, actor: Actor, order_id: int, expected_version: int, action: str, agreed: bool
) -> RepairOrder:
    order = begin(session, actor, order_id, expected_version, action)
    quote = latest_quote(session, order_id)
    if quote is None:
        raise IllegalMove("Order {number} has no quote to decide on", number=order.number)
    quote.decision = "agreed" if agreed else "declined"
    quote.decided_by = f"{actor.kind}:{actor.id}"
    session.add(quote)

    on_behalf = " on the customer's behalf" if actor.is_staff else ""
    if agreed:
        # A ¥0 quote leaves nothing to collect (WeChat Pay refuses a zero amount and an offline
        # proof of ¥0 proves nothing): the agreed order goes straight to repair, like a free
        # repair under warranty.
        advance(
            session,
            actor,
            order,
            "repair" if quote.amount_fen == 0 else "fee_collection",
            outcome="agreed",
            comment=f"agreed{on_behalf}" if on_behalf else None,
        )
    else:
        order.quote_declined = True
        advance(
            session,
            actor,
            order,
            "warehouse_exit",
            outcome="declined",
            comment=f"declined{on_behalf}" if on_behalf else None,
        )
    audit_order(session, actor, order, action, quote_id=quote.id)
    return order


def agree_to_quote(
    session: Session, *, actor: Actor, order_id: int, expected_version: int
) -> RepairOrder:
    """The customer agrees to the quote; the order waits for payment (or, for a ¥0 quote,
    goes straight to repair)."""
    return _decide_quote(session, actor, order_id, expected_version, "agree", True)


def decline_quote(
    session: Session, *, actor: Actor, order_id: int, expected_version: int
) -> RepairOrder:
    """The customer declines; the product is shipped back unrepaired."""
    return _decide_quote(session, actor, order_id, expected_version, "decline", False)


def agree_for_customer(
    session: Session, *, actor: Actor, order_id: int, expected_version: int
) -> RepairOrder:
    """Staff record the customer's agreement given by phone or in person."""
    return _decide_quote(session, actor, order_id, expected_version, "agree_for_customer", True)


def decline_for_customer(
    session: Session, *, actor: Actor, order_id: int, expected_version: int
) -> RepairOrder:
    """Staff record that the customer declined the quote."""
    return _decide_quote(session, actor, order_id, expected_version, "decline_for_customer", False)


def start_repair(
    session: Session, *, actor: Actor, order_id: int, expected_version: int
) -> RepairOrder:
    """A technician starts work; the order stays at repair, its visit records the start."""
    order = begin(session, actor, order_id, expected_version, "start_repair")
    tick = current_tick(session, order)
    if tick.started_at is not None:
        raise IllegalMove("The repair of order {number} has already started", number=order.number)
    tick.started_at = utcnow()
    tick.operator_kind, tick.operator_id = OperatorKind(actor.kind), actor.id
    session.add(tick)
    audit_order(session, actor, order, "start_repair")
    return order


def finish_repair(
    session: Session, *, actor: Actor, order_id: int, expected_version: int, comment: str = ""
) -> RepairOrder:
    """The technician finishes; the order goes to QC. Finishing without a start is refused."""
    order = begin(session, actor, order_id, expected_version, "finish_repair")
    if current_tick(session, order).started_at is None:
        raise IllegalMove("The repair of order {number} has not started", number=order.number)
    advance(session, actor, order, "qc", outcome="repaired", comment=comment or None)
    audit_order(session, actor, order, "finish_repair")
    return order


def pass_qc(
    session: Session, *, actor: Actor, order_id: int, expected_version: int, comment: str = ""
) -> RepairOrder:
    """QC passes the repair; the order goes to warehouse exit."""
    order = begin(session, actor, order_id, expected_version, "pass_qc")
    advance(session, actor, order, "warehouse_exit", outcome="passed", comment=comment or None)
    audit_order(session, actor, order, "pass_qc")
    return order


def fail_qc(
    session: Session, *, actor: Actor, order_id: int, expected_version: int, comment: str
) -> RepairOrder:
    """QC fails the repair with a reason; the order goes back to repair as a new visit."""
    if not comment.strip():
        raise InvalidInput("A QC failure needs a reason")
    order = begin(session, actor, order_id, expected_version, "fail_qc")
    advance(session, actor, order, "repair", outcome="failed", comment=comment)
    audit_order(session, actor, order, "fail_qc")
    return order


def paid_amount_fen(session: Session, order_id: int) -> int:
    """What confirmed payments covering this order amount to (0 when nothing was paid)."""
    payments = session.exec(
        select(Payment)
        .join(PaymentOrder, col(PaymentOrder.payment_id) == Payment.id)
        .where(PaymentOrder.order_id == order_id, Payment.status == PaymentStatus.CONFIRMED)
    ).all()
    return sum(payment.amount_fen for payment in payments)


def ship_back(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    courier: str,
    waybill: str,
) -> RepairOrder:
    """The warehouse ships the product back. Paid orders go on to invoicing; unpaid ones (warranty
    or declined quote) complete. A paid order whose invoice was issued already (with an earlier
    order of the same payment) passes through invoicing and completes too."""
    order = begin(session, actor, order_id, expected_version, "ship_back")
    session.add(
        Shipment(
            order_id=order_id, direction=ShipmentDirection.OUT, courier=courier, waybill=waybill
        )
    )
    next_node = "invoicing" if paid_amount_fen(session, order_id) > 0 else "completed"
    advance(session, actor, order, next_node, outcome="shipped", comment=f"{courier} {waybill}")
    if next_node == "invoicing" and invoice_issued_for_order(session, order_id):
        advance(session, Actor.system("invoicing"), order, "completed", outcome=INVOICED)
    audit_order(session, actor, order, "ship_back", courier=courier, waybill=waybill)
    emit(
        session,
        RepairOrderShippedBack(
            order_id=order_id,
            order_number=order.number,
            customer_id=order.customer_id,
            courier=courier,
            waybill=waybill,
            repaired=not order.quote_declined,
        ),
        order_subject(order),
    )
    return order


def complete_order(
    session: Session, *, actor: Actor, order_id: int, expected_version: int, comment: str = ""
) -> RepairOrder:
    """Finance closes an order at invoicing when the customer asked for no invoice.

    An invoice requested but not yet issued blocks completion, so it cannot be forgotten; issuing
    it completes the order by itself. A customer who asks for an invoice after completion still
    gets it: ``issue_invoice`` accepts completed orders.
    """
    order = begin(session, actor, order_id, expected_version, "complete")
    invoice = invoice_of_order(session, order_id)
    if invoice is not None and invoice.issued_at is None:
        raise IllegalMove(
            "The invoice requested for order {number} is not issued yet", number=order.number
        )
    advance(session, actor, order, "completed", outcome="closed", comment=comment or None)
    audit_order(session, actor, order, "complete")
    return order


def assign_order(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    expected_version: int,
    assignee_id: int | None,
) -> RepairOrder:
    """A coordinator or administrator gives the order's current node to one person (it shows
    in their "my work" and leaves their team-mates'), or hands it back to the team (None).

    The person must be active and able to operate the node. Assignment ends when the order
    moves on. No event: nothing outside this service reacts to who works on an order.
    """
    if not (actor.is_staff and actor.operates_every_node):
        raise Forbidden("Only a coordinator or an administrator assigns orders")
    order = load_visible_order(session, actor, order_id)
    if order.version != expected_version:
        raise stale_error(session, order, actor)
    if order.status != OrderStatus.OPEN:
        raise IllegalMove(
            "Order {number} is closed; there is nothing to assign", number=order.number
        )
    if assignee_id is not None and assignee_id not in assignable_staff(session, order.node_code):
        raise InvalidInput("Assign the order to an active person who may operate its node")
    order = claim_version(session, actor, order, expected_version)

    order.assignee_id = assignee_id
    session.add(order)
    session.flush()
    audit_order(session, actor, order, "assign", assignee_id=assignee_id)
    return order


def assignable_staff(session: Session, node_code: str) -> dict[int, str]:
    """Active people who may operate ``node_code`` (members of a granted team, coordinators,
    administrators), id to name, by name."""
    granted_members = (
        select(TeamMembership.staff_id)
        .join(NodeGrant, col(NodeGrant.team_id) == TeamMembership.team_id)
        .where(NodeGrant.node_code == node_code)
    )
    rows = session.exec(
        select(StaffAccount.id, StaffAccount.display_name)
        .where(col(StaffAccount.active).is_(True))
        .where(
            or_(
                col(StaffAccount.role).in_([StaffRole.ADMIN, StaffRole.COORDINATOR]),
                col(StaffAccount.id).in_(granted_members),
            )
        )
        .order_by(col(StaffAccount.display_name))
    ).all()
    return {int(staff_id): name for staff_id, name in rows if staff_id is not None}
