"""`chiso worker --once`: one whole pass of the background work (its help says jobs and sending), then exit;
nothing while another process leads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cli_support import run_cli
from sqlalchemy import select

from chiso import clock
from chiso.config import get_settings
from chiso.flows import followup_jobs, live_history
from chiso.flows.worker import LEADER
from chiso.followup import lease
from chiso.store import session_scope
from chiso.store.models.followup import WorkerLease


def _daily_jobs_run() -> dict[str, bool]:
    with session_scope(get_settings().database_url) as s:
        rows = s.scalars(select(WorkerLease)).all()
        return {row.name: row.last_run_at is not None for row in rows if row.name != LEADER}


def test_once_runs_the_due_jobs_and_gives_the_lead_back(cli_env: Path) -> None:
    assert _daily_jobs_run() == {}
    code, out = run_cli("worker", "--once")
    assert code == 0, out
    assert "sent 0" in out
    ran = _daily_jobs_run()
    # the daily evaluation, the scheduled reports and the live-score snapshot ran, not only the outbox
    assert ran.get("evaluate") and ran.get("reports") and ran.get(live_history.JOB), ran
    with session_scope(get_settings().database_url) as s:
        assert lease.holder_of(s, name=LEADER) is None  # another server may lead at once


def test_once_does_nothing_while_another_process_leads(cli_env: Path) -> None:
    with session_scope(get_settings().database_url) as s:
        assert lease.acquire(s, name=LEADER, holder="server-1", ttl=timedelta(minutes=5))
    code, out = run_cli("worker", "--once")
    assert code == 0, out
    assert "another process leads" in out
    assert _daily_jobs_run() == {}
    with session_scope(get_settings().database_url) as s:
        assert lease.holder_of(s, name=LEADER) == "server-1"


def test_a_restarted_worker_does_not_evaluate_unchanged_records_again(cli_env: Path) -> None:
    """Each server start re-evaluated every target and rule (seconds); records unchanged since today's
    evaluation began need none, while records swapped after it are evaluated at the first pass."""
    url = get_settings().database_url
    first = followup_jobs.run_due_jobs(url, state=followup_jobs.resumed_state(url), now=clock.now())
    assert "evaluation" in first  # the day's first pass evaluates
    restarted = followup_jobs.run_due_jobs(url, state=followup_jobs.resumed_state(url), now=clock.now())
    assert "evaluation" not in restarted
    manifest = get_settings().records_dir / "_manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("{}", encoding="utf-8")  # an ingest after today's evaluation began
    after_ingest = followup_jobs.run_due_jobs(url, state=followup_jobs.resumed_state(url), now=clock.now())
    assert "evaluation" in after_ingest


def test_an_evaluation_that_failed_is_tried_again_after_a_restart(cli_env: Path) -> None:
    url = get_settings().database_url
    manifest = get_settings().records_dir / "_manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("{ not json", encoding="utf-8")  # the record store cannot be read
    with pytest.raises(Exception):  # noqa: B017 - whatever the reader raises, the pass fails
        followup_jobs.run_due_jobs(url, state=followup_jobs.resumed_state(url), now=clock.now())
    assert followup_jobs.resumed_state(url).manifest_stamp is None  # so the next pass evaluates
