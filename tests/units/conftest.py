"""Units test fixtures: the real administrative units loaded once per backend (reference data, committed).

`units_url` loads them into the session's `store_url` database (a no-op when already there);
`units_db` is the usual rolled-back `db` session on top of that database.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.units.admin_load import ensure_units_loaded


@pytest.fixture(scope="session")
def units_url(store_url: str) -> str:
    """Return the `store_url` database with every administrative unit and lineage link loaded."""
    ensure_units_loaded(store_url, actor=SYSTEM)
    return store_url


@pytest.fixture
def units_db(units_url: str, db: Session) -> Session:
    """Yield the rolled-back `db` session on a database where the units are loaded."""
    return db
