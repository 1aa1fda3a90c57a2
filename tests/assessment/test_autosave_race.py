"""Fifty simultaneous autosaves of one agency: saves without a version run one after another and all
succeed; only a stale explicit version is a conflict; a lost race is never a 500 (issue 16, item 6).
Runs on SQLite and, when CHISO_TEST_POSTGRES_URL is set, on PostgreSQL, with committed data and one
session per thread, as the web app does."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, make_url, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import NullPool
from web_login import login_as

from chiso.accounts.actors import SYSTEM, Actor
from chiso.accounts.service import create_user
from chiso.assessment import periods, submissions
from chiso.errors import Conflict
from chiso.store import init_database, session_scope
from chiso.store.db import get_engine
from chiso.store.models import Agency, GroupMember, PeerGroup, User
from chiso.store.models.assessment import Submission
from chiso.web.app import create_app
from chiso.web.errors import install_error_handlers

SAVES = 50


@pytest.fixture(scope="module")
def race_url(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a database of this module's own on the backend of `store_url`: its rows are committed, and
    the other modules' rolled-back tests expect a store without them."""
    if store_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'chiso.db'}"
    else:
        admin = make_url(store_url)
        url = admin.set(database=f"{admin.database}_race").render_as_string(hide_password=False)
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{admin.database}_race" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{admin.database}_race"'))
        engine.dispose()
    init_database(url)
    return url


def seed_period(url: str) -> tuple[str, str, str]:
    """Create, committed, a period with one agency and its reporter; return (period, agency, username)."""
    tag = uuid.uuid4().hex[:6].upper()
    period_code, agency_code, username = f"RACE-{tag}", f"RACE.{tag}", f"race_{tag.lower()}"
    now = datetime.now(UTC)
    with session_scope(url) as s:
        group = PeerGroup(province_code="48", period=f"R{tag}", code="SBN", name_vi="Sở, ban, ngành")
        agency = Agency(code=agency_code, name_vi="Sở đua", name_ascii="so dua", kind="department",
                        province_code="48")  # fmt: skip
        s.add_all([group, agency])
        s.flush()
        s.add(GroupMember(group_id=group.id, agency_id=agency.id))
        create_user(s, username=username, full_name="Cán bộ đua", password="mat-khau-123456",
                    role="reporter", agency_id=agency.id, province_code="48")  # fmt: skip
        periods.open_period(
            s, code=period_code, name_vi="Kỳ đua", province_code="48", period=f"R{tag}",
            framework_id="danang-it", group_codes=["SBN"], submission_deadline=now + timedelta(days=30),
            review_deadline=now + timedelta(days=60), actor=SYSTEM,
        )  # fmt: skip
    return period_code, agency_code, username


def actor_of(url: str, username: str) -> Actor:
    """Return the user, loaded and detached (the web's actor is the logged-in User)."""
    with session_scope(url) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return user


def test_fifty_saves_without_a_version_all_succeed_one_after_another(race_url: str) -> None:
    period_code, agency_code, username = seed_period(race_url)
    actor = actor_of(race_url, username)
    start = threading.Barrier(SAVES)
    outcomes: list[str] = []

    def save(i: int) -> None:
        start.wait()
        try:
            with session_scope(race_url) as s:
                submissions.save_draft(
                    s, period_code=period_code, agency_code=agency_code, actor=actor,
                    values={"HT_ATTT": {"value": i % 5}, "UD_HOP_TRUC_TUYEN": {"value": i}},
                )  # fmt: skip
            outcomes.append("ok")
        except Exception as exc:  # every failure is the finding; keep its kind
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["ok"] * SAVES, sorted(set(outcomes))
    with session_scope(race_url) as s:
        view = submissions.get_submission_view(
            s, period_code=period_code, agency_code=agency_code, actor=actor
        )
        # every save changed UD_HOP_TRUC_TUYEN, so each bumped the version once
        assert view.version == 1 + SAVES


