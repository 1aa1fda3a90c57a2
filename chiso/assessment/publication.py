"""Publication records: store a scored run as an immutable revision, reopen, read and export rankings.

Domain layer: store models, chiso.errors; nothing from flows, web or cli. Scoring a period is the job
of chiso.flows.scoring, which hands the run to `record_publication`. A publication is immutable: the
ORM refuses to update or delete one. A correction is a new revision with a reason; the public ranking
shows the latest revision and its date. The rank intervals computed at publish time
(chiso.flows.intervals) are stored beside it (chiso.assessment.published_intervals), as immutable.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import xlsxwriter
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from chiso import clock, faults
from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.assessment.access import check_secretariat
from chiso.assessment.periods import get_period, get_submission_for
from chiso.assessment.published_intervals import IntervalRecord, interval_fields, publication_intervals
from chiso.assessment.schemas import Ranking, RankingPage, RankingRow
from chiso.assessment.snapshots import load_snapshot, save_snapshot
from chiso.assessment.submissions import transition
from chiso.errors import Conflict, InvalidInput, NotFound
from chiso.exports import XLSX_OPTIONS, csv_cell
from chiso.scoring import ScoreResult
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Publication, Submission
from chiso.store.models.robustness import PublicationIntervals
from chiso.units.text import sort_key

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
    "rank_low",
    "rank_high",
    "rank_median",
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


def not_approved(session: Session, *, period: AssessmentPeriod) -> list[tuple[str, str]]:
    """Return (agency code, status) of the period's submissions not approved yet, by agency code."""
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
class RunInputs:
    """The exact inputs a scoring run used, kept with its snapshot so it can be replayed."""

    values: pd.DataFrame
    groups: pd.DataFrame | None
    lineage: pd.DataFrame | None
    previous: pd.DataFrame | None
    previous_snapshot_id: int | None


def previous_results(session: Session, *, period: AssessmentPeriod) -> tuple[pd.DataFrame | None, int | None]:
    """Return the results table of the period this one compares with, and its snapshot id (None if none)."""
    if period.previous_period_id is None:
        return None, None
    before = session.get(AssessmentPeriod, period.previous_period_id)
    pub = latest_publication(session, period=before) if before is not None else None
    if pub is None:
        return None, None
    if pub.snapshot_id is not None:  # the stored snapshot is the authoritative previous table
        return load_snapshot(session, snapshot_id=pub.snapshot_id, previous=False).table, pub.snapshot_id
    return pd.DataFrame.from_records(pub.rows), None


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return list(json.loads(table.to_json(orient="records", double_precision=15)))


def next_revision(session: Session, *, period: AssessmentPeriod, reason: str) -> int:
    """Return the revision a new publication of the period gets (1, or a correction that needs a reason).

    Raises:
        InvalidInput: a correction (revision 2 and later) without a reason.
    """
    last = latest_publication(session, period=period)
    if last is not None and not reason.strip():
        raise InvalidInput(
            "Đính chính kết quả cần nêu lý do", "A correction of published results needs a reason"
        )
    return 1 if last is None else last.revision + 1


