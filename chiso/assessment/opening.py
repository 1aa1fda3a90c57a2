"""Opening a period from a page: what would open (groups, agencies, deadlines per group) checked beforehand.

Domain layer: the period services and store models; nothing from flows, web or cli. A group's own
deadline is kept as an extension of each of its agencies (the period's deadline is the earliest one),
so every page, reminder and submit check that already reads an agency's deadline follows it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment.access import check_secretariat
from chiso.assessment.periods import _participants, extend_deadline, get_period
from chiso.clock import LocalDatetime
from chiso.errors import ChisoError, Problem
from chiso.frameworks import load_framework
from chiso.store.models import Agency, PeerGroup
from chiso.store.models.assessment import AssessmentPeriod, Submission


class OpeningRequest(BaseModel):
    """What the secretariat typed in the open-period form."""

    code: str = ""
    name_vi: str = ""
    name_en: str | None = None
    province_code: str = ""
    period: str = ""
    framework_id: str = ""
    group_codes: list[str] = Field(default_factory=list)
    submission_deadline: datetime | None = None
    review_deadline: datetime | None = None
    group_deadlines: dict[str, datetime] = Field(default_factory=dict)  # later deadlines of some groups
    previous_period_code: str | None = None


class OpeningGroup(BaseModel):
    """One group as it would open: its agencies and its deadline."""

    code: str
    name_vi: str
    agencies: int
    deadline: LocalDatetime | None


class OpeningCheck(BaseModel):
    """What would open, and every problem that keeps it from opening (by field)."""

    groups: list[OpeningGroup]
    agencies: int
    framework_version: str | None
    problems: list[dict[str, object]]

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(vi: str, en: str, field: str) -> dict[str, object]:
    return Problem(vi, en, field=field).to_dict()


def check_opening(session: Session, *, request: OpeningRequest, actor: Actor) -> OpeningCheck:
    """Check an open-period request without opening anything: groups, agencies, framework, deadlines."""
    check_secretariat(actor)
    problems: list[dict[str, object]] = []
    for name, label_vi, label_en in (
        ("code", "mã kỳ", "the period's code"),
        ("name_vi", "tên kỳ", "a name"),
        ("period", "năm của nhóm", "the groups' year"),
    ):
        if not str(getattr(request, name) or "").strip():
            problems.append(_problem(f"Cần nhập {label_vi}", f"Enter {label_en}", name))
    if request.code and session.scalar(
        select(AssessmentPeriod.id).where(AssessmentPeriod.code == request.code)
    ):
        problems.append(_problem(f"Kỳ {request.code} đã tồn tại", f"Period {request.code} exists", "code"))
    version = None
    try:
        version = str(getattr(load_framework(request.framework_id), "version", "") or "")
    except ChisoError:
        problems.append(
            _problem(
                f"Không có bộ chỉ số {request.framework_id or '(trống)'}",
                f"No framework {request.framework_id or '(empty)'}",
                "framework_id",
            )
        )
    sub_dl, rev_dl = request.submission_deadline, request.review_deadline
    if sub_dl is None:
        problems.append(_problem("Cần nhập hạn nộp", "Enter the submission deadline", "submission_deadline"))
    if rev_dl is None:
        problems.append(_problem("Cần nhập hạn thẩm định", "Enter the review deadline", "review_deadline"))
    found: list[Problem] = []
    groups, chosen = _participants(
        session,
        province_code=request.province_code,
        period=request.period,
        group_codes=request.group_codes,
        agency_codes=None,
        problems=found,
    )
    problems.extend(p.to_dict() for p in found)
    per_group = Counter(group_id for _agency, group_id in chosen)
    out = []
    for g in sorted(groups, key=lambda g: g.code):
        own = request.group_deadlines.get(g.code)
        deadline = clock.from_local(own) if own else (clock.from_local(sub_dl) if sub_dl else None)
        if per_group[g.id] == 0:
            problems.append(
                _problem(
                    f"Nhóm {g.code} chưa có đơn vị nào", f"Group {g.code} has no agencies", "group_codes"
                )
            )
        if deadline is not None and sub_dl is not None and deadline < clock.from_local(sub_dl):
            problems.append(
                _problem(
                    f"Hạn nộp của nhóm {g.code} trước hạn nộp chung",
                    f"Group {g.code}'s deadline is before the period's",
                    f"deadline_{g.code}",
                )
            )
        if deadline is not None and rev_dl is not None and deadline > clock.from_local(rev_dl):
            problems.append(
                _problem(
                    f"Hạn nộp của nhóm {g.code} sau hạn thẩm định",
                    f"Group {g.code}'s deadline is after the review deadline",
                    f"deadline_{g.code}",
                )
            )
        out.append(OpeningGroup(code=g.code, name_vi=g.name_vi, agencies=per_group[g.id], deadline=deadline))
    if sub_dl is not None and rev_dl is not None and clock.from_local(rev_dl) < clock.from_local(sub_dl):
        problems.append(
            _problem(
                "Hạn thẩm định phải sau hạn nộp",
                "The review deadline must not be before the submission deadline",
                "review_deadline",
            )
        )
    return OpeningCheck(groups=out, agencies=len(chosen), framework_version=version, problems=problems)


def apply_group_deadlines(
    session: Session,
    *,
    period_code: str,
    group_deadlines: dict[str, datetime],
    actor: Actor,
    now: datetime | None = None,
) -> int:
    """Give every agency of a group its group's later deadline (as an extension); return how many."""
    period = get_period(session, code=period_code)
    count = 0
    for group_code, until in sorted(group_deadlines.items()):
        if clock.from_local(until) <= period.submission_deadline:
            continue  # the period's own deadline already applies
        for agency_code in _member_codes(session, period=period, group_code=group_code):
            extend_deadline(
                session,
                period_code=period_code,
                agency_code=agency_code,
                until=until,
                reason=f"Hạn nộp của nhóm {group_code}",
                now=now,
                actor=actor,
            )
            count += 1
    return count


def _member_codes(session: Session, *, period: AssessmentPeriod, group_code: str) -> list[str]:
    """Return the codes of the agencies whose submission in the period belongs to this group."""
    return list(
        session.scalars(
            select(Agency.code)
            .join(Submission, Submission.agency_id == Agency.id)
            .join(PeerGroup, PeerGroup.id == Submission.group_id)
            .where(Submission.period_id == period.id, PeerGroup.code == group_code)
            .order_by(Agency.code)
        )
    )
