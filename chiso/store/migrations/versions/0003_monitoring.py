"""monitoring: integrator tokens for the record API

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:40:00
"""
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0003'
# The chain is 0001 -> 0002 (results) -> 0003 (monitoring) -> 0004; while 0002 is still being written
# in parallel, hang this revision on 0001 so the chain stays linear.
_here = Path(__file__).parent
down_revision = '0002' if any(_here.glob('0002_*.py')) else '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('integrator_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrator_tokens')),
    sa.UniqueConstraint('name', name=op.f('uq_integrator_tokens_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_integrator_tokens_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('integrator_tokens')
