"""The worker's jobs on a store of their own, through time (chiso.clock.frozen): escalation follows
CHISO_ESCALATION_DAYS level by level, each level notifies its contact once however often the job runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.flows.followup_jobs import JobState, run_due_jobs
from chiso.followup import requests
from chiso.store import init_database, session_scope
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import Delivery, ExplanationRequest
from chiso.units.text import fold


def test_escalation_follows_the_configured_delays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    init_database(url)
    monkeypatch.setenv("CHISO_ESCALATION_DAYS", "0,1,3")
    with session_scope(url) as s:
        s.add(
            Agency(
                code="FU.J",
                name_vi="Sở Thử",
                name_ascii=fold("Sở Thử"),
                kind="department",
                province_code="48",
            )
        )
        s.flush()
        for level, who in ((1, "chuyenvien"), (2, "truongphong"), (3, "giamdoc")):
            requests.add_contact(
                s, agency_code="FU.J", level=level, full_name=who, email=f"{who}@j.vn", actor=SYSTEM
            )
        with clock.frozen(datetime(2026, 5, 4, 9, 0)):
            requests.create_request(s, agency_code="FU.J", subject="Giải trình", body="",
                                    due_at=datetime(2026, 5, 8, 17, 0), actor=SYSTEM)  # fmt: skip
    state = JobState()
    seen = []
    for moment in ("2026-05-08 16:00", "2026-05-08 17:30", "2026-05-09 17:30", "2026-05-09 18:00",
                   "2026-05-11 17:30", "2026-05-20 09:00"):  # fmt: skip
        with clock.frozen(datetime.fromisoformat(moment)):
            run_due_jobs(url, state=state, now=clock.now())
        with session_scope(url) as s:
            seen.append(s.scalar(select(ExplanationRequest.escalation_level)))
    assert seen == [0, 1, 2, 2, 3, 3]
    with session_scope(url) as s:
        overdue = s.execute(
            select(Delivery.recipient, func.count()).where(Delivery.event_type == "request_overdue")
            .group_by(Delivery.recipient)
        ).all()  # fmt: skip
    assert dict(overdue) == {"chuyenvien@j.vn": 1, "truongphong@j.vn": 1, "giamdoc@j.vn": 1}
