"""The secretariat's workbench flows: open a period from a page, remind agencies, preview the ranking.

Flows layer: composes chiso.assessment (periods, opening, publication, workbench) with chiso.flows.scoring
(the same run the publish button uses), chiso.flows.computed (a period opens with its computed values)
and chiso.flows.followup_notices (who hears of it).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment import opening, publication
from chiso.assessment.access import check_secretariat
from chiso.assessment.periods import get_period
from chiso.assessment.schemas import Ranking, RankingRow
from chiso.errors import InvalidInput, NotFound, Problem
from chiso.flows import computed
from chiso.flows import followup_notices as notices
from chiso.flows.scoring import preview_ranking
from chiso.store.models import Agency
from chiso.store.models.assessment import Submission


def open_period(session: Session, *, request: opening.OpeningRequest, actor: Actor) -> str:
    """Open the period the form describes (after the same check the preview shows) and tell the agencies.

    Raises:
        InvalidInput: every problem the check found, by field; nothing is opened.
    """
    check = opening.check_opening(session, request=request, actor=actor)
    if not check.ok:
        raise InvalidInput(
            "Chưa mở được kỳ đánh giá",
            f"Cannot open the period {request.code}",
            [
                Problem(str(p["message_vi"]), str(p["message_en"]), field=str(p.get("field") or ""))
                for p in check.problems
            ],
        )
    assert request.submission_deadline is not None and request.review_deadline is not None  # checked
    computed.open_period(
        session,
        actor=actor,
        code=request.code,
        name_vi=request.name_vi,
        name_en=request.name_en,
        province_code=request.province_code,
        period=request.period,
        framework_id=request.framework_id,
        group_codes=request.group_codes,
        submission_deadline=request.submission_deadline,
        review_deadline=request.review_deadline,
        previous_period_code=request.previous_period_code or None,
    )
    opening.apply_group_deadlines(
        session, period_code=request.code, group_deadlines=request.group_deadlines, actor=actor
    )
    notices.period_opened(session, period_code=request.code)
    return request.code


def remind(
    session: Session, *, period_code: str, agency_codes: list[str], actor: Actor, now: datetime | None = None
) -> tuple[int, int]:
    """Remind the reporters of these agencies still with a draft or a returned form.

    Returns:
        (agencies reminded, people newly told).

    A reminder is sent once a day per agency: pressing the button twice the same day tells nobody twice.
    """
    check_secretariat(actor)
    now = now or clock.now()
    period = get_period(session, code=period_code)
    rows = session.execute(
        select(Agency, Submission)
        .join(Submission, Submission.agency_id == Agency.id)
        .where(
            Submission.period_id == period.id,
            Agency.code.in_(agency_codes),
            Submission.status.in_(("draft", "returned")),
        )
    ).all()
    day = clock.to_local(now).date().isoformat()
    told = 0
    for agency, sub in rows:
        deadline = sub.extended_until or period.submission_deadline
        told += notices.not_submitted(
            session,
            period_code=period.code,
            agency=agency,
            due=max(deadline, period.submission_deadline),
            key=f"remind:{period.code}:{agency.code}:{day}",
            title_vi=f"Nhắc nộp bản tự đánh giá kỳ {period.code}",
            title_en=f"Reminder: submit for {period.code}",
            now=now,
        ).inapp
    return len(rows), told


class RankingChange(BaseModel):
    """One agency whose rank, points or band differ from the last published revision."""

    agency_code: str
    agency_name_vi: str
    group: str
    old_rank: int | None
    new_rank: int | None
    old_total: float | None
    new_total: float | None
    old_band: str | None
    new_band: str | None


class RankingBoard(BaseModel):
    """The ranking the period would publish now, those not approved yet, the change since publication."""

    period_code: str
    period_name_vi: str
    period_status: str
    ranking: Ranking | None  # None: no value typed yet
    not_approved: dict[str, str]  # agency code -> its submission's status
    published_revision: int | None
    changes: list[RankingChange] = Field(default_factory=list)
    identical: bool = False  # the preview equals the last published revision (a correction changes nothing)
    note_vi: str | None = None
    note_en: str | None = None

    @property
    def can_publish(self) -> bool:
        return self.ranking is not None and not self.not_approved


def _key(row: RankingRow) -> tuple[int | None, float, str | None]:
    return row.rank, round(row.total, 2), row.band


def _changes(preview: Ranking, published: Ranking) -> list[RankingChange]:
    old = {r.agency_code: r for r in published.rows}
    new = {r.agency_code: r for r in preview.rows}
    out = []
    for code in sorted(set(old) | set(new)):
        a, b = old.get(code), new.get(code)
        if a is not None and b is not None and _key(a) == _key(b):
            continue
        either = b or a
        assert either is not None
        out.append(
            RankingChange(
                agency_code=code,
                agency_name_vi=either.agency_name_vi,
                group=either.group,
                old_rank=a.rank if a else None,
                new_rank=b.rank if b else None,
                old_total=a.total if a else None,
                new_total=b.total if b else None,
                old_band=a.band if a else None,
                new_band=b.band if b else None,
            )
        )
    return out


def ranking_board(
    session: Session, *, period_code: str, actor: Actor, group: str | None = None
) -> RankingBoard:
    """Return the ranking the period would publish now, whatever the statuses (those not approved marked)."""
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    waiting = dict(publication.not_approved(session, period=period))
    last = publication.latest_publication(session, period=period)
    board = RankingBoard(
        period_code=period.code,
        period_name_vi=period.name_vi,
        period_status=period.status,
        ranking=None,
        not_approved=waiting,
        published_revision=last.revision if last else None,
    )
    try:
        board.ranking = preview_ranking(  # no rank intervals: they cost seconds, not needed here
            session,
            period_code=period_code,
            actor=actor,
            group=group,
            require_approved=False,
            with_intervals=False,
        )
    except InvalidInput as exc:  # nothing typed yet: the page says so instead of failing
        board.note_vi, board.note_en = exc.message_vi, exc.message_en
        return board
    if last is not None:
        try:
            published = publication.get_ranking(session, period_code=period_code, group=group)
        except NotFound:
            return board
        board.changes = _changes(board.ranking, published)
        board.identical = not board.changes
    return board
