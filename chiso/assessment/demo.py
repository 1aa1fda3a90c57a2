"""Demo assessment data: two finished periods (2024, 2025) and one in progress (2026) for the demo province.

Domain layer: the steps chiso.flows.demo_assessment composes (it publishes 2024 through the scoring
flow); goes through the same services as the web (save_draft, submit, review), so the demo's audit log
is real. Deterministic:
each agency's values come from a generator seeded with its code.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM, Actor
from chiso.assessment import opening, periods, review, submissions
from chiso.assessment.form import Criterion, load_form
from chiso.frameworks.entry import WHOLE_UNITS
from chiso.store.models import Agency, PeerGroup, User
from chiso.store.models.assessment import AssessmentPeriod, Submission

FRAMEWORK = "danang-it"
#: 2026 uses the version whose online-service criteria are computed from the monitoring records.
CURRENT_FRAMEWORK = "danang-it-2026"
PAST_CODE, MIDDLE_CODE, CURRENT_CODE = "DNG-2024", "DNG-2025", "DNG-2026"
#: the 2026 groups whose deadline has passed (the workbench's overdue agencies)
LATE_GROUPS = ("SBN", "TW")
PDF_SAMPLE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _rng(agency_code: str, period: str) -> random.Random:
    return random.Random(zlib.crc32(f"{agency_code}/{period}".encode()))


def demo_value(crit: Criterion, rng: random.Random, quality: float) -> dict[str, Any] | None:
    """Return a plausible value for one criterion; `quality` in 0..1 shifts it towards full marks."""
    rule = crit.params.get("type", crit.rule)
    if crit.kind == "yesno":
        return {"value": 1 if rng.random() < 0.45 + 0.5 * quality else 0}
    if crit.kind == "ratio":
        denominator = rng.randint(20, 400)
        return {
            "numerator": round(denominator * min(1.0, rng.uniform(0.55, 0.85) + 0.2 * quality)),
            "denominator": denominator,
        }
    if crit.kind == "points":
        if rule == "bonus_penalty":
            if rng.random() < 0.8:
                return None
            return {
                "value": float(rng.randint(1, 3)) * (-1 if crit.max_points <= 0 else 1),
                "comment": "Theo báo cáo năm / per the annual report",
            }
        share = min(1.0, rng.uniform(0.4, 0.8) + 0.3 * quality)
        return {"value": round(share * crit.max_points * 2) / 2, "comment": "Tự chấm theo minh chứng"}
    if crit.kind == "number":
        if crit.max_value is None:  # counts such as online meetings
            return {"value": rng.randint(0, 8) + round(10 * quality)}
        low = crit.min_value or 0.0
        value = round(low + (crit.max_value - low) * min(1.0, rng.uniform(0.5, 0.8) + 0.3 * quality), 2)
        return {"value": round(value) if crit.unit in WHOLE_UNITS else value}
    return None


def _values_for(form_criteria: tuple[Criterion, ...], agency: Agency, period: str) -> dict[str, Any]:
    """Return what the reporter types: every criterion but those monitoring computes (read-only)."""
    rng = _rng(agency.code, period)
    quality = rng.random()
    out = {}
    for crit in form_criteria:
        value = demo_value(crit, rng, quality)  # drawn for every criterion: the sequence stays seeded
        if value is not None and not crit.computed:
            out[crit.code] = value
    return out


def _agencies(session: Session, *, period: AssessmentPeriod) -> list[tuple[Submission, Agency]]:
    rows = session.execute(
        select(Submission, Agency)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.period_id == period.id)
        .order_by(Agency.code)
    ).all()
    return [(s, a) for s, a in rows]


def _open(
    session: Session,
    *,
    province_code: str,
    code: str,
    label: str,
    name_vi: str,
    name_en: str,
    submit_by: datetime,
    review_by: datetime,
    previous: str | None,
    opened: datetime,
    framework: str = FRAMEWORK,
) -> AssessmentPeriod:
    groups = sorted(
        session.scalars(
            select(PeerGroup.code).where(PeerGroup.province_code == province_code, PeerGroup.period == label)
        )
    )
    period = periods.open_period(
        session,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        province_code=province_code,
        period=label,
        framework_id=framework,
        group_codes=groups,
        submission_deadline=submit_by,
        review_deadline=review_by,
        previous_period_code=previous,
        now=opened,
        actor=SYSTEM,
    )
    if session.scalar(select(User.id).where(User.username == "thamdinh")) is not None:
        for group in groups:
            periods.assign_assessor(
                session, period_code=code, group_code=group, username="thamdinh", actor=SYSTEM
            )
    return period


def demo_users(session: Session) -> dict[str, User]:
    """Return the demo's users by username (empty when the accounts step did not run)."""
    return {u.username: u for u in session.scalars(select(User))}


