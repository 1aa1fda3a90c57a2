"""Migrations run up from empty and are safe to run twice, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

import chiso.store.models  # noqa: F401
from chiso.store.base import Base
from chiso.store.db import get_engine, init_database


def test_migrations_create_every_model_table(store_url: str) -> None:
    tables = set(inspect(get_engine(store_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_init_is_idempotent(store_url: str) -> None:
    first = init_database(store_url)
    second = init_database(store_url)
    assert first == second != ""


def test_models_match_migrations(store_url: str) -> None:
    """No model change is left without a migration (autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with get_engine(store_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
