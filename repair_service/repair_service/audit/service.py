"""Writing audit rows."""

import json
from typing import Any

from sqlmodel import Session, col, select

from repair_service.audit.models import AuditLog
from repair_service.orders.actors import Actor


def write_audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    order_id: int | None = None,
    payment_id: int | None = None,
    **detail: Any,
) -> None:
    """Append one audit row in the caller's transaction."""
    session.add(
        AuditLog(
            order_id=order_id,
            payment_id=payment_id,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def last_change(
    session: Session, *, order_id: int | None = None, payment_id: int | None = None
) -> AuditLog | None:
    """The newest audit row of an order or of a payment: who changed it last."""
    query = select(AuditLog).order_by(col(AuditLog.id).desc())
    if order_id is not None:
        query = query.where(AuditLog.order_id == order_id)
    if payment_id is not None:
        query = query.where(AuditLog.payment_id == payment_id)
    return session.exec(query).first()