def period_exists(session: Session, *, code: str) -> bool:
    """Return True when a period with this code exists (the demo steps are idempotent)."""
    return session.scalar(select(AssessmentPeriod.id).where(AssessmentPeriod.code == code)) is not None


def _reporter_of(users: dict[str, User]) -> Callable[[Agency], Actor]:
    """Return who fills an agency's form in the demo: its own reporter when it has one, else the system."""
    by_agency = {u.agency_id: u for u in users.values() if u.role == "reporter"}

    def reporter(agency: Agency) -> Actor:
        return by_agency.get(agency.id) or SYSTEM

    return reporter


@dataclass(frozen=True)
class PastPeriod:
    """A finished demo period: opened, filled, submitted and approved, then published by the composer."""

    code: str
    label: str
    previous: str | None
    opened: datetime  # province time; the deadlines and the fill follow from it
    published: datetime


def _local(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=clock.local_zone())


#: Two published years so that the 2025 ranking shows real changes in points and rank against 2024
#: (across the July 2025 commune reform, through agency lineage).
PAST_PERIODS = (
    PastPeriod(PAST_CODE, "2024", None, _local(2025, 1, 15, 8), _local(2025, 4, 20, 9)),
    PastPeriod(MIDDLE_CODE, "2025", PAST_CODE, _local(2026, 1, 15, 8), _local(2026, 4, 20, 9)),
)


def fill_past_period(session: Session, *, province_code: str, past: PastPeriod) -> None:
    """Open a finished period; fill, submit and approve every agency (the composer publishes it)."""
    users = demo_users(session)
    at = past.opened + timedelta(days=26)
    period = _open(
        session,
        province_code=province_code,
        code=past.code,
        label=past.label,
        name_vi=f"Xếp hạng ứng dụng CNTT năm {past.label}",
        name_en=f"IT-application ranking {past.label}",
        submit_by=(past.opened + timedelta(days=59)).replace(hour=17),
        review_by=(past.opened + timedelta(days=90)).replace(hour=17),
        previous=past.previous,
        opened=past.opened,
    )
    form = load_form(FRAMEWORK)[1]
    assessor: Actor = users.get("thamdinh") or SYSTEM
    reporter = _reporter_of(users)
    for _sub, agency in _agencies(session, period=period):
        values = _values_for(form.criteria_for(agency.kind), agency, past.label)
        submissions.save_draft(
            session,
            period_code=past.code,
            agency_code=agency.code,
            values=values,
            now=at,
            actor=reporter(agency),
        )
        submissions.submit(
            session,
            period_code=past.code,
            agency_code=agency.code,
            now=at + timedelta(days=1),
            actor=reporter(agency),
        )
        review.approve_submission(
            session,
            period_code=past.code,
            agency_code=agency.code,
            actor=assessor,
            now=at + timedelta(days=30),
        )


