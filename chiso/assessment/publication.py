"""Approval and publication: compute a period's results with the engine, preview, publish, correct, rank.

Domain layer: store models, chiso.scoring (through scores.py), chiso.errors; nothing from web or cli.
A publication is immutable: the ORM refuses to update or delete one. A correction is a new revision
with a reason; the public ranking shows the latest revision and its date.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment.access import check_secretariat
from chiso.assessment.audit import record_change
from chiso.assessment.form import load_form
from chiso.assessment.periods import get_period, get_submission_for
from chiso.assessment.schemas import Ranking, RankingRow
from chiso.assessment.scores import groups_frame, lineage_frame, values_frame
from chiso.assessment.submissions import transition
from chiso.errors import Conflict, InvalidInput, NotFound
from chiso.exports import XLSX_OPTIONS
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Publication, Submission

RANKING_COLUMNS = (
    "rank",
    "agency_code",
    "agency_name_vi",
    "group",
    "total",
    "max_points",
    "band",
    "points_change",
    "rank_change",
    "status",
)


@event.listens_for(Publication, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: Publication) -> None:
    raise Conflict(
        f"Kết quả đã công bố (lần {target.revision}) không được sửa; hãy tạo bản đính chính",
        f"Published results (revision {target.revision}) are immutable; publish a correction instead",
    )


@event.listens_for(Publication, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: Publication) -> None:
    raise Conflict(
        f"Kết quả đã công bố (lần {target.revision}) không được xóa",
        f"Published results (revision {target.revision}) cannot be deleted",
    )


def _not_approved(session: Session, *, period: AssessmentPeriod) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Agency.code, Submission.status)
        .join(Agency, Agency.id == Submission.agency_id)
        .where(Submission.period_id == period.id, Submission.status != "approved")
        .order_by(Agency.code)
    ).all()
    return [(str(a), str(s)) for a, s in rows]


def latest_publication(session: Session, *, period: AssessmentPeriod) -> Publication | None:
    """Return the newest published revision of a period, or None."""
    return session.scalar(
        select(Publication)
        .where(Publication.period_id == period.id)
        .order_by(Publication.revision.desc())
        .limit(1)
    )


def list_publications(session: Session, *, period_code: str) -> list[Publication]:
    """List a period's published revisions, oldest first."""
    period = get_period(session, code=period_code)
    return list(
        session.scalars(
            select(Publication).where(Publication.period_id == period.id).order_by(Publication.revision)
        )
    )


@dataclass
class PeriodScoring:
    """A period's scoring run with the exact inputs it used (kept with the snapshot)."""

    result: Any
    values: pd.DataFrame
    groups: pd.DataFrame
    lineage: pd.DataFrame | None
    previous: pd.DataFrame | None
    previous_snapshot_id: int | None


def _previous(session: Session, *, period: AssessmentPeriod) -> tuple[pd.DataFrame | None, int | None]:
    if period.previous_period_id is None:
        return None, None
    before = session.get(AssessmentPeriod, period.previous_period_id)
    pub = latest_publication(session, period=before) if before is not None else None
    if pub is None:
        return None, None
    if pub.snapshot_id is not None:  # the stored snapshot is the authoritative previous table
        from chiso.assessment.snapshots import load_snapshot

        return load_snapshot(session, snapshot_id=pub.snapshot_id).table, pub.snapshot_id
    return pd.DataFrame.from_records(pub.rows), None


def score_period(
    session: Session, *, period_code: str, actor: Actor, require_approved: bool = True
) -> PeriodScoring:
    """Score every submission of a period with the engine (values, groups, previous period, lineage).

    Raises:
        Conflict: some submissions are not approved yet (named), unless `require_approved` is False.
        InvalidInput: the period has no values at all.
    """
    from chiso.scoring import score

    check_secretariat(actor)
    period = get_period(session, code=period_code)
    if require_approved:
        waiting = _not_approved(session, period=period)
        if waiting:
            shown = ", ".join(f"{a} ({s})" for a, s in waiting[:15]) + (" ..." if len(waiting) > 15 else "")
            raise Conflict(
                f"Còn {len(waiting)} đơn vị chưa được duyệt: {shown}",
                f"{len(waiting)} submissions are not approved yet: {shown}",
            )
    framework, form = load_form(period.framework_id)
    values = values_frame(session, period=period, form=form)
    if values.empty:
        raise InvalidInput(
            f"Kỳ {period.code} chưa có giá trị nào để tính điểm",
            f"Period {period.code} has no values to score yet",
        )
    groups = groups_frame(session, period=period)
    lineage = lineage_frame(session)
    previous, previous_snapshot_id = _previous(session, period=period)
    result = score(framework, values, groups=groups, previous=previous, lineage=lineage)
    return PeriodScoring(result, values, groups, lineage, previous, previous_snapshot_id)


