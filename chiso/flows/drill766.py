"""The live 766 drill-down pages: province -> group of metrics -> agency -> metric -> procedure -> dossiers.

Flows layer: every level is one `Drill` (the page model and its JSON twin), built from the period's
`DrillCube` (chiso.flows.drill766_cube: every agency's scored 766 tree, kept per period) and, for the
procedures and dossiers behind a rate, its compiled per-agency queries (chiso.monitoring.drilldown).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode

import pandas as pd
from pydantic import BaseModel

from chiso.clock import LocalDatetime
from chiso.errors import NotFound
from chiso.flows.drill766_cube import PROVINCE, PROVINCE_NAME, DrillCube, get_cube, tree
from chiso.monitoring.metrics import get_metric

SHOWN = 200  # rows of a long list shown on the page; the CSV has them all
Level = Literal["province", "group", "agency", "metric", "procedure"]


class Crumb(BaseModel):
    """One step of the breadcrumb."""

    label_vi: str
    label_en: str
    url: str


class DrillChild(BaseModel):
    """One row of a level (a group, an agency, a metric or a procedure) and its figures; null is no data."""

    code: str
    name_vi: str
    name_en: str
    kind: str | None = None
    points: float | None = None
    max_points: float | None = None
    rank: int | None = None
    band: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    value: float | None = None
    missed: int | None = None
    """Dossiers in the denominator but not in the numerator (e.g. the late ones); null when not dossiers."""
    url: str | None = None


class DossierRow(BaseModel):
    """A dossier behind a rate, times in the province's zone; `counted` = in the numerator."""

    dossier_id: str
    procedure_code: str
    received_at: LocalDatetime
    due_at: LocalDatetime | None
    finished_at: LocalDatetime | None
    status: str
    counted: bool


class Drill(BaseModel):
    """One level of the drill-down (the page and its JSON twin)."""

    level: Level
    period: str
    period_kind: str
    as_of: LocalDatetime
    crumbs: list[Crumb]
    code: str
    name_vi: str
    name_en: str
    points: float | None = None
    max_points: float | None = None
    band: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    value: float | None = None
    child_kind: str | None = None
    children: list[DrillChild] = []
    children_total: int = 0
    kinds: list[str] = []
    kind: str | None = None
    search: str | None = None
    dossiers: list[DossierRow] | None = None
    dossiers_total: int = 0
    show: Literal["missed", "all"] = "missed"
    download: str = ""


# ---------------------------------------------------------------------------------------------
# the levels


def drill_url(period: str, *parts: str, **query: str | None) -> str:
    """Return the URL of a level: /monitoring/drill/{group}/{agency}/{metric}/{procedure}?period=..."""
    path = "/monitoring/drill" + "".join("/" + quote(p, safe="") for p in parts)
    params = {"period": period, **{k: v for k, v in query.items() if v}}
    return f"{path}?{urlencode(params)}"


def _group_node(code: str) -> Any:
    node = next((g for g in tree() if g.code == code), None)
    if node is None:
        raise NotFound(
            f"Không có nhóm chỉ số {code} trong Bộ chỉ số 766", f"No metric group {code} in the 766 index"
        )
    return node


def _agency_name(cube: DrillCube, code: str) -> str:
    if code not in cube.names:
        raise NotFound(
            f"Không có cơ quan {code} trên bảng giám sát kỳ {cube.period.label}",
            f"No agency {code} on the live board of {cube.period.label}",
        )
    return cube.names[code]


