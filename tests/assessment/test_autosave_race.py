"""Fifty simultaneous autosaves of one agency: saves without a version run one after another and all
succeed; only a stale explicit version is a conflict; a lost race is never a 500 (issue 16, item 6).
Runs on SQLite and, when CHISO_TEST_POSTGRES_URL is set, on PostgreSQL, with committed data and one
session per thread, as the web app does."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from chiso.accounts.actors import SYSTEM, Actor
from chiso.accounts.service import create_user
from chiso.assessment import periods, submissions
from chiso.errors import Conflict
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup, User
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
