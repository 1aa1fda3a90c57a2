"""live history: daily and monthly snapshots of the live 766 scores; integrator token scopes"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    op.create_table('live_score_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_count', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.String(length=400), nullable=False),
    sa.Column('agencies', sa.LargeBinary(), nullable=False),
    sa.Column('figures', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_score_snapshots')),
    sa.UniqueConstraint('kind', 'period', name='uq_live_score_snapshots_key')
    )
    with op.batch_alter_table('live_score_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_score_snapshots_period'), ['period'], unique=False)
    with op.batch_alter_table('integrator_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_kinds', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('agency_root', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('rate_per_minute', sa.Integer(), server_default='60', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('integrator_tokens', schema=None) as batch_op:
        batch_op.drop_column('rate_per_minute')
        batch_op.drop_column('agency_root')
        batch_op.drop_column('record_kinds')
    with op.batch_alter_table('live_score_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_score_snapshots_period'))
    op.drop_table('live_score_snapshots')
