"""computed values: the freeze of a period's computed values at a cut-off date"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import foreign_key, primary_key, stamp_columns


revision = '0011'
down_revision = '0009'


def upgrade() -> None:
    op.create_table('computed_freezes',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.Date(), nullable=False),
    *stamp_columns('frozen'),
    foreign_key('computed_freezes', 'frozen_by', 'users'),
    foreign_key('computed_freezes', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    primary_key('computed_freezes', 'period_id')
    )


def downgrade() -> None:
    op.drop_table('computed_freezes')
