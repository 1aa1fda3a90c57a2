"""evidence: withdrawn_at (withdrawn before submission, kept for the criterion's history)

Revision ID: 0013_form_defects
Revises: 0012
Create Date: 2026-12-03 02:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_form_defects'
down_revision = '0013_unit_maps'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('withdrawn_at')
