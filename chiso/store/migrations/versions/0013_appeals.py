"""appeals: preliminary releases, reply and appeal cases, their files"""
from alembic import op
import sqlalchemy as sa


revision = '0013_appeals'
down_revision = '0012'


def upgrade() -> None:
    op.create_table('appeal_settings',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('reply_days', sa.Integer(), nullable=False),
    sa.Column('appeal_days', sa.Integer(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_appeal_settings_period_id_assessment_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_appeal_settings_updated_by_users')),
    sa.PrimaryKeyConstraint('period_id', name=op.f('pk_appeal_settings'))
    )
    op.create_table('preliminary_releases',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by', sa.Integer(), nullable=True),
    sa.Column('reply_days', sa.Integer(), nullable=False),
    sa.Column('reply_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('framework_id', sa.String(length=80), nullable=False),
    sa.Column('framework_version', sa.String(length=40), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_preliminary_releases_period_id_assessment_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by'], ['users.id'], name=op.f('fk_preliminary_releases_released_by_users')),
    sa.PrimaryKeyConstraint('period_id', name=op.f('pk_preliminary_releases'))
    )
    op.create_table('appeal_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('requested_points', sa.Float(), nullable=True),
    sa.Column('points_before', sa.Float(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_by', sa.Integer(), nullable=True),
    sa.Column('answer_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('points_after', sa.Float(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_appeal_cases_answered_by_users')),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_appeal_cases_filed_by_users')),
    sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'], name=op.f('fk_appeal_cases_period_id_assessment_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_appeal_cases_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_cases'))
    )
    with op.batch_alter_table('appeal_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_cases_answer_due'), ['answer_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_cases_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_cases_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_cases_submission_id'), ['submission_id'], unique=False)

    op.create_table('appeal_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_type', sa.String(length=10), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['appeal_cases.id'], name=op.f('fk_appeal_files_case_id_appeal_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_appeal_files_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_files'))
    )
    with op.batch_alter_table('appeal_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_files_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('appeal_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_files_case_id'))

    op.drop_table('appeal_files')
    with op.batch_alter_table('appeal_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_cases_submission_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_cases_status'))
        batch_op.drop_index(batch_op.f('ix_appeal_cases_period_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_cases_answer_due'))

    op.drop_table('appeal_cases')
    op.drop_table('preliminary_releases')
    op.drop_table('appeal_settings')
