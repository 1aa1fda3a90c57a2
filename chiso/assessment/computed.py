"""Computed values: what monitoring measured for an agency and criterion, stored read-only in its form.

Domain layer: store models and the submission services; nothing from monitoring, flows, web or cli (the
bridge in chiso.flows.computed turns metric values into ComputedValues). A computed value carries its
source and lineage (metric, how many records, which months, when) and is never typed over by the
reporter; an approved submission keeps the values it was approved with; a frozen period keeps the values
computed up to its cut-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.assessment.access import check_secretariat
from chiso.assessment.periods import get_period
from chiso.assessment.submissions import period_form, values_by_code
from chiso.errors import InvalidInput, Problem
from chiso.store.models import Agency
from chiso.store.models.assessment import Submission, SubmissionValue
from chiso.store.models.computed import ComputedFreeze


@dataclass(frozen=True)
class ComputedValue:
    """A value computed elsewhere (monitoring) for one agency and criterion."""

    agency_code: str
    indicator_code: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    #: The value's own source with its lineage (see `lineage_source`); None: the call's `source`.
    source: str | None = None


def _same_source(a: str | None, b: str | None) -> bool:
    """Two sources are the same computation when they differ at most in when it ran (after '@')."""
    return (a or "").split("@", 1)[0] == (b or "").split("@", 1)[0]


def set_computed_values(
    session: Session,
    *,
    period_code: str,
    values: Iterable[ComputedValue],
    source: str = "monitoring",
    actor: Actor,
    now: datetime | None = None,
) -> int:
    """Store computed (monitoring) values read-only with their source; returns how many changed.

    Values are upserted per agency and criterion whatever the submission's status, except approved
    ones, which are frozen. Nothing is written if an agency or criterion is unknown.
    """
    now = now or clock.now()
    period = get_period(session, code=period_code)
    form = period_form(period)
    rows = list(values)
    subs = {
        code: sub
        for sub, code in session.execute(
            select(Submission, Agency.code)
            .join(Agency, Agency.id == Submission.agency_id)
            .where(Submission.period_id == period.id)
        )
    }
    problems = []
    for i, r in enumerate(rows, start=1):
        if r.agency_code not in subs:
            problems.append(
                Problem(
                    f"Đơn vị {r.agency_code} không tham gia kỳ {period.code}",
                    f"Agency {r.agency_code} is not in period {period.code}",
                    row=i,
                )
            )
        if r.indicator_code not in form.codes():
            problems.append(
                Problem(
                    f"Tiêu chí {r.indicator_code} không có trong bộ chỉ số",
                    f"Unknown criterion {r.indicator_code}",
                    row=i,
                )
            )
    if problems:
        raise InvalidInput(
            "Giá trị tính toán không hợp lệ; chưa lưu gì",
            "Computed values refused; nothing was saved",
            problems,
        )
    changed = 0
    cache: dict[int, dict[str, SubmissionValue]] = {}
    for r in rows:
        sub = subs[r.agency_code]
        if sub.status == "approved":
            continue
        stored = cache.setdefault(sub.id, values_by_code(session, submission=sub))
        row = stored.get(r.indicator_code)
        new = {"value": r.value, "numerator": r.numerator, "denominator": r.denominator}
        own = r.source or source
        same = row is not None and {k: getattr(row, k) for k in new} == new
        if same and row is not None and row.is_computed and _same_source(row.source, own):
            continue
        old = {k: getattr(row, k) for k in new} if row is not None else None
        if row is None:
            row = SubmissionValue(
                submission_id=sub.id,
                indicator_code=r.indicator_code,
                kind=form.criterion(r.indicator_code).kind,
                review_state="pending",
            )
            session.add(row)
            stored[r.indicator_code] = row
        for k, v in new.items():
            setattr(row, k, v)
        row.source, row.is_computed, row.updated_at = own, True, now
        row.updated_by = actor.id
        session.flush()
        record_change(
            session,
            action="value.compute",
            object_type="submission_value",
            object_id=row.id,
            field=r.indicator_code,
            old=old,
            new=new,
            reason=f"source: {own}",
            actor=actor,
            at=now,
        )
        changed += 1
    return changed


# --- lineage: what a computed value was computed from, kept in its `source` -----------------------

SOURCE_PREFIX = "monitoring:"
_NOUNS = {
    "dossiers": ("hồ sơ", "dossiers"),
    "petitions": ("phản ánh, kiến nghị", "petitions"),
    "procedures": ("thủ tục", "procedures"),
}


@dataclass(frozen=True)
class Lineage:
    """Where a computed value comes from: metric, records counted, months covered, when, any cut-off."""

    metric: str
    aggregate: str
    count: int
    records: str  # dossiers | petitions | procedures
    first_month: str  # YYYY-MM
    last_month: str
    computed_at: datetime
    cutoff: date | None = None


def lineage_source(lineage: Lineage) -> str:
    """Return the `source` text of a computed value (parsed back by `parse_lineage`).

    With the longest metric code a framework allows (80 characters) it stays under the 200 characters of
    `SubmissionValue.source`.
    """
    parts = [
        f"{SOURCE_PREFIX}{lineage.metric}/{lineage.aggregate}",
        str(lineage.count),
        lineage.records,
        lineage.first_month,
        lineage.last_month,
    ]
    if lineage.cutoff is not None:
        parts.append(f"cut={lineage.cutoff.isoformat()}")
    at = clock.as_utc(lineage.computed_at).strftime("%Y-%m-%dT%H:%MZ")
    return "|".join(parts) + "@" + at


def parse_lineage(source: str | None) -> Lineage | None:
    """Return the lineage a computed value's `source` carries; None for any other source."""
    if not source or not source.startswith(SOURCE_PREFIX) or "@" not in source:
        return None
    head, at = source.rsplit("@", 1)
    parts = head.split("|")
    if len(parts) < 5 or "/" not in parts[0]:
        return None
    metric, aggregate = parts[0][len(SOURCE_PREFIX) :].split("/", 1)
    cutoff = next((date.fromisoformat(p[4:]) for p in parts[5:] if p.startswith("cut=")), None)
    try:
        when = clock.as_utc(datetime.strptime(at, "%Y-%m-%dT%H:%MZ"))
        return Lineage(metric, aggregate, int(parts[1]), parts[2], parts[3], parts[4], when, cutoff)
    except ValueError:
        return None


