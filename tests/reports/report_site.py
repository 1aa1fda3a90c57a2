"""A small site for the report tests: two departments, one period published and one still open, a user
per role; on a SQLite file, committed (the web and CLI tests open their own sessions)."""

from __future__ import annotations

from datetime import timedelta

from assess_helpers import FULL_VALUES

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods, review, submissions
from chiso.flows.scoring import publish_period
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.units.text import fold

PAST, OPEN = "RP-2025", "RP-2026"
AGENCIES = {"RP.A": "Sở Khoa học và Công nghệ", "RP.B": "Sở Tài chính"}


def build_site(url: str) -> str:
    """Create the site in the database at `url` (migrated here); return the url."""
    init_database(url)
    with session_scope(url) as s:
        group = PeerGroup(province_code="48", period="2026", code="SBN", name_vi="Sở, ban, ngành")
        s.add(group)
        s.flush()
        ids = {}
        for code, name in AGENCIES.items():
            agency = Agency(
                code=code, name_vi=name, name_ascii=fold(name), kind="department", province_code="48"
            )
            s.add(agency)
            s.flush()
            s.add(GroupMember(group_id=group.id, agency_id=agency.id))
            ids[code] = agency.id
        for role in ("secretariat", "assessor", "reporter", "leader", "public"):
            create_user(s, username=f"rp_{role}", full_name=f"Người thử {role}", password="mat-khau-12345",
                        role=role, province_code="48",
                        agency_id=ids["RP.A"] if role == "reporter" else None)  # fmt: skip
        for code, finish in ((PAST, True), (OPEN, False)):
            now = clock.now()
            periods.open_period(
                s, code=code, name_vi=f"Kỳ thử {code}", province_code="48", period="2026",
                framework_id="danang-it", group_codes=["SBN"], submission_deadline=now + timedelta(days=30),
                review_deadline=now + timedelta(days=60), actor=SYSTEM,
            )  # fmt: skip
            for agency in AGENCIES:
                submissions.save_draft(
                    s, period_code=code, agency_code=agency, values=FULL_VALUES, actor=SYSTEM
                )
                submissions.submit(s, period_code=code, agency_code=agency, actor=SYSTEM)
                if finish:
                    review.approve_submission(s, period_code=code, agency_code=agency, actor=SYSTEM)
            if finish:
                publish_period(s, period_code=code, actor=SYSTEM)
    return url
