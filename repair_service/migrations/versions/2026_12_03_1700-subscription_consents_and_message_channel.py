"""subscription consents and message channel

Revision ID: bc076a7a79e4
Revises: 2daefd8ef937
Create Date: 2026-12-03 15:40:40.207222+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'bc076a7a79e4'
down_revision: str | None = '2daefd8ef937'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATES = ('SENT', 'RETRYING', 'FAILED')
NEW_STATES = ('SENDING', 'UNCONFIRMED')


def upgrade() -> None:
    op.create_table('subscription_consent',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_subscription_consent_customer_id_customer')),
    sa.PrimaryKeyConstraint('customer_id', 'template_id', name=op.f('pk_subscription_consent'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        # A native enum type gains values in place; SQLite stores the names as plain text.
        for state in NEW_STATES:
            op.execute(f"ALTER TYPE deliverystate ADD VALUE IF NOT EXISTS '{state}'")
    with op.batch_alter_table('customer_message', schema=None) as batch_op:
        # Every message sent before subscriptions existed was a template message.
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='template'))
        if op.get_bind().dialect.name != 'postgresql':
            batch_op.alter_column('state',
                   existing_type=sa.VARCHAR(length=8),
                   type_=sa.Enum(*OLD_STATES, *NEW_STATES, name='deliverystate'),
                   existing_nullable=False)


def downgrade() -> None:
    # PostgreSQL cannot drop values from an enum type; the two new states stay in it, unused.
    with op.batch_alter_table('customer_message', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'postgresql':
            batch_op.alter_column('state',
                   existing_type=sa.Enum(*OLD_STATES, *NEW_STATES, name='deliverystate'),
                   type_=sa.VARCHAR(length=8),
                   existing_nullable=False)
        batch_op.drop_column('channel')

    op.drop_table('subscription_consent')