def _crumbs(cube: DrillCube, *parts: str) -> list[Crumb]:
    p = cube.period.label
    out = [Crumb(label_vi=PROVINCE_NAME[0], label_en=PROVINCE_NAME[1], url=drill_url(p))]
    if parts:
        g = _group_node(parts[0])
        out.append(Crumb(label_vi=g.name_vi, label_en=g.name_en or g.name_vi, url=drill_url(p, parts[0])))
    if len(parts) > 1:
        name = _agency_name(cube, parts[1])
        out.append(Crumb(label_vi=name, label_en=name, url=drill_url(p, *parts[:2])))
    if len(parts) > 2:
        m = _leaf(parts[0], parts[2])
        out.append(Crumb(label_vi=m.name_vi, label_en=m.name_en or m.name_vi, url=drill_url(p, *parts[:3])))
    if len(parts) > 3:
        name = cube.procedures.get(parts[3], parts[3])
        out.append(Crumb(label_vi=name, label_en=name, url=drill_url(p, *parts[:4])))
    return out


def _base(
    cube: DrillCube, level: Level, code: str, name_vi: str, name_en: str, *parts: str
) -> dict[str, Any]:
    return {
        "level": level, "period": cube.period.label, "period_kind": cube.period.kind, "as_of": cube.as_of,
        "crumbs": _crumbs(cube, *parts), "code": code, "name_vi": name_vi, "name_en": name_en,
    }  # fmt: skip


def get_province(period_text: str | None = None, *, url: str | None = None) -> Drill:
    """Return the drill root: the province's 766 total and its six groups (bars per group)."""
    cube = get_cube(period_text, url=url)
    p = cube.period.label
    total = cube.points.get((PROVINCE, "TOTAL"), (None, 100.0, None, None))
    children = [
        DrillChild(
            code=g.code,
            name_vi=g.name_vi,
            name_en=g.name_en or g.name_vi,
            points=cube.points.get((PROVINCE, g.code), (None,))[0],
            max_points=g.max_points,
            url=drill_url(p, g.code),
        )  # fmt: skip
        for g in tree()
    ]
    return Drill(
        **_base(cube, "province", PROVINCE, *PROVINCE_NAME), points=total[0], max_points=total[1],
        band=total[3], child_kind="group", children=children, children_total=len(children),
        download=drill_url(p).replace("/monitoring/drill?", "/monitoring/drill.csv?"),
    )  # fmt: skip


def get_group(
    group: str, period_text: str | None = None, *, kind: str | None = None, search: str | None = None,
    url: str | None = None,
) -> Drill:  # fmt: skip
    """Return a group of metrics: every agency's points in it, weakest first (no data last)."""
    cube = get_cube(period_text, url=url)
    node = _group_node(group)
    p = cube.period.label
    needle = (search or "").strip().casefold()
    codes = [
        code for code in cube.weakest_first(group)
        if not (kind and cube.kinds.get(code) != kind)
        and not (needle and needle not in code.casefold() and needle not in cube.names[code].casefold())
    ]  # fmt: skip
    rows = [_agency_row(cube, group, node, code) for code in codes[:SHOWN]]
    own = cube.points.get((PROVINCE, group), (None, node.max_points, None, None))
    return Drill(
        **_base(cube, "group", group, node.name_vi, node.name_en or node.name_vi, group),
        points=own[0], max_points=own[1] if own[1] is not None else node.max_points, child_kind="agency",
        children=rows, children_total=len(codes), kind=kind or None, search=needle or None,
        kinds=sorted({k for c, k in cube.kinds.items() if c != PROVINCE}),
        download=f"/monitoring/drill.csv?{urlencode({'period': p, 'group': group})}",
    )  # fmt: skip


def _agency_row(cube: DrillCube, group: str, node: Any, code: str) -> DrillChild:
    name = cube.names[code]
    pts, top, rank, _ = cube.points.get((code, group), (None, node.max_points, None, None))
    return DrillChild(code=code, name_vi=name, name_en=name, kind=cube.kinds.get(code), points=pts,
                      max_points=top, rank=rank, url=drill_url(cube.period.label, group, code))  # fmt: skip


def _leaf(group: str, metric: str) -> Any:
    node = next((leaf for leaf in _group_node(group).children if leaf.code == metric), None)
    if node is None:
        raise NotFound(
            f"Không có chỉ số {metric} trong nhóm {group}", f"No metric {metric} in the group {group}"
        )
    return node