def record_publication(
    session: Session,
    *,
    period: AssessmentPeriod,
    revision: int,
    result: ScoreResult,
    inputs: RunInputs,
    reason: str,
    actor: Actor,
    now: datetime,
    intervals: IntervalRecord | None = None,
) -> Publication:
    """Store a scored run as the period's published revision: snapshot (replayed first), rows, the
    rank intervals computed with it (when given), audit."""
    check_secretariat(actor)
    snapshot = save_snapshot(
        session,
        result=result,
        values=inputs.values,
        groups=inputs.groups,
        lineage=inputs.lineage,
        previous=None if inputs.previous_snapshot_id is not None else inputs.previous,
        previous_snapshot_id=inputs.previous_snapshot_id,
        label=f"{period.code} r{revision}",
        note=f"assessment period {period.code}, publication revision {revision}",
        created_by_id=actor.id,
    )
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
        snapshot_id=int(snapshot.id),
    )
    session.add(pub)
    old_status = period.status
    period.status = "published"
    session.flush()
    if intervals is not None:
        session.add(
            PublicationIntervals(
                publication_id=pub.id, log=intervals.log, rows=intervals.rows, created_at=now
            )
        )
        session.flush()
    record_change(
        session,
        action="publication.publish" if revision == 1 else "publication.correct",
        object_type="assessment_period",
        object_id=period.id,
        field="revision",
        old=None if revision == 1 else revision - 1,
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
    session.flush()
    faults.reach("publish.recorded")
    return pub


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


def ranking_from_table(
    session: Session,
    *,
    period: AssessmentPeriod,
    table: pd.DataFrame | list[dict[str, Any]],
    group: str | None,
    revision: int,
    published_at: datetime | None,
    reason: str,
    framework_id: str,
    framework_version: str,
    intervals: IntervalRecord | None = None,
) -> Ranking:
    """Return the ranking of a results table: a scored one (the preview's shape) or a publication's rows."""
    rows = _records(table) if isinstance(table, pd.DataFrame) else table
    totals = [r for r in rows if r.get("node_code") == "TOTAL" and (group is None or r.get("group") == group)]
    names = dict(
        session.execute(
            select(Agency.code, Agency.name_vi).where(Agency.code.in_([r["agency_code"] for r in totals]))
        ).all()
    )

    def num(value: Any) -> float | None:
        return None if value is None else float(value)

    spread = {str(i["agency_code"]): interval_fields(i) for i in (intervals.rows if intervals else [])}
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
            **spread.get(str(r["agency_code"]), {}),
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
        intervals=None if intervals is None else intervals.method(),
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
    return ranking_from_table(
        session,
        period=period,
        table=pub.rows,
        group=group,
        revision=pub.revision,
        published_at=pub.published_at,
        reason=pub.reason,
        framework_id=pub.framework_id,
        framework_version=pub.framework_version,
        intervals=publication_intervals(session, publication=pub),
    )


def ranking_page(
    session: Session, *, period_code: str, group: str | None = None, revision: int | None = None
) -> RankingPage:
    """Return a published ranking with the period's ranked groups and revisions (the public page)."""
    ranking = get_ranking(session, period_code=period_code, group=group, revision=revision)
    published = list_publications(session, period_code=period_code)
    return RankingPage(
        **ranking.model_dump(),
        groups=ranked_groups(published[-1].rows),
        revisions=[p.revision for p in published],
    )


def ranked_groups(rows: list[dict[str, Any]]) -> list[str]:
    """List the peer groups present in a results table's rows (as stored in a publication), sorted."""
    return sorted({str(r.get("group")) for r in rows if r.get("node_code") == "TOTAL"})


def ranking_groups(session: Session, *, period_code: str) -> list[str]:
    """List the groups present in the latest published ranking of a period."""
    pub = latest_publication(session, period=get_period(session, code=period_code))
    if pub is None:
        raise NotFound(
            f"Kỳ {period_code} chưa công bố kết quả", f"No published results for period {period_code}"
        )
    return ranked_groups(pub.rows)


def export_ranking(ranking: Ranking, *, fmt: str = "csv") -> bytes:
    """Write a ranking as CSV (UTF-8 with BOM, for Excel) or XLSX (revision and date on top)."""
    bands = list(dict.fromkeys(b for r in ranking.rows for b in (r.band_probabilities or {})))
    header = list(RANKING_COLUMNS) + [f"p_{band}" for band in bands]
    rows = [
        [getattr(r, c) for c in RANKING_COLUMNS]
        + [None if r.band_probabilities is None else r.band_probabilities.get(b, 0.0) for b in bands]
        for r in ranking.rows
    ]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([csv_cell(h) for h in header])
        writer.writerows([csv_cell(v) for v in row] for row in rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise InvalidInput(f"Định dạng không hỗ trợ: {fmt}", f"Unsupported format {fmt!r}; use csv or xlsx")
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **XLSX_OPTIONS})
    sheet = book.add_worksheet("xep_hang")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, f"{ranking.period_name_vi} — {ranking.group or 'tất cả nhóm / all groups'}", bold)
    sheet.write(
        1,
        0,
        f"Lần công bố / revision {ranking.revision}, "
        + (f"{clock.to_local(ranking.published_at):%d/%m/%Y %H:%M}" if ranking.published_at else "")
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
