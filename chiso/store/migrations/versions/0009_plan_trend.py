"""followup: each plan item keeps its linked indicator's 6-month trend (filled by the evaluation)"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'


def upgrade() -> None:
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trend', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_column('trend')