def _on_dossiers(code: str) -> bool:
    try:
        return get_metric(code).source == "dossiers"
    except Exception:  # a framework leaf without a metric of the same code (fixed points)
        return False


def get_agency(group: str, agency: str, period_text: str | None = None, *, url: str | None = None) -> Drill:
    """Return one agency in a group of metrics: each metric's counts, rate, points and missed dossiers."""
    cube = get_cube(period_text, url=url)
    node = _group_node(group)
    name = _agency_name(cube, agency)
    p = cube.period.label
    rows = []
    for leaf in node.children:
        num, den, value = cube.counts.get((agency, leaf.code), (None, None, None))
        pts = cube.points.get((agency, leaf.code), (None, leaf.max_points, None, None))
        dossiers = _on_dossiers(leaf.code)
        rows.append(DrillChild(
            code=leaf.code, name_vi=leaf.name_vi, name_en=leaf.name_en or leaf.name_vi, points=pts[0],
            max_points=leaf.max_points, numerator=num, denominator=den, value=value,
            missed=(den - num) if dossiers and num is not None and den is not None else None,
            url=drill_url(p, group, agency, leaf.code) if dossiers else None,
        ))  # fmt: skip
    own = cube.points.get((agency, group), (None, node.max_points, None, None))
    return Drill(
        **_base(cube, "agency", agency, name, name, group, agency), points=own[0], max_points=node.max_points,
        band=cube.points.get((agency, "TOTAL"), (None, None, None, None))[3], child_kind="metric",
        children=rows, children_total=len(rows), kind=cube.kinds.get(agency),
        download=f"/monitoring/drill.csv?{urlencode({'period': p, 'group': group, 'agency': agency})}",
    )  # fmt: skip


def _dossier_rows(frame: pd.DataFrame, show: str) -> tuple[list[DossierRow], int]:
    cube_epoch = datetime(1970, 1, 1)  # never used: received_at is required in the record store
    if show == "missed":
        frame = frame[~frame["in_numerator"]]
    rows = [
        DossierRow(
            dossier_id=str(r.dossier_id),
            procedure_code=str(r.procedure_code),
            received_at=_time(r.received_at) or cube_epoch,
            due_at=_time(r.due_at),
            finished_at=_time(r.finished_at),
            status=str(r.status),
            counted=bool(r.in_numerator),
        )  # fmt: skip
        for r in frame.head(SHOWN).itertuples(index=False)
    ]
    return rows, len(frame)


