"""appeals: preliminary releases, reply and appeal cases, their files"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, drop_tables, foreign_key, id_column
from chiso.store.migrations.builders import primary_key, stamp_columns, stored_file_columns


revision = '0013_appeals'
down_revision = '0012'


def upgrade() -> None:
    op.create_table('appeal_settings',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('reply_days', sa.Integer(), nullable=False),
    sa.Column('appeal_days', sa.Integer(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    *stamp_columns('updated'),
    foreign_key('appeal_settings', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    foreign_key('appeal_settings', 'updated_by', 'users'),
    primary_key('appeal_settings', 'period_id')
    )
    op.create_table('preliminary_releases',
    sa.Column('period_id', sa.Integer(), nullable=False),
    *stamp_columns('released'),
    sa.Column('reply_days', sa.Integer(), nullable=False),
    sa.Column('reply_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('framework_id', sa.String(length=80), nullable=False),
    sa.Column('framework_version', sa.String(length=40), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    foreign_key('preliminary_releases', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    foreign_key('preliminary_releases', 'released_by', 'users'),
    primary_key('preliminary_releases', 'period_id')
    )
    op.create_table('appeal_cases',
    id_column(),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('requested_points', sa.Float(), nullable=True),
    sa.Column('points_before', sa.Float(), nullable=True),
    *stamp_columns('filed'),
    sa.Column('answer_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('points_after', sa.Float(), nullable=True),
    *stamp_columns('answered', nullable=True),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    foreign_key('appeal_cases', 'answered_by', 'users'),
    foreign_key('appeal_cases', 'filed_by', 'users'),
    foreign_key('appeal_cases', 'period_id', 'assessment_periods', ondelete='CASCADE'),
    foreign_key('appeal_cases', 'submission_id', 'submissions', ondelete='CASCADE'),
    primary_key('appeal_cases')
    )
    create_indexes('appeal_cases', 'answer_due', 'period_id', 'status', 'submission_id')

    op.create_table('appeal_files',
    id_column(),
    sa.Column('case_id', sa.Integer(), nullable=False),
    *stored_file_columns(),
    foreign_key('appeal_files', 'case_id', 'appeal_cases', ondelete='CASCADE'),
    foreign_key('appeal_files', 'uploaded_by', 'users'),
    primary_key('appeal_files')
    )
    create_indexes('appeal_files', 'case_id')


def downgrade() -> None:
    drop_tables('appeal_files', 'appeal_cases', 'preliminary_releases', 'appeal_settings')
