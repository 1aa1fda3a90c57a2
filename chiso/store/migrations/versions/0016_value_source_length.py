"""submission_values.source: room for the whole lineage of a value computed from the longest metric code"""
from alembic import op
import sqlalchemy as sa


revision = '0016_value_source_length'
down_revision = '0015_indicators'


def upgrade() -> None:
    # A lineage names the metric (up to 80 characters), the count, months, cut-off and time: up to ~175.
    with op.batch_alter_table('submission_values') as batch:
        batch.alter_column('source', existing_type=sa.String(length=120), type_=sa.String(length=200),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('submission_values') as batch:
        batch.alter_column('source', existing_type=sa.String(length=200), type_=sa.String(length=120),
                           existing_nullable=False)
