"""Shared fixtures: a migrated store on SQLite always and on PostgreSQL when CHISO_TEST_POSTGRES_URL is set.

`store_url` is a freshly migrated database per backend; `db` is a session inside a transaction
that is rolled back after each test, so tests never see each other's rows.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import run_chiso
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.orm import Session

from chiso.store.db import get_engine, init_database

pytest_plugins = ["cli_support"]  # the CLI tests' `cli_env` fixture (tests/cli_support.py)

POSTGRES_URL = os.environ.get("CHISO_TEST_POSTGRES_URL")
CHROMIUM = os.environ.get("CHISO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The machine is shared and noisy: a hypothesis example is judged by what it asserts, never by a deadline.
settings.register_profile("chiso", deadline=None)
settings.load_profile("chiso")

BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
#: The slowest tests (kill -9 harness, whole browser journeys) run in CI, which sets this; `make test`
#: on a newcomer's machine leaves them out to stay near 15 minutes, and says so in its summary.
RUN_SLOW = os.environ.get("CHISO_TEST_SLOW") == "1"


def _worker_database(url: str, worker: str) -> str:
    """Create (empty) and return a database of this xdist worker's own beside the one CI gives."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config: pytest.Config) -> None:
    # Tests on PostgreSQL reset its schema and seed committed rows: two xdist workers sharing one
    # database would wipe each other's rows mid-test, so each worker gets a database of its own.
    global POSTGRES_URL
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if POSTGRES_URL and worker:
        POSTGRES_URL = _worker_database(POSTGRES_URL, worker)
        os.environ["CHISO_TEST_POSTGRES_URL"] = POSTGRES_URL  # modules that read it see the same


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if RUN_SLOW:
        return
    skip = pytest.mark.skip(reason="slow: run in CI (.ci/run sets CHISO_TEST_SLOW=1), or set it yourself")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point chiso at a throw-away data dir unless a test sets its own."""
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHISO_DATABASE_URL", raising=False)


def _fresh_postgres(url: str) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session", params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of an empty, fully migrated database for one backend."""
    if request.param == "postgres":
        assert POSTGRES_URL
        _fresh_postgres(POSTGRES_URL)
        init_database(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("store") / "chiso.db"
    url = f"sqlite:///{path}"
    init_database(url)
    return url


@pytest.fixture
def db(store_url: str) -> Iterator[Session]:
    """Yield a session whose work is rolled back after the test."""
    engine = get_engine(store_url)
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser); skips when it is missing.

    Session-scoped, so a browser test skips before its module starts a demo server.
    """
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"chromium not found at {CHROMIUM}: install Debian's chromium (`make test` does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Build the demo province once per test run (`chiso init` + `chiso demo`); return its data dir.

    Under xdist the workers share one build (the first to ask builds it, under a file lock; the others
    wait for it): the build is half a minute of CPU the second worker need not repeat. Modules never
    serve this directory itself: `demo_site.demo_env` gives each a copy, so one module's clicks cannot
    change what another module sees.
    """
    # a worker's basetemp is <this run's basetemp>/popen-gwN: its parent is shared by this run only
    root = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    data_dir, ready = root / "demo-template" / "var", root / "demo-template" / "ready"
    with (root / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(data_dir, ignore_errors=True)  # what a failed build left
            env = {k: v for k, v in os.environ.items() if k != "CHISO_DATABASE_URL"}
            env["CHISO_DATA_DIR"] = str(data_dir)
            run_chiso(env, "init")
            run_chiso(env, "demo")
            # the background work's first pass of the day (evaluation, live snapshot, compaction), done once
            # here rather than by every copy's server at start
            run_chiso(env, "worker", "--once")
            ready.touch()
    return data_dir
