"""results snapshots: immutable published results with their inputs and hashes"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, drop_tables, foreign_key, id_column, primary_key


revision = '0002'
down_revision = '0001'


def upgrade() -> None:
    op.create_table('result_snapshots',
    id_column(),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('framework_id', sa.String(length=80), nullable=False),
    sa.Column('framework_version', sa.String(length=40), nullable=False),
    sa.Column('framework_family', sa.String(length=80), nullable=False),
    sa.Column('framework_hash', sa.String(length=64), nullable=False),
    sa.Column('framework_document', sa.JSON(), nullable=False),
    sa.Column('periods', sa.JSON(), nullable=False),
    sa.Column('engine_version', sa.String(length=20), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('output_hash', sa.String(length=64), nullable=False),
    sa.Column('run_log', sa.JSON(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=True),
    sa.Column('lineage', sa.JSON(), nullable=True),
    sa.Column('lineage_policy', sa.String(length=10), nullable=False),
    sa.Column('previous_snapshot_id', sa.Integer(), nullable=True),
    sa.Column('previous_rows', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    foreign_key('result_snapshots', 'created_by_id', 'users'),
    foreign_key('result_snapshots', 'previous_snapshot_id', 'result_snapshots'),
    primary_key('result_snapshots')
    )
    op.create_index('ix_result_snapshots_family', 'result_snapshots', ['framework_family', 'created_at'], unique=False)
    create_indexes('result_snapshots', 'input_hash')
    op.create_table('result_inputs',
    id_column(),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('indicator_code', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    foreign_key('result_inputs', 'snapshot_id', 'result_snapshots'),
    primary_key('result_inputs')
    )
    create_indexes('result_inputs', 'snapshot_id')
    op.create_table('result_rows',
    id_column(),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('agency_code', sa.String(length=40), nullable=False),
    sa.Column('group', sa.String(length=80), nullable=False),
    sa.Column('node_code', sa.String(length=80), nullable=False),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('max_points', sa.Float(), nullable=False),
    sa.Column('published', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('band', sa.String(length=80), nullable=True),
    sa.Column('previous_points', sa.Float(), nullable=True),
    sa.Column('points_change', sa.Float(), nullable=True),
    sa.Column('previous_rank', sa.Integer(), nullable=True),
    sa.Column('rank_change', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    foreign_key('result_rows', 'snapshot_id', 'result_snapshots'),
    primary_key('result_rows')
    )
    op.create_index('ix_result_rows_lookup', 'result_rows', ['snapshot_id', 'agency_code', 'node_code'], unique=False)


def downgrade() -> None:
    drop_tables('result_rows', 'result_inputs', 'result_snapshots')
