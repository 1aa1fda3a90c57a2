"""Entering, checking, confirming, approving and clearing the values departments report.

Indicators room; imports chiso.accounts (actors, audit, token scope), chiso.units (the demo province as
the last fallback), chiso.store, chiso.clock and chiso.errors; never flows, web or cli. One door for
every channel (the form, the department's Excel template, the integrators' API, the CLI):
`check_entries` validates a batch all or nothing and says what each value would do, `enter_values`
stores it. A value is checked for its indicator (exists, active, entered or pushed), its period (of
the indicator's period type, not in the future), its unit (the province, a commune of the province or
an agency of the province, by the indicator's level), its type (a percent within 0-100, a count whole
and >= 0, the catalogue's min/max) and its plausibility against the unit's own history
(`plausibility.check_plausibility`): an outlier is stored "flagged" and the answer asks for a
confirmation with a note; confirming stores it "confirmed". A cleared value deletes the row (no data,
never zero). Every change is audited.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, SystemActor
from chiso.accounts.audit import record_change
from chiso.accounts.tokens import check_scope
from chiso.errors import InvalidInput, Problem
from chiso.indicators.periods import check_period, period_of
from chiso.indicators.plausibility import HISTORY_WINDOW, Flag, check_plausibility
from chiso.indicators.progress import check_year
from chiso.indicators.schemas import ValueIn
from chiso.indicators.value_checks import Context, check_can_enter, check_unit, check_value_type
from chiso.store.models.indicators import Indicator, IndicatorValue
from chiso.store.models.monitoring import IntegratorToken

ENTERABLE = ("entered", "pushed")  # computed and formula indicators are never typed

OBJECT_TYPE = "indicator_value"
Locate = Callable[[int, str], dict[str, Any]]


class FlagOut(BaseModel):
    """Why a value was flagged: the band of the unit's own history it falls outside."""

    mean: float
    sd: float
    low: float
    high: float
    count: int
    message_vi: str
    message_en: str


class ValueResult(BaseModel):
    """What one value did: created, updated, confirmed, cleared or unchanged; its status now."""

    indicator_code: str
    unit_code: str
    period: str
    value: float | None
    status: str | None  # None: no row (cleared, or nothing was there)
    action: str
    note: str | None = None
    flag: FlagOut | None = None


class EntryReport(BaseModel):
    """The answer to a batch of values: counts, one result per value, and the outliers to confirm."""

    ok: bool = True
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    confirmed: int = 0
    cleared: int = 0
    unchanged: int = 0
    results: list[ValueResult] = []

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.confirmed + self.cleared

    @property
    def to_confirm(self) -> list[ValueResult]:
        return [r for r in self.results if r.status == "flagged"]

    def summary(self) -> tuple[str, str]:
        """Return the answer in words (Vietnamese, English)."""
        if not self.changed:
            return (
                "Không có gì thay đổi: các giá trị đã có sẵn",
                "Nothing changed: these values are already stored",
            )
        vi = f"Đã lưu {self.created + self.updated + self.confirmed} giá trị, xóa {self.cleared}"
        en = f"Saved {self.created + self.updated + self.confirmed} values, cleared {self.cleared}"
        if self.to_confirm:
            vi += f"; {len(self.to_confirm)} giá trị bất thường cần xác nhận"
            en += f"; {len(self.to_confirm)} unusual values need a confirmation"
        return vi, en


@dataclass
class Planned:
    """One checked value and what storing it will do."""

    data: ValueIn
    indicator: Indicator
    existing: IndicatorValue | None
    action: str  # create | update | confirm | clear | unchanged
    status: str | None
    flag: Flag | None


def _flag_out(flag: Flag | None) -> FlagOut | None:
    if flag is None:
        return None
    return FlagOut(
        mean=flag.mean, sd=flag.sd, low=flag.low, high=flag.high, count=flag.count,
        message_vi=flag.message_vi, message_en=flag.message_en,
    )  # fmt: skip


def unit_history(session: Session, *, indicator_code: str, unit_code: str, before: str) -> list[float]:
    """Return the unit's last values before a period, oldest first (unconfirmed outliers left out)."""
    rows = session.scalars(
        select(IndicatorValue.value)
        .where(
            IndicatorValue.indicator_code == indicator_code,
            IndicatorValue.unit_code == unit_code,
            IndicatorValue.period < before,
            IndicatorValue.status != "flagged",
        )
        .order_by(IndicatorValue.period.desc())
        .limit(HISTORY_WINDOW)
    )
    return list(reversed(list(rows)))


