"""live history: daily and monthly snapshots of the live 766 scores; integrator token scopes"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, id_column, primary_key


revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    op.create_table('live_score_snapshots',
    id_column(),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_count', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.String(length=400), nullable=False),
    sa.Column('agencies', sa.LargeBinary(), nullable=False),
    sa.Column('figures', sa.LargeBinary(), nullable=False),
    primary_key('live_score_snapshots'),
    sa.UniqueConstraint('kind', 'period', name='uq_live_score_snapshots_key')
    )
    create_indexes('live_score_snapshots', 'period')
    with op.batch_alter_table('integrator_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_kinds', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('agency_root', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('rate_per_minute', sa.Integer(), server_default='60', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('integrator_tokens', schema=None) as batch_op:
        batch_op.drop_column('rate_per_minute')
        batch_op.drop_column('agency_root')
        batch_op.drop_column('record_kinds')
    op.drop_table('live_score_snapshots')
