"""login throttles: an atomic attempt counter per username and per client address"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import primary_key


revision = '0008'
down_revision = '0007'


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_allowed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    primary_key('login_throttles', 'key')
    )


def downgrade() -> None:
    op.drop_table('login_throttles')