def _check_one(ctx: Context, data: ValueIn) -> tuple[Planned | None, list[Problem]]:
    indicator = ctx.indicator(data.indicator_code)
    if indicator is None:
        text = f"Không có chỉ tiêu mã {data.indicator_code} trong danh mục"
        return None, [
            Problem(text, f"No indicator {data.indicator_code} in the catalogue", field="indicator_code")
        ]
    if not indicator.active or indicator.source not in ENTERABLE:
        why_vi = "đã ngừng theo dõi" if not indicator.active else "được tính tự động, không nhập"
        why_en = "is no longer tracked" if not indicator.active else "is computed, not entered"
        return None, [
            Problem(
                f"Chỉ tiêu {indicator.code} {why_vi}",
                f"Indicator {indicator.code} {why_en}",
                field="indicator_code",
            )
        ]
    if indicator.code not in ctx.allowed:
        check_can_enter(ctx.session, actor=ctx.actor, indicator=indicator)
        ctx.allowed.add(indicator.code)
    problems: list[Problem] = []
    try:
        check_period(check_year(data.period), indicator.period_type)
        if data.period > period_of(clock.today(), indicator.period_type):
            problems.append(
                Problem(
                    f"Kỳ {data.period} chưa bắt đầu",
                    f"The period {data.period} has not begun",
                    field="period",
                )
            )
    except InvalidInput as exc:
        problems.extend(exc.problems)
    unit_problem = check_unit(ctx, indicator, data.unit_code)
    if unit_problem is not None:
        problems.append(unit_problem)
    if data.value is not None:
        type_problem = check_value_type(indicator, data.value)
        if type_problem is not None:
            problems.append(type_problem)
    if problems:
        return None, problems
    return _plan(ctx, indicator, data)


def _plan(ctx: Context, indicator: Indicator, data: ValueIn) -> tuple[Planned | None, list[Problem]]:
    existing = ctx.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_code == indicator.code,
            IndicatorValue.unit_code == data.unit_code,
            IndicatorValue.period == data.period,
        )
    )
    if data.value is None:
        action = "clear" if existing is not None else "unchanged"
        return Planned(data, indicator, existing, action, None, None), []
    history = unit_history(
        ctx.session, indicator_code=indicator.code, unit_code=data.unit_code, before=data.period
    )
    flag = check_plausibility(history, data.value, limit=indicator.outlier_sd)
    note = data.note if data.note is not None else (existing.note if existing else None)
    if flag is not None and data.confirm and not (note or "").strip():
        return None, [
            Problem(
                "Ghi rõ vì sao giá trị bất thường này đúng rồi mới xác nhận",
                "Write why this unusual value is right before confirming it",
                field="note",
            )
        ]
    status = "entered" if flag is None else ("confirmed" if data.confirm else "flagged")
    if existing is None:
        return Planned(data, indicator, None, "create", status, flag), []
    same_value = math.isclose(existing.value, data.value, rel_tol=1e-12, abs_tol=1e-12)
    same_note = data.note is None or data.note == existing.note
    if same_value and same_note:
        if existing.status == "flagged" and status == "confirmed":
            return Planned(data, indicator, existing, "confirm", status, flag), []
        return Planned(data, indicator, existing, "unchanged", existing.status, flag), []
    if same_value and existing.status in ("confirmed", "approved"):
        status = existing.status  # a new note alone keeps the confirmation and the approval
    return Planned(data, indicator, existing, "update", status, flag), []


def check_entries(
    session: Session,
    *,
    values: Sequence[ValueIn],
    actor: Actor,
    province_code: str | None = None,
    locate: Locate | None = None,
) -> list[Planned]:
    """Check a batch of values and say what storing each would do; nothing is written.

    Args:
        session: the open session.
        values: the values, as typed, uploaded or pushed.
        actor: who enters them (the system, the secretariat, or a reporter of the owning agency).
        province_code: the province the units belong to (default: the actor's, else the demo's).
        locate: where value i's field is in the caller's input, as Problem keywords (file, row,
            column, field); default: field "values.<i>.<field>".

    Raises:
        InvalidInput: every problem of the batch at once, each located; nothing is stored.
        PermissionDenied: an indicator the actor may not enter.
    """
    ctx = Context(session, actor, province_code)
    where = locate or (lambda i, field: {"field": f"values.{i}.{field}"})
    planned: list[Planned] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, data in enumerate(values):
        key = (data.indicator_code, data.unit_code, data.period)
        if key in seen:
            problems.append(
                Problem(
                    f"Giá trị {'/'.join(key)} lặp lại (đã có ở mục {seen[key] + 1})",
                    f"The value {'/'.join(key)} is given twice (first at item {seen[key] + 1})",
                    **where(i, "indicator_code"),
                )
            )
            continue
        seen[key] = i
        plan, found = _check_one(ctx, data)
        problems.extend(Problem(p.message_vi, p.message_en, **where(i, p.field or "value")) for p in found)
        if plan is not None:
            planned.append(plan)
    if problems:
        raise InvalidInput(
            f"{len(problems)} lỗi trong số liệu, chưa lưu giá trị nào",
            f"{len(problems)} problems in the values, nothing saved",
            problems,
        )
    return planned


def _key(plan: Planned) -> str:
    return f"{plan.indicator.code}/{plan.data.unit_code}/{plan.data.period}"


