"""SQL store: SQLAlchemy models, engine and sessions, Alembic migrations.

Imports nothing from web, assessment or the domain services; they import it.
"""

from chiso.store.db import get_engine, init_database, open_session, session_scope

__all__ = ["get_engine", "init_database", "open_session", "session_scope"]
