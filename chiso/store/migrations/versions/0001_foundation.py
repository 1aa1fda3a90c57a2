"""foundation: units, agencies, groups, users, sessions, audit"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, drop_tables, foreign_key, id_column, primary_key


revision = '0001'
down_revision = None


def upgrade() -> None:
    op.create_table('admin_units',
    id_column(),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('full_name', sa.String(length=250), nullable=False),
    sa.Column('unit_type', sa.String(length=60), nullable=False),
    sa.Column('name_ascii', sa.String(length=250), nullable=False),
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=10), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    primary_key('admin_units'),
    sa.UniqueConstraint('level', 'code', 'valid_from', name='uq_admin_units_level_code_from')
    )
    create_indexes('admin_units', 'code', 'name_ascii')
    op.create_index('ix_admin_units_province', 'admin_units', ['province_code', 'level'], unique=False)

    op.create_table('peer_groups',
    id_column(),
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    primary_key('peer_groups'),
    sa.UniqueConstraint('province_code', 'period', 'code', name='uq_peer_groups_key')
    )
    op.create_table('agencies',
    id_column(),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('name_ascii', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('admin_unit_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    foreign_key('agencies', 'admin_unit_id', 'admin_units'),
    foreign_key('agencies', 'parent_id', 'agencies'),
    primary_key('agencies'),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code'))
    )
    create_indexes('agencies', 'name_ascii', 'province_code')

    op.create_table('unit_lineage',
    id_column(),
    sa.Column('from_unit_id', sa.Integer(), nullable=False),
    sa.Column('to_unit_id', sa.Integer(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    foreign_key('unit_lineage', 'from_unit_id', 'admin_units', ondelete='CASCADE'),
    foreign_key('unit_lineage', 'to_unit_id', 'admin_units', ondelete='CASCADE'),
    primary_key('unit_lineage'),
    sa.UniqueConstraint('from_unit_id', 'to_unit_id', name='uq_unit_lineage_pair')
    )
    create_indexes('unit_lineage', 'from_unit_id', 'to_unit_id')

    op.create_table('agency_links',
    id_column(),
    sa.Column('predecessor_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    foreign_key('agency_links', 'predecessor_id', 'agencies', ondelete='CASCADE'),
    foreign_key('agency_links', 'successor_id', 'agencies', ondelete='CASCADE'),
    primary_key('agency_links'),
    sa.UniqueConstraint('predecessor_id', 'successor_id', name='uq_agency_links_pair')
    )
    create_indexes('agency_links', 'predecessor_id', 'successor_id')

    op.create_table('group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    foreign_key('group_members', 'agency_id', 'agencies', ondelete='CASCADE'),
    foreign_key('group_members', 'group_id', 'peer_groups', ondelete='CASCADE'),
    primary_key('group_members', 'group_id', 'agency_id')
    )
    op.create_table('users',
    id_column(),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('province_code', sa.String(length=10), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    foreign_key('users', 'agency_id', 'agencies'),
    primary_key('users'),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('audit_log',
    id_column(),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    foreign_key('audit_log', 'user_id', 'users'),
    primary_key('audit_log')
    )
    create_indexes('audit_log', 'at')
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id'], unique=False)

    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    foreign_key('web_sessions', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('web_sessions', 'token_hash')
    )
    create_indexes('web_sessions', 'user_id')


def downgrade() -> None:
    drop_tables(
        'web_sessions', 'audit_log', 'users', 'group_members', 'agency_links', 'unit_lineage',
        'agencies', 'peer_groups', 'admin_units'
    )
