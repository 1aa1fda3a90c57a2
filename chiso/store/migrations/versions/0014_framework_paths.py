"""framework_id holds a framework file's path: 80 characters refused deep paths on PostgreSQL"""
from alembic import op
import sqlalchemy as sa


revision = '0014_framework_paths'
down_revision = '0013_form_defects'

TABLES = ('assessment_periods', 'publications', 'preliminary_releases', 'result_snapshots')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                'framework_id', existing_type=sa.String(80), type_=sa.String(1024), existing_nullable=False
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                'framework_id', existing_type=sa.String(1024), type_=sa.String(80), existing_nullable=False
            )
