"""indicators: the province's indicator catalogue, reported values, targets and dashboards"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, drop_tables, foreign_key, id_column, primary_key


revision = '0015_indicators'
down_revision = '0014_framework_paths'


def upgrade() -> None:
    op.create_table('dashboards',
    id_column(),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title_vi', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('sharing', sa.String(length=10), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    primary_key('dashboards'),
    sa.UniqueConstraint('slug', name=op.f('uq_dashboards_slug'))
    )
    op.create_table('indicator_folders',
    id_column(),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    primary_key('indicator_folders'),
    sa.UniqueConstraint('code', name=op.f('uq_indicator_folders_code'))
    )
    op.create_table('indicator_targets',
    id_column(),
    sa.Column('indicator_code', sa.String(length=40), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    primary_key('indicator_targets'),
    sa.UniqueConstraint('indicator_code', 'unit_code', 'year', name='uq_indicator_targets_key')
    )
    create_indexes('indicator_targets', 'indicator_code')

    op.create_table('indicator_values',
    id_column(),
    sa.Column('indicator_code', sa.String(length=40), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('entered_by', sa.String(length=100), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    primary_key('indicator_values'),
    sa.UniqueConstraint('indicator_code', 'unit_code', 'period', name='uq_indicator_values_key')
    )
    create_indexes('indicator_values', 'indicator_code', 'period', 'unit_code')

    op.create_table('indicators',
    id_column(),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('folder_code', sa.String(length=40), nullable=True),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.Column('legal_basis', sa.String(length=500), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('value_type', sa.String(length=10), nullable=False),
    sa.Column('period_type', sa.String(length=10), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('weight_code', sa.String(length=40), nullable=True),
    sa.Column('owner_agency_code', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('metric_code', sa.String(length=80), nullable=True),
    sa.Column('formula', sa.String(length=1000), nullable=True),
    sa.Column('min_value', sa.Float(), nullable=True),
    sa.Column('max_value', sa.Float(), nullable=True),
    sa.Column('higher_is_better', sa.Boolean(), nullable=False),
    sa.Column('outlier_sd', sa.Float(), nullable=True),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=True),
    primary_key('indicators'),
    sa.UniqueConstraint('code', name=op.f('uq_indicators_code'))
    )
    create_indexes('indicators', 'folder_code', 'owner_agency_code')

    op.create_table('dashboard_versions',
    id_column(),
    sa.Column('dashboard_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_by', sa.String(length=100), nullable=False),
    foreign_key('dashboard_versions', 'dashboard_id', 'dashboards', ondelete='CASCADE'),
    primary_key('dashboard_versions'),
    sa.UniqueConstraint('dashboard_id', 'version', name='uq_dashboard_versions_key')
    )
    create_indexes('dashboard_versions', 'dashboard_id')


def downgrade() -> None:
    drop_tables(
        'dashboard_versions', 'indicators', 'indicator_values', 'indicator_targets',
        'indicator_folders', 'dashboards'
    )
