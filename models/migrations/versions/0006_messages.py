"""messages: digests (outbox carriers), 督办单 numbers, unit contacts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('serial',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('series', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'series', 'year')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('carried_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('doc_no', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index('ix_outbox_digest', ['digest_id'], unique=False)
        batch_op.create_index('uq_outbox_carrier_day', ['plan_id', 'recipient', 'carried_on'], unique=True,
                              sqlite_where=sa.text('digest_id = id'), postgresql_where=sa.text('digest_id = id'))
    # Rows already on their way (claimed, retrying, or done) carry themselves: the dispatcher must not wait
    # for a digest decision on them. Only fresh pending rows are left for the digest.
    op.execute("UPDATE outbox SET digest_id = id WHERE NOT (status = 'pending' AND attempts = 0)")
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('contact')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('notice_code')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('uq_outbox_carrier_day')
        batch_op.drop_index('ix_outbox_digest')
        batch_op.drop_column('doc_no')
        batch_op.drop_column('carried_on')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('plan_id')
    op.drop_table('serial')