def test_only_a_stale_explicit_version_is_a_conflict(race_url: str) -> None:
    period_code, agency_code, username = seed_period(race_url)
    actor = actor_of(race_url, username)
    args = {"period_code": period_code, "agency_code": agency_code, "actor": actor}
    with session_scope(race_url) as s:
        seen = submissions.save_draft(s, values={"HT_ATTT": {"value": 1}}, **args).version
    with session_scope(race_url) as s:
        saved = submissions.save_draft(s, values={"HT_ATTT": {"value": 2}}, expected_version=seen, **args)
    with pytest.raises(Conflict), session_scope(race_url) as s:
        submissions.save_draft(s, values={"HT_ATTT": {"value": 3}}, expected_version=seen, **args)
    with session_scope(race_url) as s:
        again = submissions.save_draft(
            s, values={"HT_ATTT": {"value": 3}}, expected_version=saved.version, **args
        )
    assert again.version == saved.version + 1


RACES = {
    "stale row version": StaleDataError(
        "UPDATE on table 'submissions' expected to update 1 row(s); 0 matched"
    ),
    # two simultaneous publishes: the second insert of the same revision breaks the unique key
    "unique key": IntegrityError("INSERT INTO publications ...", {}, Exception("duplicate key value")),
}


@pytest.mark.parametrize("race", list(RACES))
def test_a_lost_write_race_answers_409_in_the_error_shape(race: str) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/race")
    def lose() -> None:
        raise RACES[race]

    reply = TestClient(app, raise_server_exceptions=False).get("/api/race")
    assert reply.status_code == 409
    assert set(reply.json()) == {"ok", "error", "errors", "status"} and reply.json()["status"] == 409


def _writable_now(url: str, submission_id: int) -> bool:
    """Could another connection take the submission's lock this instant (the next save's first step)?

    SQLite: the database's write lock (BEGIN IMMEDIATE, no wait); PostgreSQL: the row (FOR UPDATE NOWAIT).
    """
    if url.startswith("sqlite"):
        probe = sqlite3.connect(make_url(url).database or "", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET lock_timeout = 1"))
            conn.execute(
                text("SELECT id FROM submissions WHERE id = :id FOR UPDATE NOWAIT"), {"id": submission_id}
            )
            conn.rollback()
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def test_an_autosave_releases_its_lock_before_drawing_the_preview(
    race_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The autosave answers with the live preview (a scoring run); holding the save's lock meanwhile made
    every other write of the province wait on SQLite (an evidence edit sent with the autosave was refused
    as "database locked" on a loaded machine). The save is committed first; the preview reads after it."""
    period_code, agency_code, username = seed_period(race_url)
    with session_scope(race_url) as s:
        submission_id = s.scalar(
            select(Submission.id)
            .join(Agency, Agency.id == Submission.agency_id)
            .where(Agency.code == agency_code)
        )
    assert submission_id is not None
    monkeypatch.setenv("CHISO_DATABASE_URL", race_url)
    probes: list[tuple[str, bool]] = []

    def probe(_conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        probes.append((statement.split()[0].upper(), _writable_now(race_url, submission_id)))

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        csrf = login_as(client, race_url, username)
        event.listen(get_engine(race_url), "after_cursor_execute", probe)
        try:
            saved = client.post(
                f"/assessment/{period_code}/agencies/{agency_code}/draft",
                data={"HT_ATTT__value": "3", "csrf_token": csrf},
                headers={"HX-Request": "true"},
            )
        finally:
            event.remove(get_engine(race_url), "after_cursor_execute", probe)
    assert saved.status_code == 200, saved.text[:500]
    kinds = [kind for kind, _ in probes]
    assert "UPDATE" in kinds or "INSERT" in kinds, kinds  # the save wrote
    last_write = max(i for i, kind in enumerate(kinds) if kind in {"UPDATE", "INSERT"})
    reads_after = probes[last_write + 1 :]
    assert len(reads_after) > 5, kinds  # the preview reads the period, the values and the peers
    held = [kind for kind, free in reads_after if not free]
    assert not held, f"{len(held)} of the {len(reads_after)} statements after the save ran under its lock"
