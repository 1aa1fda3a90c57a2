"""followup: targets, alerts, requests, plans, notifications, deliveries"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, drop_tables, foreign_key, id_column
from chiso.store.migrations.builders import primary_key, stamp_columns, stored_file_columns


revision = '0005'
down_revision = '0004'


def upgrade() -> None:
    op.create_table('alert_rules',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    primary_key('alert_rules', 'code')
    )
    op.create_table('alerts',
    id_column(),
    sa.Column('rule', sa.String(length=80), nullable=False),
    sa.Column('agency_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('title_vi', sa.String(length=400), nullable=False),
    sa.Column('title_en', sa.String(length=400), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    primary_key('alerts'),
    sa.UniqueConstraint('rule', 'agency_code', 'period', name='uq_alerts_key')
    )
    create_indexes('alerts', 'agency_code', 'raised_at')

    op.create_table('worker_leases',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    primary_key('worker_leases', 'name')
    )
    op.create_table('agency_contacts',
    id_column(),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    foreign_key('agency_contacts', 'agency_id', 'agencies', ondelete='CASCADE'),
    foreign_key('agency_contacts', 'user_id', 'users'),
    primary_key('agency_contacts'),
    sa.UniqueConstraint('agency_id', 'level', 'email', name='uq_agency_contacts_key')
    )
    create_indexes('agency_contacts', 'agency_id')

    op.create_table('deliveries',
    id_column(),
    sa.Column('idempotency_key', sa.String(length=240), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=80), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    foreign_key('deliveries', 'user_id', 'users', ondelete='SET NULL'),
    primary_key('deliveries'),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_deliveries_idempotency_key'))
    )
    op.create_index('ix_deliveries_due', 'deliveries', ['status', 'next_attempt_at'], unique=False)

    op.create_table('explanation_requests',
    id_column(),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    *stamp_columns('answered', nullable=True),
    *stamp_columns('created'),
    foreign_key('explanation_requests', 'agency_id', 'agencies'),
    foreign_key('explanation_requests', 'alert_id', 'alerts'),
    foreign_key('explanation_requests', 'answered_by', 'users'),
    foreign_key('explanation_requests', 'created_by', 'users'),
    primary_key('explanation_requests')
    )
    create_indexes('explanation_requests', 'agency_id', 'alert_id', 'due_at')

    op.create_table('followup_files',
    id_column(),
    sa.Column('owner_type', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    *stored_file_columns(),
    foreign_key('followup_files', 'uploaded_by', 'users'),
    primary_key('followup_files')
    )
    op.create_index('ix_followup_files_owner', 'followup_files', ['owner_type', 'owner_id'], unique=False)

    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    foreign_key('notification_settings', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('notification_settings', 'user_id', 'event_type', 'channel')
    )
    op.create_table('notifications',
    id_column(),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('title_vi', sa.String(length=400), nullable=False),
    sa.Column('title_en', sa.String(length=400), nullable=False),
    sa.Column('body_vi', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    foreign_key('notifications', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('notifications'),
    sa.UniqueConstraint('user_id', 'event_key', name='uq_notifications_user_event')
    )
    op.create_index('ix_notifications_unread', 'notifications', ['user_id', 'read_at'], unique=False)

    op.create_table('plan_items',
    id_column(),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('indicator', sa.String(length=120), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *stamp_columns('updated'),
    foreign_key('plan_items', 'agency_id', 'agencies'),
    foreign_key('plan_items', 'project_id', 'plan_items'),
    foreign_key('plan_items', 'updated_by', 'users'),
    primary_key('plan_items')
    )
    create_indexes('plan_items', 'agency_id')

    op.create_table('report_subscriptions',
    id_column(),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('report', sa.String(length=20), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('period_code', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    foreign_key('report_subscriptions', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('report_subscriptions')
    )
    create_indexes('report_subscriptions', 'user_id')

    op.create_table('targets',
    id_column(),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_vi', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('indicator', sa.String(length=120), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_code', sa.String(length=60), nullable=True),
    sa.Column('period_type', sa.String(length=10), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('comparison', sa.String(length=2), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *stamp_columns('updated'),
    foreign_key('targets', 'updated_by', 'users'),
    primary_key('targets'),
    sa.UniqueConstraint('code', name=op.f('uq_targets_code'))
    )
    create_indexes('targets', 'province_code')

    op.create_table('user_addresses',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    foreign_key('user_addresses', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('user_addresses', 'user_id')
    )
    op.create_table('plan_updates',
    id_column(),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.Integer(), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    foreign_key('plan_updates', 'by', 'users'),
    foreign_key('plan_updates', 'item_id', 'plan_items', ondelete='CASCADE'),
    primary_key('plan_updates')
    )
    create_indexes('plan_updates', 'item_id')

    op.create_table('reminder_schedules',
    id_column(),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('days_before', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    foreign_key('reminder_schedules', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    primary_key('reminder_schedules'),
    sa.UniqueConstraint('period_id', 'kind', name='uq_reminder_schedules_key')
    )
    op.create_table('target_statuses',
    id_column(),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('trend', sa.JSON(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    foreign_key('target_statuses', 'target_id', 'targets', ondelete='CASCADE'),
    primary_key('target_statuses'),
    sa.UniqueConstraint('target_id', 'agency_code', name='uq_target_statuses_key')
    )
    create_indexes('target_statuses', 'agency_code')


def downgrade() -> None:
    drop_tables(
        'target_statuses', 'reminder_schedules', 'plan_updates', 'user_addresses', 'targets',
        'report_subscriptions', 'plan_items', 'notifications', 'notification_settings',
        'followup_files', 'explanation_requests', 'deliveries', 'agency_contacts', 'worker_leases',
        'alerts', 'alert_rules'
    )
