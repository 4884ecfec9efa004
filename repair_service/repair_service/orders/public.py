"""The public QR view of an order: an unguessable token per order, revocable and re-issuable,
and masking of personal data done here so no caller ever receives it.

Revoking or re-issuing the token kills every label already printed with the old QR code, so
only those who steer the order may do it: coordinators and admins on any order, and members of a
team granted the node the order stands at while it is open (they hold the product and print
its labels). Everyone else on the staff still sees and prints the current QR.
"""

import secrets

from sqlmodel import Session, select

from repair_service.errors import Forbidden, NotFound
from repair_service.orders.actors import Actor
from repair_service.orders.models import OrderStatus, RepairOrder
from repair_service.orders.workflow import audit_order, may_operate


def new_public_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def may_change_public_link(session: Session, actor: Actor, order: RepairOrder) -> bool:
    """Whether ``actor`` steers ``order`` enough to revoke or re-issue its public link."""
    if actor.operates_every_node:
        return True
    return order.status == OrderStatus.OPEN and may_operate(session, actor, order.node_code)


def steered_order(session: Session, actor: Actor, order_id: int) -> RepairOrder:
    """The order whose public link ``actor`` means to change; Forbidden unless they steer it."""
    order = session.get(RepairOrder, order_id)
    if order is None:
        raise NotFound("No such order")
    if not may_change_public_link(session, actor, order):
        raise Forbidden(
            "Only a coordinator, an admin or the team holding order {number} "
            "may change its public link",
            number=order.number,
        )
    return order


def issue_public_token(session: Session, *, actor: Actor, order_id: int) -> RepairOrder:
    """Give the order a fresh public token; any earlier one stops working."""
    order = steered_order(session, actor, order_id)
    order.public_token = new_public_token()
    session.add(order)
    audit_order(session, actor, order, "issue_public_token")
    session.flush()
    return order


def revoke_public_token(session: Session, *, actor: Actor, order_id: int) -> RepairOrder:
    """Remove the order's public token; its QR code answers not found from now on."""
    order = steered_order(session, actor, order_id)
    order.public_token = None
    session.add(order)
    audit_order(session, actor, order, "revoke_public_token")
    session.flush()
    return order


def order_by_public_token(session: Session, token: str) -> RepairOrder:
    if not token or len(token) > 64:
        raise NotFound("No such order")
    order = session.exec(select(RepairOrder).where(RepairOrder.public_token == token)).first()
    if order is None:
        raise NotFound("No such order")
    return order


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``; ``Alice`` → ``A****``."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of a mobile number."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 4) + digits[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str) -> str:
    """Keep roughly the province and city (the first six characters) and hide the rest."""
    return address[:6] + "****" if address else ""


def mask_serial(sn: str) -> str:
    return "*" * max(len(sn) - 4, 0) + sn[-4:]
