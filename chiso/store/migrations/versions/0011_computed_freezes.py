"""computed values: the freeze of a period's computed values at a cut-off date"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0009'


def upgrade() -> None:
    op.create_table('computed_freezes',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.Date(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['frozen_by'], ['users.id'], name=op.f('fk_computed_freezes_frozen_by_users')),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_computed_freezes_period_id_assessment_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('period_id', name=op.f('pk_computed_freezes'))
    )


def downgrade() -> None:
    op.drop_table('computed_freezes')
