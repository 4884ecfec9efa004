"""Administrators end staff sessions by id (the staff service revokes only by token)."""

import logging

from sqlmodel import Session

from repair_service.audit.service import write_audit
from repair_service.db import utcnow
from repair_service.errors import NotFound
from repair_service.orders.actors import Actor
from repair_service.staff.models import StaffSession

logger = logging.getLogger(__name__)


def revoke_session_by_id(session: Session, *, actor: Actor, session_id: int) -> StaffSession:
    """Revoke one staff session; the person is signed out on that device at their next request."""
    row = session.get(StaffSession, session_id)
    if row is None:
        raise NotFound("No such staff session")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        write_audit(
            session, actor, "revoke_staff_session", session_id=session_id, staff_id=row.staff_id
        )
        session.flush()
        logger.info(
            "staff.session_revoked",
            extra={"session_id": session_id, "staff_id": row.staff_id, "by": actor.id},
        )
    return row