def _time(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def metric_dossiers(cube: DrillCube, agency: str, metric: str, procedure: str | None = None) -> pd.DataFrame:
    """Return the dossiers of an agency's subtree behind a metric (one procedure's when given)."""
    frame = cube.queries.dossiers(cube.subtree(agency), metric)
    return frame[frame["procedure_code"] == procedure] if procedure is not None else frame


def get_metric_drill(
    group: str, agency: str, metric: str, period_text: str | None = None, *, show: str = "missed",
    url: str | None = None,
) -> Drill:  # fmt: skip
    """Return an agency's metric per procedure (its rate's parts) and the dossiers it missed (or all)."""
    cube = get_cube(period_text, url=url)
    leaf = _leaf(group, metric)
    name = _agency_name(cube, agency)
    p = cube.period.label
    parts, listed = cube.queries.explain(cube.subtree(agency), metric)
    per = parts.groupby("procedure_code", as_index=False)[["numerator", "denominator"]].sum()
    rows = [
        DrillChild(
            code=str(code),
            name_vi=cube.procedures.get(str(code), str(code)),
            name_en=cube.procedures.get(str(code), str(code)),
            numerator=int(num),
            denominator=int(den),
            value=num / den if den else None,
            missed=int(den - num),
            url=drill_url(p, group, agency, metric, str(code)),
        )  # fmt: skip
        for code, num, den in zip(per["procedure_code"], per["numerator"], per["denominator"], strict=True)
    ]
    rows.sort(key=lambda r: (-(r.missed or 0), r.code))
    num, den, value = cube.counts.get((agency, metric), (None, None, None))
    dossiers, count = _dossier_rows(listed, show)
    return Drill(
        **_base(cube, "metric", metric, leaf.name_vi, leaf.name_en or leaf.name_vi, group, agency, metric),
        points=cube.points.get((agency, metric), (None,))[0], max_points=leaf.max_points, numerator=num,
        denominator=den, value=value, child_kind="procedure", children=rows[:SHOWN],
        children_total=len(rows), dossiers=dossiers, dossiers_total=count,
        show="all" if show == "all" else "missed", kind=name,
        download="/monitoring/drill-dossiers.csv?"
        + urlencode({"period": p, "group": group, "agency": agency, "metric": metric}),
    )  # fmt: skip


def get_procedure_drill(
    group: str, agency: str, metric: str, procedure: str, period_text: str | None = None, *,
    show: str = "all", url: str | None = None,
) -> Drill:  # fmt: skip
    """Return the dossiers of one procedure behind an agency's metric, the missed ones marked."""
    cube = get_cube(period_text, url=url)
    _leaf(group, metric)
    name = _agency_name(cube, agency)
    p = cube.period.label
    frame = metric_dossiers(cube, agency, metric, procedure)
    den, num = len(frame), int(frame["in_numerator"].sum())  # no dossier: an empty list, rate null
    dossiers, count = _dossier_rows(frame, show)
    title = cube.procedures.get(procedure, procedure)
    query = {"period": p, "group": group, "agency": agency, "metric": metric, "procedure": procedure}
    return Drill(
        **_base(cube, "procedure", procedure, title, title, group, agency, metric, procedure),
        numerator=num, denominator=den, value=num / den if den else None, dossiers=dossiers,
        dossiers_total=count,
        show="missed" if show == "missed" else "all", kind=name,
        download=f"/monitoring/drill-dossiers.csv?{urlencode(query)}",
    )  # fmt: skip


def drill_table(
    period_text: str | None, *, group: str | None = None, agency: str | None = None,
    metric: str | None = None, procedure: str | None = None, url: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:  # fmt: skip
    """Return a level's whole table for download (every row, every dossier): its file name and rows."""
    cube = get_cube(period_text, url=url)
    p = cube.period.label
    if group and agency and metric:
        frame = metric_dossiers(cube, agency, metric, procedure)
        rows = [
            {
                "period": p,
                "agency_code": agency,
                "indicator_code": metric,
                "dossier_id": r.dossier_id,
                "procedure_code": r.procedure_code,
                "received_at": _stamp(r.received_at),
                "due_at": _stamp(r.due_at),
                "finished_at": _stamp(r.finished_at),
                "status": r.status,
                "counted": bool(r.in_numerator),
            }  # fmt: skip
            for r in frame.itertuples(index=False)
        ]
        return f"ho-so-{p}-{agency}-{metric}", rows
    if group and agency:
        drill = get_agency(group, agency, p, url=url)
    elif group:
        drill = get_group(group, p, url=url)
        drill.children = [c for c in _all_children(drill, cube, group)]
    else:
        drill = get_province(p, url=url)
    rows = [
        {
            "period": p,
            "level": drill.level,
            "parent": drill.code,
            "code": c.code,
            "name": c.name_vi,
            "kind": c.kind,
            "points": c.points,
            "max_points": c.max_points,
            "numerator": c.numerator,
            "denominator": c.denominator,
            "value": c.value,
            "missed": c.missed,
        }  # fmt: skip
        for c in drill.children
    ]
    return f"chi-tiet-766-{p}-{drill.code}", rows


def _all_children(drill: Drill, cube: DrillCube, group: str) -> list[DrillChild]:
    if drill.children_total <= len(drill.children):
        return drill.children
    node = _group_node(group)
    return [_agency_row(cube, group, node, code) for code in cube.weakest_first(group)]


def _stamp(value: Any) -> str:
    moment = _time(value)
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")
