"""publication_intervals: the rank intervals each published ranking carries"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'


def upgrade() -> None:
    op.create_table('publication_intervals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('log', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_intervals_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_intervals'))
    )
    with op.batch_alter_table('publication_intervals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_intervals_publication_id'), ['publication_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('publication_intervals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_intervals_publication_id'))

    op.drop_table('publication_intervals')
