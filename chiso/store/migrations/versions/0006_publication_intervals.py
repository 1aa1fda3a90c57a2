"""publication_intervals: the rank intervals each published ranking carries"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, foreign_key, id_column, primary_key


revision = '0006'
down_revision = '0005'


def upgrade() -> None:
    op.create_table('publication_intervals',
    id_column(),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('log', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    foreign_key('publication_intervals', 'publication_id', 'publications', ondelete='CASCADE'),
    primary_key('publication_intervals')
    )
    create_indexes('publication_intervals', 'publication_id', unique=True)


def downgrade() -> None:
    op.drop_table('publication_intervals')
