"""evidence: withdrawn_at (withdrawn before submission, kept for the criterion's history)"""
from alembic import op
import sqlalchemy as sa


revision = '0013_form_defects'
down_revision = '0013_unit_maps'


def upgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('withdrawn_at')
