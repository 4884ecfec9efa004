"""order: accessories received get a column of their own

Receiving used to append them to its step's comment under an English label ("Accessories: ...");
existing orders have them moved out of that comment into the new column.

Revision ID: 7c4d2e9a1f30
Revises: 5e1f0c2a9b7d
Create Date: 2026-12-03 19:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7c4d2e9a1f30'
down_revision: str | None = '5e1f0c2a9b7d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LABEL = "\nAccessories: "

tick = sa.table(
    'tick',
    sa.column('id', sa.Integer),
    sa.column('order_id', sa.Integer),
    sa.column('node_code', sa.String),
    sa.column('outcome', sa.String),
    sa.column('comment', sa.Text),
)
repair_order = sa.table(
    'repair_order', sa.column('id', sa.Integer), sa.column('accessories_received', sa.Text)
)


def upgrade() -> None:
    with op.batch_alter_table('repair_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accessories_received', sa.Text(), nullable=True))

    connection = op.get_bind()
    receipts = connection.execute(
        sa.select(tick.c.id, tick.c.order_id, tick.c.comment).where(
            tick.c.node_code == 'receiving',
            tick.c.outcome == 'received',
            tick.c.comment.contains(LABEL),
        )
    )
    for tick_id, order_id, comment in receipts.all():
        condition, _, accessories = comment.partition(LABEL)
        connection.execute(
            sa.update(repair_order)
            .where(repair_order.c.id == order_id)
            .values(accessories_received=accessories)
        )
        connection.execute(sa.update(tick).where(tick.c.id == tick_id).values(comment=condition))


def downgrade() -> None:
    connection = op.get_bind()
    orders = connection.execute(
        sa.select(repair_order.c.id, repair_order.c.accessories_received).where(
            repair_order.c.accessories_received.is_not(None)
        )
    )
    for order_id, accessories in orders.all():
        receipt = connection.execute(
            sa.select(tick.c.id, tick.c.comment)
            .where(
                tick.c.order_id == order_id,
                tick.c.node_code == 'receiving',
                tick.c.outcome == 'received',
            )
            .order_by(tick.c.id.desc())
            .limit(1)
        ).first()
        if receipt is not None:
            connection.execute(
                sa.update(tick)
                .where(tick.c.id == receipt.id)
                .values(comment=f"{receipt.comment or ''}{LABEL}{accessories}")
            )

    with op.batch_alter_table('repair_order', schema=None) as batch_op:
        batch_op.drop_column('accessories_received')
