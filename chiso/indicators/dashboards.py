"""Saved dashboards: the spec (items on a 12-column grid, filters), who may open one, versions, sharing.

Indicators room; imports chiso.store, chiso.accounts (actors, audit), chiso.units (text folding) and the
bottom layer, never flows, web or cli. A dashboard's spec is plain JSON validated by `DashboardSpec`;
every save writes a new row in `dashboard_versions` and bumps the version, so a change can be seen and
undone (a restore is a save of an old spec). Opening fails closed: a visitor who may not open a
dashboard is told it does not exist (404); a logged-in user whose role it is not shared with gets 403.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.accounts.audit import record_change
from chiso.errors import InvalidInput, NotFound, PermissionDenied, Problem
from chiso.indicators.periods import period_type_of
from chiso.store.models.indicators import Dashboard, DashboardVersion, Indicator
from chiso.store.models.users import ROLES
from chiso.units.text import fold

COLUMNS = 12
MAX_ITEMS = 24
ITEM_KINDS = ("tile", "line", "bar", "stacked", "table", "ranking", "map", "text")
KIND_NAMES = {
    "tile": ("Ô số liệu", "Figure tile"),
    "line": ("Biểu đồ đường", "Line chart"),
    "bar": ("Biểu đồ cột", "Bar chart"),
    "stacked": ("Biểu đồ cột chồng", "Stacked bar chart"),
    "table": ("Bảng số liệu", "Table"),
    "ranking": ("Xếp hạng đơn vị", "Ranking of units"),
    "map": ("Bản đồ cấp xã", "Commune map"),
    "text": ("Ghi chú", "Text note"),
}
ONE_INDICATOR = ("tile", "ranking", "map")
EDITORS = ("secretariat",)
SHARED_ROLES = tuple(r for r in ROLES if r != "secretariat")  # the secretariat opens every dashboard
ItemKind = Literal["tile", "line", "bar", "stacked", "table", "ranking", "map", "text"]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]
Option = str | int | float | bool


class DashboardItem(BaseModel):
    """One item of a dashboard: what it shows, over which indicators, and where it sits on the grid."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")
    kind: ItemKind
    indicators: list[Code] = Field(default_factory=list, max_length=6)
    title_vi: str | None = Field(default=None, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    text: str | None = Field(default=None, max_length=4000)
    x: int = Field(default=0, ge=0, lt=COLUMNS)
    y: int = Field(default=0, ge=0, le=200)
    w: int = Field(default=4, ge=1, le=COLUMNS)
    h: int = Field(default=1, ge=1, le=6)
    periods: int = Field(default=12, ge=2, le=60)  # charts and tables: the last N periods
    options: dict[str, Option] = Field(default_factory=dict, max_length=10)

    @model_validator(mode="after")
    def _shape(self) -> DashboardItem:
        if self.x + self.w > COLUMNS:
            raise ValueError(f"mục {self.id}: x + w vượt quá {COLUMNS} cột / x + w exceeds {COLUMNS} columns")
        if self.kind == "text":
            if not (self.text or "").strip():
                raise ValueError(f"mục {self.id}: ghi chú cần nội dung / a text note needs its text")
        elif not self.indicators:
            raise ValueError(f"mục {self.id}: chọn ít nhất một chỉ tiêu / choose at least one indicator")
        if self.kind in ONE_INDICATOR and len(self.indicators) > 1:
            raise ValueError(f"mục {self.id}: chỉ một chỉ tiêu / one indicator only")
        return self


class DashboardFilters(BaseModel):
    """The filters every item follows: a period key (None: each item's latest) and a unit (None: province)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    period: str | None = Field(default=None, max_length=10)
    unit: str | None = Field(default=None, max_length=40)

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value:
            try:
                period_type_of(value)
            except InvalidInput as exc:
                raise ValueError(f"{exc.message_vi} / {exc.message_en}") from None
        return value or None


class DashboardSpec(BaseModel):
    """A dashboard's items and filters, as stored in `dashboards.spec` and each version."""

    model_config = ConfigDict(extra="forbid")

    items: list[DashboardItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    filters: DashboardFilters = Field(default_factory=DashboardFilters)

    @model_validator(mode="after")
    def _unique(self) -> DashboardSpec:
        ids = [i.id for i in self.items]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"mã mục trùng / item ids repeated: {', '.join(twice)}")
        taken: dict[tuple[int, int], str] = {}
        for item in self.items:
            for cell in (
                (x, y) for x in range(item.x, item.x + item.w) for y in range(item.y, item.y + item.h)
            ):
                if cell in taken:
                    raise ValueError(f"mục {taken[cell]} và {item.id} chồng lên nhau / items overlap")
                taken[cell] = item.id
        return self

    def codes(self) -> list[str]:
        """Return every indicator code the items use, in order of first use."""
        return list(dict.fromkeys(code for item in self.items for code in item.indicators))


class DashboardIn(BaseModel):
    """A dashboard as the builder or the API sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_vi: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    sharing: Literal["roles", "public"] = "roles"
    roles: list[str] = Field(default_factory=list)
    spec: DashboardSpec = Field(default_factory=DashboardSpec)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if r not in ROLES]
        if unknown:
            raise ValueError(f"vai trò không có / unknown roles: {', '.join(unknown)}")
        return sorted(set(value))


class DashboardSummary(BaseModel):
    """A dashboard in the list: its names, version, sharing and last save."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    title_vi: str
    title_en: str | None
    version: int
    sharing: str
    roles: list[str]
    updated_at: clock.LocalDatetime
    updated_by: str


class DashboardOut(DashboardSummary):
    """A dashboard with its current spec."""

    spec: DashboardSpec


class VersionOut(BaseModel):
    """One saved version: its number, when and by whom, and how many items it had."""

    version: int
    saved_at: clock.LocalDatetime
    saved_by: str
    items: int


def place_items(items: list[DashboardItem]) -> list[DashboardItem]:
    """Lay items out in their order on the 12-column grid, left to right, a new row when one is full."""
    placed: list[DashboardItem] = []
    x = y = row_h = 0
    for item in items:
        if x + item.w > COLUMNS:
            x, y, row_h = 0, y + row_h, 0
        placed.append(item.model_copy(update={"x": x, "y": y}))
        x, row_h = x + item.w, max(row_h, item.h)
    return placed


def invalid_from(exc: ValidationError) -> InvalidInput:
    """Return a builder's pydantic error as the one bilingual shape, each problem named by its field."""
    problems = [
        Problem(str(e["msg"]).removeprefix("Value error, "), str(e["msg"]).removeprefix("Value error, "),
                field=".".join(map(str, e["loc"])) or None)
        for e in exc.errors()
    ]  # fmt: skip
    return InvalidInput(
        "Bảng điều khiển chưa hợp lệ: " + "; ".join(p.message_vi for p in problems),
        "The dashboard is not valid: " + "; ".join(p.message_en for p in problems),
        problems,
    )


def can_open(dashboard: Dashboard, actor: Actor | None) -> bool:
    """Return True when `actor` (None: an anonymous visitor) may open the dashboard."""
    if dashboard.sharing == "public":
        return True
    if actor is None:
        return False
    return is_system(actor) or actor.role in EDITORS or actor.role in (dashboard.roles or [])


def check_editor(actor: Actor) -> None:
    """Refuse anyone but the secretariat (and the system): building, editing and sharing are theirs."""
    if not is_system(actor) and actor.role not in EDITORS:
        raise PermissionDenied(
            "Chỉ Văn phòng được dựng, sửa và chia sẻ bảng điều khiển",
            "Only the secretariat builds, edits and shares dashboards",
        )


def _out(row: Dashboard) -> DashboardOut:
    return DashboardOut(
        id=row.id, slug=row.slug, title_vi=row.title_vi, title_en=row.title_en, version=row.version,
        sharing=row.sharing, roles=list(row.roles or []), updated_at=row.updated_at,
        updated_by=row.updated_by, spec=DashboardSpec.model_validate(row.spec),
    )  # fmt: skip


def list_dashboards(session: Session, *, actor: Actor | None) -> list[DashboardSummary]:
    """List the dashboards `actor` may open (None: an anonymous visitor sees the public ones), by title."""
    rows = session.scalars(select(Dashboard).order_by(Dashboard.title_vi, Dashboard.id))
    return [DashboardSummary.model_validate(r) for r in rows if can_open(r, actor)]


def _row(session: Session, dashboard_id: int) -> Dashboard:
    row = session.get(Dashboard, dashboard_id)
    if row is None:
        raise NotFound(f"Không có bảng điều khiển số {dashboard_id}", f"No dashboard {dashboard_id}")
    return row


def get_dashboard(session: Session, *, dashboard_id: int, actor: Actor | None) -> DashboardOut:
    """Return a dashboard `actor` may open.

    Raises:
        NotFound: no such dashboard, or an anonymous visitor asks for one that is not public.
        PermissionDenied: a logged-in user whose role the dashboard is not shared with.
    """
    row = _row(session, dashboard_id)
    if not can_open(row, actor):
        if actor is None:
            raise NotFound(f"Không có bảng điều khiển số {dashboard_id}", f"No dashboard {dashboard_id}")
        raise PermissionDenied(
            "Bảng điều khiển này chưa được chia sẻ với vai trò của bạn",
            "This dashboard is not shared with your role",
        )
    return _out(row)


def _check_codes(session: Session, spec: DashboardSpec) -> None:
    codes = spec.codes()
    if not codes:
        return
    found = set(session.scalars(select(Indicator.code).where(Indicator.code.in_(codes), Indicator.active)))
    missing = [c for c in codes if c not in found]
    if missing:
        listed = ", ".join(missing)
        vi = f"Chỉ tiêu không có trong danh mục: {listed}. Chọn chỉ tiêu khác hoặc thêm vào danh mục."
        en = f"Indicators missing from the catalogue: {', '.join(missing)}. Pick others or add them."
        raise InvalidInput(vi, en, [Problem(vi, en, field="indicators")])


def _slug(session: Session, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60] or "bang"
    taken = set(session.scalars(select(Dashboard.slug).where(Dashboard.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _keep_version(session: Session, row: Dashboard, at: datetime, actor: Actor) -> None:
    session.add(
        DashboardVersion(
            dashboard_id=row.id, version=row.version, spec=row.spec, saved_at=at, saved_by=actor.username
        )
    )


def create_dashboard(session: Session, *, data: DashboardIn, actor: Actor) -> DashboardOut:
    """Create a dashboard as its version 1.

    Raises:
        PermissionDenied: not the secretariat (or the system).
        InvalidInput: an indicator the catalogue lacks.
    """
    check_editor(actor)
    _check_codes(session, data.spec)
    at = clock.now()
    row = Dashboard(
        slug=_slug(session, data.title_vi), title_vi=data.title_vi, title_en=data.title_en, version=1,
        spec=data.spec.model_dump(mode="json"), sharing=data.sharing, roles=data.roles, updated_at=at,
        updated_by=actor.username,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _keep_version(session, row, at, actor)
    record_change(
        session, action="dashboard.create", object_type="dashboard", object_id=row.id, actor=actor,
        new=data.title_vi,
    )  # fmt: skip
    return _out(row)


def save_dashboard(session: Session, *, dashboard_id: int, data: DashboardIn, actor: Actor) -> DashboardOut:
    """Save a dashboard's titles, sharing and spec as its next version.

    Raises:
        NotFound: no such dashboard.
        PermissionDenied: not the secretariat (or the system).
        InvalidInput: an indicator the catalogue lacks.
    """
    check_editor(actor)
    row = _row(session, dashboard_id)
    _check_codes(session, data.spec)
    at = clock.now()
    before = row.version
    row.title_vi, row.title_en = data.title_vi, data.title_en
    row.sharing, row.roles = data.sharing, data.roles
    row.spec = data.spec.model_dump(mode="json")
    row.version = before + 1
    row.updated_at, row.updated_by = at, actor.username
    _keep_version(session, row, at, actor)
    session.flush()
    record_change(
        session, action="dashboard.save", object_type="dashboard", object_id=row.id, actor=actor,
        field="version", old=before, new=row.version,
    )  # fmt: skip
    return _out(row)


def list_versions(session: Session, *, dashboard_id: int, actor: Actor) -> list[VersionOut]:
    """List a dashboard's saved versions, newest first (the secretariat's history).

    Raises:
        NotFound: no such dashboard.
        PermissionDenied: not the secretariat (or the system).
    """
    check_editor(actor)
    _row(session, dashboard_id)
    rows = session.scalars(
        select(DashboardVersion)
        .where(DashboardVersion.dashboard_id == dashboard_id)
        .order_by(DashboardVersion.version.desc())
    )
    return [
        VersionOut(
            version=r.version, saved_at=r.saved_at, saved_by=r.saved_by, items=len(r.spec.get("items", []))
        )
        for r in rows
    ]


def restore_version(session: Session, *, dashboard_id: int, version: int, actor: Actor) -> DashboardOut:
    """Save an earlier version's spec again as the next version (nothing is ever overwritten).

    Raises:
        NotFound: no such dashboard or version.
        PermissionDenied: not the secretariat (or the system).
    """
    check_editor(actor)
    row = _row(session, dashboard_id)
    old = session.scalar(
        select(DashboardVersion).where(
            DashboardVersion.dashboard_id == dashboard_id, DashboardVersion.version == version
        )
    )
    if old is None:
        raise NotFound(
            f"Bảng điều khiển {dashboard_id} không có phiên bản {version}",
            f"Dashboard {dashboard_id} has no version {version}",
        )
    data = DashboardIn(
        title_vi=row.title_vi, title_en=row.title_en, sharing=row.sharing,  # type: ignore[arg-type]
        roles=list(row.roles or []), spec=DashboardSpec.model_validate(old.spec),
    )  # fmt: skip
    out = save_dashboard(session, dashboard_id=dashboard_id, data=data, actor=actor)
    record_change(
        session, action="dashboard.restore", object_type="dashboard", object_id=row.id, actor=actor,
        field="version", old=version, new=out.version,
    )  # fmt: skip
    return out


def share_dashboard(
    session: Session,
    *,
    dashboard_id: int,
    sharing: Literal["roles", "public"],
    roles: list[str],
    actor: Actor,
) -> DashboardOut:
    """Change who may open a dashboard (public, or the listed roles); the spec's version is kept.

    Raises:
        NotFound: no such dashboard.
        PermissionDenied: not the secretariat (or the system).
        InvalidInput: an unknown role.
    """
    check_editor(actor)
    row = _row(session, dashboard_id)
    try:
        clean = DashboardIn(title_vi=row.title_vi, sharing=sharing, roles=roles)
    except ValidationError as exc:
        raise invalid_from(exc) from None
    before = f"{row.sharing}:{','.join(row.roles or [])}"
    row.sharing, row.roles = clean.sharing, clean.roles
    row.updated_at, row.updated_by = clock.now(), actor.username
    session.flush()
    record_change(
        session, action="dashboard.share", object_type="dashboard", object_id=row.id, actor=actor,
        field="sharing", old=before, new=f"{row.sharing}:{','.join(row.roles)}",
    )  # fmt: skip
    return _out(row)


def count_dashboards(session: Session) -> int:
    """Return how many dashboards exist (the demo and the home page's counts)."""
    return int(session.scalar(select(func.count()).select_from(Dashboard)) or 0)