def build_current_period(
    session: Session,
    *,
    province_code: str,
    today: date,
    after_open: Callable[[str], object] | None = None,
) -> None:
    """Open the 2026 period with every status (draft, submitted, returned, resubmitted, approved).

    The departments and central agencies (LATE_GROUPS) had their deadline three days ago, so their drafts
    are overdue on the secretariat's workbench, but the demo reporters' own agency, which was granted an
    extension; the other groups' own deadline is in 30 days (an extension of each of their agencies, as
    the open-period page gives a group its own deadline). `after_open(period_code)` runs
    right after opening, before any form is filled (the flows layer writes the computed values there).
    """
    users = demo_users(session)
    opened = datetime.combine(today - timedelta(days=20), time(8, 0), tzinfo=clock.local_zone())
    period = _open(
        session,
        province_code=province_code,
        code=CURRENT_CODE,
        label="2026",
        name_vi="Xếp hạng ứng dụng CNTT năm 2026",
        name_en="IT-application ranking 2026",
        submit_by=datetime.combine(today - timedelta(days=3), time(17, 0), tzinfo=clock.local_zone()),
        review_by=datetime.combine(today + timedelta(days=60), time(17, 0), tzinfo=clock.local_zone()),
        previous=MIDDLE_CODE,
        opened=opened,
        framework=CURRENT_FRAMEWORK,
    )
    later = datetime.combine(today + timedelta(days=30), time(17, 0), tzinfo=clock.local_zone())
    groups = sorted(session.scalars(select(PeerGroup.code).where(PeerGroup.province_code == province_code,
                                                                 PeerGroup.period == "2026")))  # fmt: skip
    opening.apply_group_deadlines(
        session, period_code=CURRENT_CODE, group_deadlines={g: later for g in groups if g not in LATE_GROUPS},
        actor=SYSTEM, now=opened,
    )  # fmt: skip
    if after_open is not None:
        after_open(CURRENT_CODE)
    form = load_form(CURRENT_FRAMEWORK)[1]
    assessor: Actor = users.get("thamdinh") or SYSTEM
    reporter = _reporter_of(users)
    demo_agencies = {u.agency_id for u in users.values() if u.role == "reporter"}
    for _sub, agency in _agencies(session, period=period):
        if agency.id in demo_agencies and _sub.extended_until is None:  # the reporters can still finish
            periods.extend_deadline(
                session, period_code=CURRENT_CODE, agency_code=agency.code, until=later,
                reason="Chờ số liệu của đơn vị cấp trên", actor=SYSTEM, now=opened,
            )  # fmt: skip
    for i, (_sub, agency) in enumerate(_agencies(session, period=period)):
        values = _values_for(form.criteria_for(agency.kind), agency, "2026")
        at = opened + timedelta(days=1, minutes=i)
        if agency.id in demo_agencies:  # the demo reporters find a half-filled draft to finish
            half = dict(list(values.items())[: len(values) // 2])
            submissions.save_draft(
                session, period_code=CURRENT_CODE, agency_code=agency.code, values=half,
                actor=reporter(agency), now=at,
            )  # fmt: skip
            continue
        _play_stage(
            session, agency_code=agency.code, stage=i % 5, corrected=bool((i // 5) % 2), values=values, at=at,
            reporter=reporter(agency), assessor=assessor,
        )  # fmt: skip


class _Form(TypedDict):
    """Which form a service call is about (the same keywords for every service)."""

    period_code: str
    agency_code: str


def _play_stage(
    session: Session,
    *,
    agency_code: str,
    stage: int,
    corrected: bool,
    values: dict[str, Any],
    at: datetime,
    reporter: Actor,
    assessor: Actor,
) -> None:
    """Bring one agency's 2026 form to its demo stage: 0 draft (partly filled), 1 submitted, 2 returned
    (resubmitted when `corrected`), 3 and 4 approved."""
    where = _Form(period_code=CURRENT_CODE, agency_code=agency_code)
    if stage == 0:
        values = dict(list(values.items())[: max(1, len(values) // 3)])
    submissions.save_draft(session, **where, values=values, now=at, actor=reporter)
    if stage == 0:
        return
    submissions.submit(session, **where, now=at + timedelta(hours=2), actor=reporter)
    if stage == 2:
        first = next(iter(values))
        view = submissions.get_submission_view(session, **where, actor=assessor)
        version = next(f.value_version for s in view.sections for f in s.fields if f.code == first)
        review.review_value(
            session,
            **where,
            indicator_code=first,
            decision="return",
            expected_version=version or 1,
            actor=assessor,
            comment="Chưa có minh chứng kèm theo / evidence missing",
            now=at + timedelta(days=3),
        )
        review.return_submission(
            session,
            **where,
            actor=assessor,
            comment=f"Đề nghị bổ sung minh chứng cho {first}",
            now=at + timedelta(days=3),
        )
        if corrected:  # every other returned form comes back corrected
            submissions.submit(session, **where, now=at + timedelta(days=5), actor=reporter)
    elif stage >= 3:
        review.approve_submission(session, **where, actor=assessor, now=at + timedelta(days=4))