def _result(plan: Planned, value: float | None) -> ValueResult:
    row = plan.existing
    note = plan.data.note if plan.data.note is not None else (row.note if row is not None else None)
    return ValueResult(
        indicator_code=plan.indicator.code, unit_code=plan.data.unit_code, period=plan.data.period,
        value=value, status=plan.status, action=plan.action, note=note if plan.status else None,
        flag=_flag_out(plan.flag) if plan.status in ("flagged", "confirmed") else None,
    )  # fmt: skip


def _reason(actor: Actor, note: str | None) -> str | None:
    """The audit's reason: the note, after the integrator's name when a token pushed the value (the audit
    keeps users by id, so a system actor other than the CLI names itself here)."""
    who = actor.username if actor.id is None and actor.username != "system" else None
    return "; ".join(part for part in (who, note) if part) or None


def _store(session: Session, plan: Planned, *, actor: Actor, channel: str) -> None:
    now, who = clock.now(), actor.username
    row, data = plan.existing, plan.data
    if plan.action == "clear":
        assert row is not None
        session.execute(delete(IndicatorValue).where(IndicatorValue.id == row.id))
        record_change(
            session, action="indicator_value.clear", object_type=OBJECT_TYPE, object_id=_key(plan),
            actor=actor, field="value", old=row.value, new=None, reason=_reason(actor, data.note),
            flush=False,
        )  # fmt: skip
        return
    assert data.value is not None and plan.status is not None
    old = None if row is None else row.value
    if row is None:
        row = IndicatorValue(indicator_code=plan.indicator.code, unit_code=data.unit_code, period=data.period)
        session.add(row)
    row.value, row.status, row.channel = data.value, plan.status, channel
    row.note = data.note if data.note is not None else row.note
    row.entered_by, row.entered_at = who, now
    if plan.status != "approved":
        row.approved_by, row.approved_at = None, None
    verb = {"create": "enter", "update": "update", "confirm": "confirm"}[plan.action]
    record_change(
        session, action=f"indicator_value.{verb}", object_type=OBJECT_TYPE, object_id=_key(plan),
        actor=actor, field="value", old=old, new=data.value, reason=_reason(actor, row.note), flush=False,
    )  # fmt: skip


def enter_values(
    session: Session,
    *,
    values: Sequence[ValueIn],
    actor: Actor,
    channel: str = "form",
    province_code: str | None = None,
    dry_run: bool = False,
    locate: Locate | None = None,
) -> EntryReport:
    """Check a batch of values and store it all or nothing; outliers are stored "flagged".

    Args:
        session: the open session (flushed, not committed).
        values: the values; `value` None clears one (its row is deleted), `confirm` confirms an outlier.
        actor: who enters them.
        channel: form, excel, api (recorded on each row).
        province_code: the province the units belong to (default: the actor's, else the demo's).
        dry_run: check and answer what would happen, store nothing.
        locate: where each value came from, for the problems (see `check_entries`).

    Returns:
        The counts and one result per value; flagged results ask for a confirmation with a note.

    Raises:
        InvalidInput: any value is wrong (all problems listed, nothing stored).
        PermissionDenied: an indicator the actor may not enter.
    """
    plans = check_entries(session, values=values, actor=actor, province_code=province_code, locate=locate)
    report = EntryReport(dry_run=dry_run)
    counters = {"create": "created", "update": "updated", "confirm": "confirmed", "clear": "cleared"}
    for plan in plans:
        name = counters.get(plan.action, "unchanged")
        setattr(report, name, getattr(report, name) + 1)
        report.results.append(_result(plan, plan.data.value))
        if not dry_run and plan.action != "unchanged":
            _store(session, plan, actor=actor, channel=channel)
    session.flush()
    return report


def token_actor(token: IntegratorToken) -> SystemActor:
    """Return who the audit names for values an integrator pushed: "api:<token name>"."""
    return SystemActor(username=f"api:{token.name}", full_name=token.name)


def push_values(
    session: Session, *, values: Sequence[ValueIn], token: IntegratorToken, province_code: str | None = None
) -> EntryReport:
    """Store values an integrator pushed, within its token's scope, all or nothing and idempotently.

    The token's record kinds scope it to indicators: "indicators" (every one) or "indicator:<CODE>";
    its agency subtree must hold each indicator's owner and, for agency-level values, the unit.

    Raises:
        OutOfScope: an indicator or an agency outside the token's scope (nothing stored).
        InvalidInput: any value is wrong.
    """
    kinds = token.record_kinds.split(",") if token.record_kinds else None
    codes = sorted({v.indicator_code for v in values})
    found = {i.code: i for i in session.scalars(select(Indicator).where(Indicator.code.in_(codes)))}
    for code in codes:
        kind = "indicators" if kinds is None or "indicators" in kinds else f"indicator:{code}"
        indicator = found.get(code)
        agencies = {indicator.owner_agency_code or ""} if indicator is not None else set()
        if indicator is not None and indicator.level == "agency":
            agencies |= {v.unit_code for v in values if v.indicator_code == code}
        check_scope(session, token=token, kind=kind, agency_codes=agencies if token.agency_root else ())
    return enter_values(
        session, values=values, actor=token_actor(token), channel="api", province_code=province_code
    )
