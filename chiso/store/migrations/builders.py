"""Column, constraint and index builders the migrations in versions/ share; store layer, alembic only.

A migration that has run must build the same schema forever: never change what a builder returns (its
names, types, nullability, order); add a new builder instead. Names follow chiso.store.base.NAMING, spelled
out here (op.f) so that a later change to the convention cannot rename what old migrations created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def id_column() -> sa.Column[int]:
    """The integer surrogate key `id`."""
    return sa.Column("id", sa.Integer(), nullable=False)


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """The primary key `pk_<table>` on `columns` (default: `id`)."""
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def foreign_key(
    table: str, column: str, referred: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    """The foreign key `fk_<table>_<column>_<referred>` from `column` to `<referred>.id`."""
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def stamp_columns(action: str, *, nullable: bool = False) -> list[sa.Column[object]]:
    """When and by whom: `<action>_at` (a moment) and `<action>_by` (a user id, nullable)."""
    return [
        sa.Column(f"{action}_at", sa.DateTime(timezone=True), nullable=nullable),
        sa.Column(f"{action}_by", sa.Integer(), nullable=True),
    ]


def stored_file_columns() -> list[sa.Column[object]]:
    """An uploaded file kept under data_dir/uploads by its SHA-256: hash, name, type, size, upload stamp."""
    return [
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=10), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        *stamp_columns("uploaded"),
    ]


def create_indexes(table: str, *columns: str, unique: bool = False) -> None:
    """Create one index `ix_<table>_<column>` per column."""
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def drop_tables(*tables: str) -> None:
    """Drop the tables in this order, with their indexes."""
    for table in tables:
        op.drop_table(table)
