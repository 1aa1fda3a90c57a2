"""Engine, sessions and `init_database` (Alembic upgrade to head); database faults become one clear line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from chiso.config import get_settings
from chiso.errors import StoreUnavailable

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Wait for a concurrent writer rather than fail at once; tests shorten the wait.
    busy_ms = int(os.environ.get("CHISO_SQLITE_BUSY_MS", "5000"))
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={busy_ms}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def ensure_writable_dir(folder: Path) -> Path:
    """Create `folder` if needed and check it is writable, or raise one clear StoreUnavailable."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"Không tạo được thư mục dữ liệu {folder}: {exc.strerror}",
            f"Cannot create the data directory {folder}: {exc.strerror}; set CHISO_DATA_DIR",
        ) from exc
    if not os.access(folder, os.W_OK):
        raise StoreUnavailable(
            f"Thư mục dữ liệu {folder} chỉ đọc",
            f"The data directory {folder} is read-only; make it writable or set CHISO_DATA_DIR",
        )
    return folder


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """Return the (cached) engine for `url`, or for the configured database."""
    settings = get_settings()
    url = url or settings.database_url
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreUnavailable(
            f"Địa chỉ cơ sở dữ liệu không hợp lệ: {url!r}",
            f"Invalid database URL {url!r}; expected e.g. sqlite:///var/chiso.db or "
            "postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not str(parsed.database).startswith("file:"):
            ensure_writable_dir(Path(parsed.database).parent)
    try:
        options: dict[str, object] = {}
        if parsed.get_backend_name() != "sqlite":
            # More connections than the web's worker threads (anyio's 40): a request holding a
            # connection while waiting for a thread, and threads waiting for connections, would
            # otherwise stall each other until the pool timeout under a few hundred concurrent users.
            options = {
                "pool_size": int(os.environ.get("CHISO_DB_POOL_SIZE", "20")),
                "max_overflow": int(os.environ.get("CHISO_DB_MAX_OVERFLOW", "30")),
            }
        engine = create_engine(url, future=True, pool_pre_ping=True, **options)
    except (ArgumentError, ImportError) as exc:
        raise StoreUnavailable(
            f"Không mở được cơ sở dữ liệu {parsed.render_as_string(hide_password=True)}: {exc}",
            f"Cannot open the database {parsed.render_as_string(hide_password=True)}: {exc}",
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def describe_db_error(exc: SQLAlchemyError, url: str) -> StoreUnavailable:
    """Turn a driver error into one line a user can act on."""
    safe = make_url(url).render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    if "locked" in text:
        return StoreUnavailable(
            f"Cơ sở dữ liệu {safe} đang bị khóa bởi tiến trình khác",
            f"The database {safe} is locked by another process; close it and try again",
        )
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable(
            f"Cơ sở dữ liệu {safe} chỉ đọc", f"The database {safe} is read-only; make it writable"
        )
    return StoreUnavailable(
        f"Không kết nối được cơ sở dữ liệu {safe}: {text}",
        f"Cannot connect to the database {safe}: {text}",
    )


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def init_database(url: str | None = None) -> str:
    """Create or migrate the database to the newest schema; safe to run twice. Returns the revision."""
    url = url or get_settings().database_url
    engine = get_engine(url)
    try:
        with engine.begin() as conn:
            cfg = _alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            rev = MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise describe_db_error(exc, url) from exc
    return rev or ""


def table_names(url: str | None = None) -> list[str]:
    """List the tables of the database (used by checks and tests)."""
    return sorted(inspect(get_engine(url)).get_table_names())


@lru_cache(maxsize=8)
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False, future=True)


def open_session(url: str | None = None) -> Session:
    """Open a session on the configured database; the caller commits."""
    return _session_factory(url or get_settings().database_url)()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """Yield a session inside one transaction: commit on success, roll back on error."""
    url = url or get_settings().database_url
    session = open_session(url)
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise describe_db_error(exc, url) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
