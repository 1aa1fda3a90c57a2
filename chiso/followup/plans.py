"""Action plans and IT projects (kế hoạch hành động, dự án CNTT): items on a schedule, their progress, and the
timeline SVG.

Domain layer; imports chiso.store, chiso.accounts and chiso.assessment.evidence (file checks). Status moves
planned -> in progress -> done -> verified (verified by the secretariat only). `add_to_plan` is the entry the
scorecard's "add to plan" button calls with an agency and a criterion.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.followup.attachments import attach_files, check_files
from chiso.followup.audited import add_recorded
from chiso.store.models.agencies import Agency
from chiso.store.models.followup import PLAN_STATUSES, PlanItem, PlanUpdate

NEXT = {
    "planned": ("in_progress",),
    "in_progress": ("done",),
    "done": ("verified", "in_progress"),
    "verified": (),
}


class PlanItemIn(BaseModel):
    """A plan item or IT project as typed in the form, the API or a row of the Excel file."""

    agency_code: str
    kind: str = Field(default="item", pattern="^(item|project)$")
    title: str = Field(min_length=1, max_length=400)
    indicator: str | None = None
    project_id: int | None = None
    owner: str = ""
    start_on: clock.TypedDay
    due_on: clock.TypedDay
    budget: float | None = Field(default=None, ge=0)


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Không có cơ quan, đơn vị mã '{code}'", f"No agency with code '{code}'")
    return agency


def _can_edit(actor: Actor, agency: Agency) -> None:
    if is_system(actor) or actor.role == "secretariat":
        return
    if actor.role == "reporter" and actor.agency_id == agency.id:
        return
    raise PermissionDenied(
        "Chỉ đơn vị mình hoặc văn phòng sửa được kế hoạch",
        "Only the agency itself or the secretariat edits its plan",
    )


def create_item(session: Session, *, data: PlanItemIn, actor: Actor) -> PlanItem:
    """Add an item (or an IT project) to an agency's plan (audited).

    Raises:
        InvalidInput: the due date is before the start.
        PermissionDenied: another agency's plan.
    """
    agency = _agency(session, data.agency_code)
    _can_edit(actor, agency)
    if data.due_on < data.start_on:
        raise InvalidInput("Hạn hoàn thành trước ngày bắt đầu", "The due date is before the start date")
    moment = clock.now()
    row = PlanItem(
        agency_id=agency.id,
        kind=data.kind,
        title=data.title.strip(),
        indicator=data.indicator,
        project_id=data.project_id,
        owner=data.owner,
        start_on=data.start_on,
        due_on=data.due_on,
        budget=data.budget,
        status="planned",
        progress=0,
        created_at=moment,
        updated_at=moment,
        updated_by=actor.id,
    )
    new = data.model_dump(mode="json")
    return add_recorded(session, row, action="plan.create", object_type="plan_item", actor=actor, new=new)


def update_item(session: Session, *, item_id: int, data: PlanItemIn, actor: Actor) -> PlanItem:
    """Change an item's title, link, owner, dates and budget (the Excel round trip; audited).

    Raises:
        NotFound: no such item, or no such agency.
        InvalidInput: the due date is before the start, or the row names another agency than the item's.
        PermissionDenied: another agency's plan.
    """
    row = get_item(session, item_id=item_id)
    agency = _agency(session, data.agency_code)
    _can_edit(actor, agency)
    if agency.id != row.agency_id:
        raise InvalidInput(
            f"Hạng mục số {item_id} thuộc đơn vị khác", f"Item number {item_id} belongs to another agency"
        )
    if data.due_on < data.start_on:
        raise InvalidInput("Hạn hoàn thành trước ngày bắt đầu", "The due date is before the start date")
    fields = ("kind", "title", "indicator", "owner", "start_on", "due_on", "budget")
    old = {f: getattr(row, f) for f in fields}
    new = {f: getattr(data, f) for f in fields}
    if old == new:
        return row
    for name, value in new.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = clock.now(), actor.id
    session.flush()
    record_change(
        session,
        action="plan.update",
        object_type="plan_item",
        object_id=row.id,
        actor=actor,
        old={k: str(v) for k, v in old.items()},
        new={k: str(v) for k, v in new.items()},
    )
    return row


def add_to_plan(
    session: Session,
    *,
    agency_code: str,
    criterion: str,
    actor: Actor,
    title: str | None = None,
    due_on: date | None = None,
) -> PlanItem:
    """Add "raise criterion X" to an agency's plan, due at the end of the year (the scorecard's button).

    Args:
        agency_code: the agency whose plan gets the item.
        criterion: the criterion or indicator code the item should raise (e.g. "CS_KINH_PHI").
        actor: the reporter of that agency or the secretariat.
        title: the item's title (default "Nâng chỉ tiêu <criterion>").
        due_on: the due date (default 31 December of this year).
    """
    today = clock.today()
    return create_item(
        session,
        actor=actor,
        data=PlanItemIn(
            agency_code=agency_code,
            title=title or f"Nâng chỉ số {criterion} / raise {criterion}",
            indicator=criterion,
            start_on=today,
            due_on=due_on or date(today.year, 12, 31),
        ),
    )


def get_item(session: Session, *, item_id: int) -> PlanItem:
    """Return a plan item.

    Raises:
        NotFound: no such item.
    """
    row = session.get(PlanItem, item_id)
    if row is None:
        raise NotFound(f"Không có hạng mục kế hoạch số {item_id}", f"No plan item number {item_id}")
    return row


def report_progress(
    session: Session,
    *,
    item_id: int,
    progress: int,
    status: str,
    note: str,
    actor: Actor,
    files: Sequence[tuple[str, bytes]] = (),
) -> PlanUpdate:
    """Record progress (percent, status, note, evidence files) of a plan item; audited.

    Raises:
        InvalidInput: a percent outside 0..100, a status that cannot follow the current one, a refused file.
        PermissionDenied: verifying without being the secretariat, or another agency's plan.
    """
    row = get_item(session, item_id=item_id)
    agency = session.get(Agency, row.agency_id)
    assert agency is not None
    _can_edit(actor, agency)
    if not 0 <= progress <= 100 or status not in PLAN_STATUSES:
        raise InvalidInput("Tiến độ 0-100% và trạng thái hợp lệ", "Progress 0-100% and a valid status")
    if status != row.status and status not in NEXT[row.status]:
        raise InvalidInput(
            f"Không chuyển được từ '{row.status}' sang '{status}'",
            f"Cannot move from '{row.status}' to '{status}'",
        )
    if status == "verified" and not (is_system(actor) or actor.role == "secretariat"):
        raise PermissionDenied("Chỉ văn phòng xác nhận hoàn thành", "Only the secretariat verifies an item")
    checked = check_files(files)
    moment = clock.now()
    update = PlanUpdate(item_id=row.id, at=moment, by=actor.id, progress=progress, status=status, note=note)
    session.add(update)
    session.flush()
    attach_files(
        session, owner_type="plan_update", owner_id=update.id, checked=checked, at=moment, actor=actor
    )
    old = {"progress": row.progress, "status": row.status}
    row.progress, row.status, row.updated_at, row.updated_by = progress, status, moment, actor.id
    session.flush()
    record_change(
        session,
        action="plan.progress",
        object_type="plan_item",
        object_id=row.id,
        actor=actor,
        old=old,
        new={"progress": progress, "status": status},
        reason=note or None,
    )
    return update


def list_items(
    session: Session, *, agency_code: str | None = None, kind: str | None = None
) -> list[PlanItem]:
    """List plan items (of one agency, or one kind), by agency then start date."""
    stmt = select(PlanItem)
    if agency_code:
        stmt = stmt.where(PlanItem.agency_id == _agency(session, agency_code).id)
    if kind:
        stmt = stmt.where(PlanItem.kind == kind)
    return list(session.scalars(stmt.order_by(PlanItem.agency_id, PlanItem.start_on, PlanItem.id)))


def overdue_items(session: Session, *, on: date) -> list[PlanItem]:
    """Return the items past their due date and not done."""
    stmt = select(PlanItem).where(PlanItem.due_on < on, PlanItem.status.in_(["planned", "in_progress"]))
    return list(session.scalars(stmt.order_by(PlanItem.due_on)))


def updates_of(session: Session, *, item_ids: Sequence[int]) -> list[PlanUpdate]:
    """Return the progress updates of some items, newest first."""
    stmt = select(PlanUpdate).where(PlanUpdate.item_id.in_(list(item_ids)))
    return list(session.scalars(stmt.order_by(PlanUpdate.at.desc(), PlanUpdate.id.desc())))


COLOURS = {
    "planned": "#9aa5b1",
    "in_progress": "#1f6fb2",
    "done": "#2e7d32",
    "verified": "#1b5e20",
    "overdue": "#c62828",
}


def gantt_svg(bars: Sequence[tuple[str, date, date, str, int]], *, today: date, width: int = 760) -> str:
    """Return a Gantt timeline as SVG: one row per (label, start, due, status, progress), a line for today.

    The labels sit above their bars; the SVG keeps its natural size (the page scrolls it sideways on a
    phone) so the text stays legible.
    """
    if not bars:
        return ""
    start = min(b[1] for b in bars)
    end = max(max(b[2] for b in bars), today) + timedelta(days=1)
    span = max((end - start).days, 1)
    row_h, top, pad = 34, 22, 8

    def x(day: date) -> float:
        return pad + (width - 2 * pad) * (day - start).days / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {top + row_h * len(bars) + 6}" '
        f'width="{width}" height="{top + row_h * len(bars) + 6}" '
        f'role="img" aria-label="Tiến độ kế hoạch / plan timeline" class="gantt">'
    ]
    month = date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            parts.append(
                f'<line x1="{x(month):.1f}" y1="14" x2="{x(month):.1f}" y2="100%" stroke="#e3e7eb"/>'
                f'<text x="{x(month) + 2:.1f}" y="11" font-size="10" fill="#52606d">'
                f"{month.month:02d}/{month.year % 100:02d}</text>"
            )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for i, (label, begin, due, status, progress) in enumerate(bars):
        y = top + i * row_h
        colour = (
            COLOURS["overdue"] if due < today and status in ("planned", "in_progress") else COLOURS[status]
        )
        w = max(x(due + timedelta(days=1)) - x(begin), 3)
        # a bar starting late in the span gets its label ending at its due date, so the label stays inside
        at, anchor = (x(due + timedelta(days=1)), "end") if x(begin) > width * 0.55 else (x(begin), "start")
        parts.append(
            f'<text x="{at:.1f}" y="{y + 10}" font-size="11" fill="#1f2933" text-anchor="{anchor}">'
            f"{escape(label)}</text>"
            f'<rect x="{x(begin):.1f}" y="{y + 14}" width="{w:.1f}" height="12" rx="2" fill="{colour}" '
            f'opacity="0.35"/><rect x="{x(begin):.1f}" y="{y + 14}" width="{w * progress / 100:.1f}" '
            f'height="12" rx="2" fill="{colour}"><title>{escape(label)}: {progress}%</title></rect>'
        )
    parts.append(
        f'<line x1="{x(today):.1f}" y1="14" x2="{x(today):.1f}" y2="100%" stroke="#c62828" '
        'stroke-dasharray="3 2"/></svg>'
    )
    return "".join(parts)
