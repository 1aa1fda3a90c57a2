"""The commune map (/map): one value per commune-level unit from a published index or the live 766 board,
drawn on the uploaded boundaries or, without them, as a tile grid; and the upload of those boundaries.

Flows layer: composes chiso.units.unit_maps (the units, the stored map, the upload), chiso.flows.reports
(the published ranking, public) and chiso.flows.live (the live board), and keeps the uploaded file by its
content hash as every upload is kept (chiso.assessment.evidence.store_bytes). Nothing is rescored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment.evidence import store_bytes
from chiso.errors import InvalidInput, Problem
from chiso.flows import reports as published
from chiso.flows.live import get_live_board
from chiso.frameworks import load_framework
from chiso.monitoring.live import GROUPS
from chiso.monitoring.score766 import FRAMEWORK_ID
from chiso.reports.schemas import BandInfo
from chiso.units.unit_maps import (
    MapFeatureRow,
    UnitMapInfo,
    accept_unit_map,
    describe_unit_map,
    get_unit_map,
    list_map_units,
)

Source = Literal["index", "live"]
Grouping = Literal["district", "group"]


class Indicator(BaseModel):
    """A figure the map can colour by: a code and its names ("band" colours by band)."""

    code: str
    name_vi: str
    name_en: str = ""


class MapUnitValue(BaseModel):
    """One unit on the map: its value (None: no data), band, rank, where it belongs, and its shape."""

    agency_code: str
    name_vi: str
    name_en: str = ""
    unit_code: str | None
    district: str | None
    group: str | None  # its peer group's code in the published period (None on the live board)
    value: float | None
    band: str | None
    rank: int | None
    scorecard_url: str | None
    path: str | None = None  # its SVG path on the uploaded map (None: not on the map)


class MapPage(BaseModel):
    """The map page and its JSON twin: the values per unit, their scale, and the uploaded map's report."""

    source: Source
    period: str
    periods: list[str]
    indicator: str
    indicators: list[Indicator]
    by: Grouping
    groups: dict[str, str]  # group code -> name (Vietnamese), for the tile grid's headings
    groups_en: dict[str, str]
    bands: list[BandInfo]  # best first
    max_points: float | None
    units: list[MapUnitValue]
    with_data: int
    map: UnitMapInfo | None
    width: float | None
    height: float | None


def _check(value: str, allowed: list[str], field: str) -> None:
    if value not in allowed:
        raise InvalidInput(
            f"Giá trị {value!r} không hợp lệ cho {field}",
            f"{value!r} is not a valid {field}",
            [
                Problem(
                    f"Chọn một trong: {', '.join(allowed)}", f"Pick one of: {', '.join(allowed)}", field=field
                )
            ],
        )


Row = tuple[float | None, str | None, int | None, str | None]  # value, band, rank, group code


@dataclass
class _Figures:
    values: dict[str, Row]
    indicators: list[Indicator]
    bands: list[BandInfo]
    top: float
    period: str
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)


def _index_figures(session: Session, period: str, indicator: str, actor: Actor | None) -> _Figures:
    ranking = published.ranking_input(session, period_code=period, actor=actor)
    info = ranking.framework
    indicators = [Indicator(code="total", name_vi="Tổng điểm", name_en="Total"),
                  Indicator(code="band", name_vi="Xếp loại", name_en="Band")]  # fmt: skip
    indicators += [Indicator(code=p.code, name_vi=p.name_vi, name_en=p.name_en) for p in info.pillars]
    _check(indicator, [i.code for i in indicators], "indicator")
    whole = indicator in ("total", "band")
    values: dict[str, Row] = {
        a.agency_code: (a.total if whole else a.pillars.get(indicator), a.band, a.rank, a.group)
        for a in ranking.agencies
    }
    top = info.max_points if whole else next(p.max_points for p in info.pillars if p.code == indicator)
    groups = {g.code: (g.name_vi, g.name_en or g.name_vi) for g in ranking.groups}
    return _Figures(values, indicators, info.bands, top, period, groups)


