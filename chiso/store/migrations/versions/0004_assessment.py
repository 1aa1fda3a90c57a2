"""assessment: periods, submissions, values, evidence, assessors, publications"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, drop_tables, foreign_key, id_column
from chiso.store.migrations.builders import primary_key, stamp_columns, stored_file_columns


revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    op.create_table('assessment_periods',
    id_column(),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('framework_id', sa.String(length=80), nullable=False),
    sa.Column('framework_version', sa.String(length=40), nullable=False),
    sa.Column('submission_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('previous_period_id', sa.Integer(), nullable=True),
    *stamp_columns('created'),
    foreign_key('assessment_periods', 'created_by', 'users'),
    foreign_key('assessment_periods', 'previous_period_id', 'assessment_periods'),
    primary_key('assessment_periods'),
    sa.UniqueConstraint('code', name=op.f('uq_assessment_periods_code'))
    )
    create_indexes('assessment_periods', 'province_code')

    op.create_table('assessor_assignments',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    foreign_key('assessor_assignments', 'group_id', 'peer_groups', ondelete='CASCADE'),
    foreign_key('assessor_assignments', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('assessor_assignments', 'user_id', 'group_id')
    )
    op.create_table('assessment_period_groups',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    foreign_key('assessment_period_groups', 'group_id', 'peer_groups', ondelete='CASCADE'),
    foreign_key('assessment_period_groups', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    primary_key('assessment_period_groups', 'period_id', 'group_id')
    )
    op.create_table('publications',
    id_column(),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    *stamp_columns('published'),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('framework_id', sa.String(length=80), nullable=False),
    sa.Column('framework_version', sa.String(length=40), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.JSON(), nullable=False),
    foreign_key('publications', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    foreign_key('publications', 'published_by', 'users'),
    primary_key('publications'),
    sa.UniqueConstraint('period_id', 'revision', name='uq_publications_period_revision')
    )
    create_indexes('publications', 'period_id')

    op.create_table('submissions',
    id_column(),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('extended_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    *stamp_columns('updated'),
    sa.Column('version', sa.Integer(), nullable=False),
    foreign_key('submissions', 'agency_id', 'agencies'),
    foreign_key('submissions', 'group_id', 'peer_groups'),
    foreign_key('submissions', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    foreign_key('submissions', 'updated_by', 'users'),
    primary_key('submissions'),
    sa.UniqueConstraint('period_id', 'agency_id', name='uq_submissions_period_agency')
    )
    create_indexes('submissions', 'agency_id', 'period_id')

    op.create_table('evidence',
    id_column(),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=80), nullable=False),
    sa.Column('document_number', sa.String(length=120), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    *stamp_columns('created'),
    foreign_key('evidence', 'created_by', 'users'),
    foreign_key('evidence', 'submission_id', 'submissions', ondelete='CASCADE'),
    primary_key('evidence')
    )
    create_indexes('evidence', 'submission_id')

    op.create_table('submission_values',
    id_column(),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('choice', sa.String(length=200), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('is_computed', sa.Boolean(), nullable=False),
    sa.Column('review_state', sa.String(length=20), nullable=False),
    sa.Column('points_override', sa.Float(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    *stamp_columns('updated'),
    sa.Column('version', sa.Integer(), nullable=False),
    foreign_key('submission_values', 'reviewed_by', 'users'),
    foreign_key('submission_values', 'submission_id', 'submissions', ondelete='CASCADE'),
    foreign_key('submission_values', 'updated_by', 'users'),
    primary_key('submission_values'),
    sa.UniqueConstraint('submission_id', 'indicator_code', name='uq_submission_values_criterion')
    )
    create_indexes('submission_values', 'submission_id')

    op.create_table('evidence_files',
    id_column(),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    *stored_file_columns(),
    foreign_key('evidence_files', 'evidence_id', 'evidence', ondelete='CASCADE'),
    foreign_key('evidence_files', 'uploaded_by', 'users'),
    primary_key('evidence_files')
    )
    create_indexes('evidence_files', 'evidence_id', 'sha256')


def downgrade() -> None:
    drop_tables(
        'evidence_files', 'submission_values', 'evidence', 'submissions', 'publications',
        'assessment_period_groups', 'assessor_assignments', 'assessment_periods'
    )
