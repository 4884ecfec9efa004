"""The public QR view of an order: an unguessable token per order, revocable and re-issuable,
and masking of personal data done here so no caller ever receives it."""

import secrets

from sqlmodel import Session, select

from repair_service.errors import NotFound
from repair_service.orders.actors import Actor
from repair_service.orders.models import RepairOrder
from repair_service.orders.workflow import audit_order


def new_public_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def issue_public_token(session: Session, *, actor: Actor, order_id: int) -> RepairOrder:
    """Give the order a fresh public token; any earlier one stops working."""
    order = session.get(RepairOrder, order_id)
    if order is None:
        raise NotFound("No such order")
    order.public_token = new_public_token()
    session.add(order)
    audit_order(session, actor, order, "issue_public_token")
    session.flush()
    return order


def revoke_public_token(session: Session, *, actor: Actor, order_id: int) -> RepairOrder:
    """Remove the order's public token; its QR code answers not found from now on."""
    order = session.get(RepairOrder, order_id)
    if order is None:
        raise NotFound("No such order")
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
