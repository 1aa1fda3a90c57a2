"""monitoring: integrator tokens for the record API"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import id_column, primary_key


revision = '0003'
down_revision = '0002'


def upgrade() -> None:
    op.create_table('integrator_tokens',
    id_column(),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    primary_key('integrator_tokens'),
    sa.UniqueConstraint('name', name=op.f('uq_integrator_tokens_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_integrator_tokens_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('integrator_tokens')
