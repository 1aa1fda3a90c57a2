"""users: e-mail, forced password change, one-time password reset links"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, foreign_key, primary_key


revision = '0012'
down_revision = '0011'


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table('password_resets',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    foreign_key('password_resets', 'user_id', 'users', ondelete='CASCADE'),
    primary_key('password_resets', 'token_hash')
    )
    create_indexes('password_resets', 'user_id')


def downgrade() -> None:
    op.drop_table('password_resets')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('must_change_password')
        batch.drop_column('email')
