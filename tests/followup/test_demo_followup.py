"""The demo's follow-up (`chiso demo`): national targets, agencies missing them, an open request and an
answered one, a reminder schedule on the 2026 period; evaluating again raises nothing new."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_site import demo_env
from sqlalchemy import func, select

from chiso.config import get_settings
from chiso.flows.demo import DEMO_STEPS
from chiso.flows.demo_followup import NATIONAL_TARGETS, build_demo_followup
from chiso.flows.followup_eval import evaluate_followup
from chiso.store import session_scope
from chiso.store.models.followup import Alert, ExplanationRequest, ReminderSchedule, TargetStatus


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo built by `chiso init` + `chiso demo`, and chiso pointed at it."""
    env = demo_env(demo_template, tmp_path / "demo")
    monkeypatch.setenv("CHISO_DATA_DIR", env["CHISO_DATA_DIR"])
    return Path(env["CHISO_DATA_DIR"])


def test_the_follow_up_step_runs_after_the_assessment_and_the_indicators() -> None:
    names = [name for name, _ in DEMO_STEPS]  # its alerts judge the published ranking and indicator targets
    assert names.index("build_demo_followup") > max(
        names.index("open_demo_assessment"), names.index("build_demo_indicators")
    )


def test_the_demo_has_targets_misses_requests_and_a_reminder_schedule(demo_dir: Path) -> None:
    with session_scope(get_settings().database_url) as s:
        missed = s.scalar(select(func.count()).where(TargetStatus.status == "missed"))
        requests = {r.status for r in s.scalars(select(ExplanationRequest))}
        schedule = s.scalar(select(ReminderSchedule).where(ReminderSchedule.kind == "submission"))
        rules = set(s.scalars(select(Alert.rule).distinct()))
    assert missed and missed > 0
    assert requests == {"open", "answered"}
    assert schedule is not None and sorted(schedule.days_before) == [1, 3, 7]
    assert {f"target:{t[0]}" for t in NATIONAL_TARGETS} & rules


def test_evaluating_again_raises_no_alert_twice(demo_dir: Path) -> None:
    url = get_settings().database_url
    with session_scope(url) as s:
        before = s.scalar(select(func.count(Alert.id)))
        again = evaluate_followup(s, data_dir=get_settings().data_dir)
    with session_scope(url) as s:
        assert build_demo_followup(s)["alerts"] == before  # the step itself is idempotent too
        keys = s.execute(select(Alert.rule, Alert.agency_code, Alert.period)).all()
    assert again.raised == {}
    assert len(keys) == len(set(keys)) == before
