"""outbox: partial index on id for unsent rows

Revision ID: 5e1f0c2a9b7d
Revises: bc076a7a79e4
Create Date: 2026-12-03 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5e1f0c2a9b7d'
down_revision: str | None = 'bc076a7a79e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_event_unsent')
        batch_op.create_index(
            'ix_outbox_event_pending',
            ['id'],
            unique=False,
            postgresql_where=sa.text('sent_at IS NULL'),
            sqlite_where=sa.text('sent_at IS NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_event_pending')
        batch_op.create_index('ix_outbox_event_unsent', ['sent_at', 'id'], unique=False)
