"""Audit rows are only ever inserted: no service updates or deletes them.

Append-only is a convention of the code, not enforced by the database: the service's database
role can still UPDATE or DELETE these rows. Revoking those privileges (or a trigger refusing them)
belongs in the production database set-up, which does not exist yet.
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    # Sign-in throttling counts one key's recent attempts of one kind.
    __table_args__ = (
        Index("ix_audit_log_action_actor_id_created_at", "action", "actor_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int | None = Field(default=None, foreign_key="repair_order.id", index=True)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    actor_kind: str = Field(max_length=20)
    actor_id: str = Field(max_length=64)
    action: str = Field(max_length=60)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
