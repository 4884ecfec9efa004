"""Reads the order page and administration need beyond the domain selectors: sibling orders,
who completed each tick, payment proofs, staff sessions. Each runs a fixed number of queries.

The board reads through ``orders.selectors`` (the same filters as the staff API's list).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from repair_service.catalogue.models import CatalogueProduct
from repair_service.db import as_utc, saved_id
from repair_service.orders.actors import label_actor
from repair_service.orders.models import Attachment, RepairOrder, Tick
from repair_service.staff.models import StaffAccount, StaffSession


def sibling_orders(session: Session, order: RepairOrder) -> list[tuple[RepairOrder, str | None]]:
    """The other orders of the same request, with their product names."""
    return list(
        session.exec(
            select(RepairOrder, CatalogueProduct.name)
            .outerjoin(CatalogueProduct, col(CatalogueProduct.pn) == RepairOrder.pn)
            .where(RepairOrder.request_id == order.request_id, col(RepairOrder.id) != order.id)
            .order_by(col(RepairOrder.id))
        )
    )


@dataclass(frozen=True)
class ChangedBy:
    """Who a stored ``updated_by`` label names: a staff member's ``name``, or a ``role`` the page
    translates ("The customer", "The system"); both empty when the label is of no known shape."""

    name: str = ""
    role: str = ""


def changed_by(session: Session, label: str | None) -> ChangedBy:
    """Who a stored ``updated_by`` label names, readably: never an internal id."""
    found = label_actor(label)
    if found is None:
        return ChangedBy()
    kind, actor_id = found
    if kind != "staff":
        return ChangedBy(role="The customer" if kind == "customer" else "The system")
    account = session.get(StaffAccount, int(actor_id))
    return ChangedBy(name=(account.display_name or account.username) if account else "")


def tick_operators(session: Session, order_id: int) -> dict[int, str]:
    """Tick id → who completed it: the staff member's name, or "customer" / "system"."""
    ticks = session.exec(
        select(Tick.id, Tick.operator_kind, Tick.operator_id).where(Tick.order_id == order_id)
    ).all()
    staff_ids = {int(op) for _id, kind, op in ticks if kind == "staff" and op and op.isdigit()}
    names = (
        dict(
            session.exec(
                select(StaffAccount.id, StaffAccount.display_name).where(
                    col(StaffAccount.id).in_(staff_ids)
                )
            ).all()
        )
        if staff_ids
        else {}
    )
    operators: dict[int, str] = {}
    for tick_id, kind, operator_id in ticks:
        assert tick_id is not None, "a primary key read back from the table"
        if kind == "staff" and operator_id and operator_id.isdigit():
            operators[tick_id] = names.get(int(operator_id), f"staff {operator_id}")
        elif kind:
            operators[tick_id] = str(kind)
    return operators


@dataclass(frozen=True)
class SessionRow:
    id: int
    staff_name: str
    username: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    live: bool


def staff_sessions(session: Session, now: datetime, limit: int = 200) -> list[SessionRow]:
    """Recent staff sessions, newest first, for the administrator's list."""
    rows = session.exec(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, col(StaffAccount.id) == StaffSession.staff_id)
        .order_by(col(StaffSession.id).desc())
        .limit(limit)
    ).all()
    return [
        SessionRow(
            id=saved_id(row),
            staff_name=account.display_name,
            username=account.username,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
            live=row.revoked_at is None and as_utc(row.expires_at) > now,
        )
        for row, account in rows
    ]


def payment_proofs(session: Session, payment_id: int) -> list[Attachment]:
    """The offline payment proofs the customer sent for a payment, oldest first."""
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.payment_id == payment_id)
            .order_by(col(Attachment.id))
        )
    )