def _live_figures(month: str | None, indicator: str) -> _Figures:
    indicators = [Indicator(code="total", name_vi="Tổng điểm 766", name_en="766 total"),
                  Indicator(code="band", name_vi="Xếp loại", name_en="Band")]  # fmt: skip
    indicators += [Indicator(code=code, name_vi=vi, name_en=en) for code, vi, en, _ in GROUPS]
    _check(indicator, [i.code for i in indicators], "indicator")
    board = get_live_board(month)
    whole = indicator in ("total", "band")
    values: dict[str, Row] = {
        r.agency_code: (r.total if whole else r.components.get(indicator), r.band, r.rank, None)
        for r in board.rows
    }
    bands = [BandInfo(code=b.code, label_vi=b.label_vi, label_en=b.label_en or "", min=b.min, max=b.max)
             for b in load_framework(FRAMEWORK_ID).bands]  # fmt: skip
    top = 100.0 if whole else next(float(m) for c, _, _, m in GROUPS if c == indicator)
    return _Figures(values, indicators, bands, top, board.period)


def _scorecard_url(code: str, period: str | None) -> str:
    return f"/agencies/{code}/scorecard" + (f"?period={period}" if period else "")


def get_map_page(
    session: Session,
    *,
    source: Source | None,
    period: str | None,
    indicator: str,
    by: Grouping,
    actor: Actor | None,
) -> MapPage:
    """Return the map of the commune-level units coloured by one figure.

    Args:
        session: an open session.
        source: "index" (a published period's results; default when one is published) or "live"
            (the live 766 board of a month, quarter or year).
        period: the published period code, or the live board's period; None: the latest / this month.
        indicator: "total", "band", a pillar code (index) or a 766 group code (live).
        by: how the tile grid groups the units: "district" (before July 2025) or "group" (published
            periods only; the live board has no groups, so its tiles go by district).
        actor: who reads (drafts are never shown here: only published periods are offered).

    Raises:
        InvalidInput: an unknown indicator, source or period.
        NotFound: no such published period.
    """
    periods = published.published_period_codes(session)
    chosen: Source = source or ("index" if periods else "live")
    if chosen == "index":
        if not periods:
            raise InvalidInput(
                "Chưa có kỳ đánh giá nào được công bố", "No assessment period is published yet"
            )
        code = period or periods[0]
        _check(code, periods, "period")
        figures = _index_figures(session, code, indicator, actor)
    else:
        figures = _live_figures(period, indicator)
    values, shown = figures.values, figures.period
    record = get_unit_map(session)
    paths = record.paths if record is not None else {}
    units = []
    for u in list_map_units(session):
        value, band, rank, group = values.get(u.agency_code, (None, None, None, None))
        units.append(
            MapUnitValue(
                agency_code=u.agency_code, name_vi=u.name_vi, name_en=u.name_en, unit_code=u.unit_code,
                district=u.district, group=group, value=value, band=band, rank=rank,
                scorecard_url=_scorecard_url(u.agency_code, shown if chosen == "index" else None)
                if u.agency_code in values else None,
                path=paths.get(u.agency_code),
            )
        )  # fmt: skip
    return MapPage(
        source=chosen, period=shown, periods=periods, indicator=indicator, indicators=figures.indicators,
        by=by if chosen == "index" else "district", groups={k: v[0] for k, v in figures.groups.items()},
        groups_en={k: v[1] for k, v in figures.groups.items()}, bands=figures.bands, max_points=figures.top,
        units=units,
        with_data=sum(1 for u in units if (u.band if indicator == "band" else u.value) is not None),
        map=describe_unit_map(record) if record is not None else None,
        width=record.width if record is not None else None,
        height=record.height if record is not None else None,
    )  # fmt: skip


def upload_map(
    session: Session, *, data: bytes, filename: str, actor: Actor, max_bytes: int | None = None
) -> tuple[UnitMapInfo, list[MapFeatureRow]]:
    """Check and store a boundary file as the map in use, keeping the original by its content hash.

    Raises:
        PermissionDenied: not the secretariat.
        InvalidInput: the file is not valid or matches no unit (nothing is kept).
    """
    digest = hashlib.sha256(data).hexdigest()
    info, rows = accept_unit_map(
        session, data=data, filename=filename, sha256=digest, actor=actor, max_bytes=max_bytes
    )
    store_bytes(data)
    return info, rows
