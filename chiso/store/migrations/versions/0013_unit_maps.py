"""unit_maps: uploaded commune boundary maps (GeoJSON/TopoJSON) drawn by /map"""
from alembic import op
import sqlalchemy as sa

from chiso.store.migrations.builders import create_indexes, id_column, primary_key

revision = '0013_unit_maps'
down_revision = '0013_appeals'


def upgrade() -> None:
    op.create_table('unit_maps',
    id_column(),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('features', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('width', sa.Float(), nullable=False),
    sa.Column('height', sa.Float(), nullable=False),
    sa.Column('paths', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    primary_key('unit_maps')
    )
    create_indexes('unit_maps', 'sha256')


def downgrade() -> None:
    op.drop_table('unit_maps')