def compute_results(
    session: Session, *, period_code: str, actor: Actor, require_approved: bool = True
) -> Any:
    """Score a period and return the chiso.scoring ScoreResult (see `score_period`)."""
    return score_period(
        session, period_code=period_code, actor=actor, require_approved=require_approved
    ).result


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return list(json.loads(table.to_json(orient="records", double_precision=15)))


def publish_results(
    session: Session,
    *,
    period_code: str,
    reason: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> Publication:
    """Publish the period's results as a new immutable revision (the first, or a correction with a reason).

    Raises:
        Conflict: submissions not all approved.
        InvalidInput: a correction (revision 2 and later) without a reason.
    """
    check_secretariat(actor)
    now = now or clock.now()
    period = get_period(session, code=period_code)
    last = latest_publication(session, period=period)
    revision = 1 if last is None else last.revision + 1
    if last is not None and not reason.strip():
        raise InvalidInput(
            "Đính chính kết quả cần nêu lý do", "A correction of published results needs a reason"
        )
    run = score_period(session, period_code=period_code, actor=actor)
    result = run.result
    snapshot_id = _store_snapshot(session, period=period, run=run, revision=revision, actor=actor)
    pub = Publication(
        period_id=period.id,
        revision=revision,
        published_at=now,
        published_by=actor.id,
        reason=reason.strip(),
        framework_id=result.framework_id,
        framework_version=result.framework_version,
        decimals=result.decimals,
        rows=_records(result.table),
        snapshot_id=snapshot_id,
    )
    session.add(pub)
    old_status = period.status
    period.status = "published"
    session.flush()
    record_change(
        session,
        action="publication.publish" if revision == 1 else "publication.correct",
        object_type="assessment_period",
        object_id=period.id,
        field="revision",
        old=None if last is None else last.revision,
        new=revision,
        reason=reason.strip() or None,
        actor=actor,
        at=now,
    )
    if old_status != "published":
        record_change(
            session,
            action="period.status",
            object_type="assessment_period",
            object_id=period.id,
            field="status",
            old=old_status,
            new="published",
            actor=actor,
            at=now,
        )
    return pub


def _store_snapshot(
    session: Session, *, period: AssessmentPeriod, run: PeriodScoring, revision: int, actor: Actor
) -> int | None:
    """Keep the results with their inputs as a scoring snapshot (replayed before it is written)."""
    from chiso.assessment.snapshots import save_snapshot

    snapshot = save_snapshot(
        session,
        result=run.result,
        values=run.values,
        groups=run.groups,
        lineage=run.lineage,
        previous=None if run.previous_snapshot_id is not None else run.previous,
        previous_snapshot_id=run.previous_snapshot_id,
        label=f"{period.code} r{revision}",
        note=f"assessment period {period.code}, publication revision {revision}",
        created_by_id=actor.id,
    )
    return int(snapshot.id)


def reopen_submission(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> Submission:
    """Reopen an approved submission for correction (secretariat, with a reason); publish again afterwards."""
    check_secretariat(actor)
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do mở lại", "A reason is required to reopen a submission")
    period = get_period(session, code=period_code)
    sub = get_submission_for(session, period=period, agency_code=agency_code)
    sub.review_comment = reason.strip()
    transition(session, submission=sub, step="reopen", actor=actor, reason=reason.strip(), now=now)
    return sub


def _ranking_from_rows(
    session: Session,
    *,
    period: AssessmentPeriod,
    rows: list[dict[str, Any]],
    group: str | None,
    revision: int,
    published_at: datetime,
    reason: str,
    framework_id: str,
    framework_version: str,
) -> Ranking:
    from chiso.units.text import sort_key

    totals = [r for r in rows if r.get("node_code") == "TOTAL" and (group is None or r.get("group") == group)]
    names = dict(
        session.execute(
            select(Agency.code, Agency.name_vi).where(Agency.code.in_([r["agency_code"] for r in totals]))
        ).all()
    )

    def num(value: Any) -> float | None:
        return None if value is None else float(value)

    out = [
        RankingRow(
            rank=None if r.get("rank") is None else int(r["rank"]),
            agency_code=r["agency_code"],
            agency_name_vi=names.get(r["agency_code"], r["agency_code"]),
            group=str(r.get("group")),
            total=float(r["published"]),
            max_points=float(r["max_points"]),
            band=r.get("band"),
            points_change=num(r.get("points_change")),
            rank_change=None if r.get("rank_change") is None else int(r["rank_change"]),
            status=r.get("status"),
        )
        for r in totals
    ]
    out.sort(key=lambda x: (x.group, x.rank if x.rank is not None else 10**9, sort_key(x.agency_name_vi)))
    return Ranking(
        period_code=period.code,
        period_name_vi=period.name_vi,
        group=group,
        revision=revision,
        published_at=published_at,
        reason=reason,
        framework_id=framework_id,
        framework_version=framework_version,
        rows=out,
    )


def get_ranking(
    session: Session, *, period_code: str, group: str | None = None, revision: int | None = None
) -> Ranking:
    """Return the published ranking of a period (latest revision by default), one group or all.

    Raises:
        NotFound: nothing published for this period (or no such revision).
    """
    period = get_period(session, code=period_code)
    stmt = select(Publication).where(Publication.period_id == period.id)
    stmt = (
        stmt.where(Publication.revision == revision)
        if revision
        else stmt.order_by(Publication.revision.desc()).limit(1)
    )
    pub = session.scalar(stmt)
    if pub is None:
        raise NotFound(
            f"Kỳ {period.code} chưa công bố kết quả", f"No published results for period {period.code}"
        )
    return _ranking_from_rows(
        session,
        period=period,
        rows=pub.rows,
        group=group,
        revision=pub.revision,
        published_at=pub.published_at,
        reason=pub.reason,
        framework_id=pub.framework_id,
        framework_version=pub.framework_version,
    )


def preview_ranking(
    session: Session,
    *,
    period_code: str,
    group: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> Ranking:
    """Compute the ranking that `publish_results` would publish, without storing it (revision 0)."""
    period = get_period(session, code=period_code)
    result = compute_results(session, period_code=period_code, actor=actor)
    return _ranking_from_rows(
        session,
        period=period,
        rows=_records(result.table),
        group=group,
        revision=0,
        published_at=now or clock.now(),
        reason="preview",
        framework_id=result.framework_id,
        framework_version=result.framework_version,
    )


def ranking_groups(session: Session, *, period_code: str) -> list[str]:
    """List the groups present in the latest published ranking of a period."""
    ranking = get_ranking(session, period_code=period_code)
    return sorted({r.group for r in ranking.rows})


def export_ranking(ranking: Ranking, *, fmt: str = "csv") -> bytes:
    """Write a ranking as CSV (UTF-8 with BOM, for Excel) or XLSX (revision and date on top)."""
    header = list(RANKING_COLUMNS)
    rows = [[getattr(r, c) for c in RANKING_COLUMNS] for r in ranking.rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise InvalidInput(f"Định dạng không hỗ trợ: {fmt}", f"Unsupported format {fmt!r}; use csv or xlsx")
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **XLSX_OPTIONS})
    sheet = book.add_worksheet("xep_hang")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, f"{ranking.period_name_vi} — {ranking.group or 'tất cả nhóm / all groups'}", bold)
    sheet.write(
        1,
        0,
        f"Lần công bố / revision {ranking.revision}, {clock.to_local(ranking.published_at):%d/%m/%Y %H:%M}"
        + (f" — {ranking.reason}" if ranking.reason else ""),
    )
    sheet.write_row(3, 0, header, bold)
    for i, row in enumerate(rows, start=4):
        sheet.write_row(i, 0, ["" if v is None else v for v in row])
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 40)
    book.close()
    return out.getvalue()


def count_publications(session: Session) -> int:
    """Count every published revision (for dashboards and tests)."""
    return int(session.scalar(select(func.count()).select_from(Publication)) or 0)