def _month(label: str) -> str:
    year, _, month = label.partition("-")
    return f"{month}/{year}"


def describe_lineage(source: str | None, lang: str = "vi") -> str:
    """Return the lineage in words, local time: "tính từ 12.345 hồ sơ, 01/2026-12/2026, lúc 14:02 02/12/2026".

    Any other source is returned as it is ("" for None).
    """
    lin = parse_lineage(source)
    if lin is None:
        return source or ""
    noun_vi, noun_en = _NOUNS.get(lin.records, (lin.records, lin.records))
    months = f"{_month(lin.first_month)}-{_month(lin.last_month)}"
    local = clock.to_local(lin.computed_at)
    if lang == "en":
        text = f"computed from {lin.count:,} {noun_en} ({lin.metric}), {months}, "
        text += f"at {local:%H:%M} on {local:%d/%m/%Y}"
        return text + (f"; frozen at the cut-off {lin.cutoff:%d/%m/%Y}" if lin.cutoff else "")
    count = f"{lin.count:,}".replace(",", ".")
    text = f"tính từ {count} {noun_vi} ({lin.metric}), {months}, lúc {local:%H:%M} ngày {local:%d/%m/%Y}"
    return text + (f"; chốt số liệu đến {lin.cutoff:%d/%m/%Y}" if lin.cutoff else "")


# --- freezing a period's computed values at a cut-off date ---------------------------------------


def get_freeze(session: Session, *, period_code: str) -> ComputedFreeze | None:
    """Return the period's freeze, or None while its computed values follow every recompute."""
    period = get_period(session, code=period_code)
    return session.get(ComputedFreeze, period.id)


def freeze_computed(
    session: Session, *, period_code: str, cutoff: date, actor: Actor, now: datetime | None = None
) -> ComputedFreeze:
    """Record that the period's computed values stop at `cutoff` (a later freeze moves the date).

    Only the record: computing the values up to the cut-off is chiso.flows.computed's job.

    Raises:
        PermissionDenied: the actor is not the secretariat.
        InvalidInput: the cut-off is after today.
    """
    check_secretariat(actor)
    now = now or clock.now()
    if cutoff > clock.to_local(now).date():
        raise InvalidInput(
            f"Ngày chốt {cutoff:%d/%m/%Y} ở tương lai; chọn hôm nay hoặc một ngày đã qua",
            f"The cut-off {cutoff:%d/%m/%Y} is in the future; pick today or an earlier day",
            [Problem("Ngày chốt sau hôm nay", "Cut-off after today", field="cutoff")],
        )
    period = get_period(session, code=period_code)
    row = session.get(ComputedFreeze, period.id)
    old = None if row is None else {"cutoff": row.cutoff.isoformat()}
    if row is None:
        row = ComputedFreeze(period_id=period.id, cutoff=cutoff, frozen_at=now)
        session.add(row)
    row.cutoff, row.frozen_at = cutoff, now
    row.frozen_by = None if is_system(actor) else actor.id
    session.flush()
    record_change(
        session, action="computed.freeze", object_type="assessment_period", object_id=period.id,
        field="computed_cutoff", old=old, new={"cutoff": cutoff.isoformat()}, reason="", actor=actor, at=now,
    )  # fmt: skip
    return row


def unfreeze_computed(
    session: Session, *, period_code: str, actor: Actor, now: datetime | None = None
) -> bool:
    """Let the period's computed values follow recomputes again; returns False when it was not frozen."""
    check_secretariat(actor)
    period = get_period(session, code=period_code)
    row = session.get(ComputedFreeze, period.id)
    if row is None:
        return False
    old = {"cutoff": row.cutoff.isoformat()}
    session.delete(row)
    session.flush()
    record_change(
        session, action="computed.unfreeze", object_type="assessment_period", object_id=period.id,
        field="computed_cutoff", old=old, new=None, reason="", actor=actor, at=now or clock.now(),
    )  # fmt: skip
    return True
