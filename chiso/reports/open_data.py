"""Open data: a published ranking (or a month of the 766 index) as a Frictionless Data Package.

Domain layer (reports room): pure functions from the plain inputs of `chiso.reports.schemas` to files
as bytes (`datapackage.json`, CSV and JSON resources); nothing from web, flows or assessment. Names
are stable (ASCII, lower case: the same ranking always gives the same package and file names); CSV
cells go through `chiso.exports.csv_cell`, so text never runs as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from chiso.exports import csv_cell
from chiso.reports.schemas import Index766Month, Licence, RankingInput
from chiso.reports.text import slug

# name, type, Vietnamese and English description, unit
Field = tuple[str, str, str, str, str | None]
PTS = "points"
RANKING_FIELDS: list[Field] = [
    ("period", "string", "Mã kỳ đánh giá", "Assessment period code", None),
    ("group", "string", "Mã nhóm xếp hạng", "Peer group code", None),
    ("group_name", "string", "Tên nhóm", "Peer group name", None),
    ("agency_code", "string", "Mã cơ quan, đơn vị", "Agency code", None),
    ("agency_name", "string", "Tên cơ quan, đơn vị", "Agency name", None),
    (
        "rank",
        "integer",
        "Hạng trong nhóm (đồng điểm thì đồng hạng)",
        "Rank in the group (ties share a rank)",
        None,
    ),
    ("rank_low", "integer", "Hạng cao nhất có thể (khoảng hạng)", "Best plausible rank (interval)", None),
    ("rank_high", "integer", "Hạng thấp nhất có thể (khoảng hạng)", "Worst plausible rank (interval)", None),
    ("total", "number", "Tổng điểm công bố", "Published total", PTS),
    ("max_points", "number", "Tổng điểm tối đa", "Maximum total", PTS),
    ("band", "string", "Xếp loại", "Band", None),
    (
        "previous_total",
        "number",
        "Tổng điểm kỳ trước (kể cả đơn vị tiền thân)",
        "Previous total (through lineage)",
        PTS,
    ),
    (
        "points_change",
        "number",
        "Thay đổi tổng điểm so với kỳ trước",
        "Change in total since the previous period",
        PTS,
    ),
    ("previous_rank", "integer", "Hạng kỳ trước", "Previous rank", None),
    (
        "rank_change",
        "integer",
        "Thay đổi hạng (dương là tăng hạng)",
        "Change in rank (positive: moved up)",
        None,
    ),
    (
        "status",
        "string",
        "Tình trạng: new, continuing, successor, merged",
        "Status: new, continuing, successor, merged",
        None,
    ),
]
PILLAR_FIELDS: list[Field] = [
    ("agency_code", "string", "Mã cơ quan, đơn vị", "Agency code", None),
    ("pillar_code", "string", "Mã chỉ số chính", "Pillar code", None),
    ("pillar_name", "string", "Tên chỉ số chính", "Pillar name", None),
    ("points", "number", "Điểm công bố", "Published points", PTS),
    ("max_points", "number", "Điểm tối đa", "Maximum points", PTS),
    ("previous_points", "number", "Điểm kỳ trước", "Previous points", PTS),
]
CRITERIA_FIELDS: list[Field] = [
    ("agency_code", "string", "Mã cơ quan, đơn vị", "Agency code", None),
    ("criterion_code", "string", "Mã tiêu chí", "Criterion code", None),
    ("pillar_code", "string", "Mã chỉ số chính", "Pillar code", None),
    ("value", "string", "Giá trị báo cáo hoặc tính được", "Reported or computed value", None),
    ("points", "number", "Điểm", "Points", PTS),
    ("max_points", "number", "Điểm tối đa", "Maximum points", PTS),
]
INDEX766_FIELDS: list[Field] = [
    ("period", "string", "Tháng (YYYY-MM)", "Month (YYYY-MM)", None),
    (
        "agency_code",
        "string",
        "Mã cơ quan, đơn vị (PROVINCE: toàn tỉnh)",
        "Agency code (PROVINCE: the whole province)",
        None,
    ),
    ("agency_name", "string", "Tên cơ quan, đơn vị", "Agency name", None),
    ("level", "string", "Cấp", "Level", None),
    ("rank", "integer", "Hạng", "Rank", None),
    ("total", "number", "Điểm chỉ số 766", "766 index points", PTS),
    ("previous_total", "number", "Điểm tháng trước", "Last month's points", PTS),
    ("received", "integer", "Số hồ sơ tiếp nhận", "Dossiers received", "dossiers"),
]


def _schema(fields: Sequence[Field], primary_key: list[str]) -> dict[str, Any]:
    out = []
    for name, kind, vi, en, unit in fields:
        item: dict[str, Any] = {"name": name, "type": kind, "description": vi, "description_en": en}
        if unit:
            item["unit"] = unit
        out.append(item)
    return {"fields": out, "primaryKey": primary_key, "missingValues": [""]}


def _csv(fields: Sequence[Field], rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = [f[0] for f in fields]
    writer.writerow(names)
    for row in rows:
        writer.writerow([csv_cell(row.get(n)) for n in names])
    return buf.getvalue().encode("utf-8")


def _resources(
    name: str, title: str, fields: Sequence[Field], key: list[str], rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """Return the CSV and JSON resources of one table and their files."""
    schema = _schema(fields, key)
    data = {
        f"data/{name}.csv": _csv(fields, rows),
        f"data/{name}.json": json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"),
    }
    resources = []
    for fmt, media, profile in (
        ("csv", "text/csv", "tabular-data-resource"),
        ("json", "application/json", "data-resource"),
    ):
        path = f"data/{name}.{fmt}"
        resources.append(
            {
                "name": name if fmt == "csv" else f"{name}-json",
                "path": path,
                "title": title,
                "profile": profile,
                "format": fmt,
                "mediatype": media,
                "encoding": "utf-8",
                "bytes": len(data[path]),
                "hash": "sha256:" + hashlib.sha256(data[path]).hexdigest(),
                "schema": schema,
            }
        )
    return resources, data


def _package(
    name: str,
    title: str,
    licence: Licence,
    publisher: str,
    created: str,
    version: str,
    tables: list[tuple[str, str, Sequence[Field], list[str], list[dict[str, Any]]]],
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    resources: list[dict[str, Any]] = []
    for table in tables:
        res, data = _resources(*table)
        resources += res
        files.update(data)
    descriptor = {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "version": version,
        "created": created,
        "licenses": [licence.model_dump()],
        "contributors": [{"title": publisher, "role": "publisher"}],
        "keywords": ["chuyển đổi số", "digital transformation", "xếp hạng", "ranking"],
        "resources": resources,
    }
    files["datapackage.json"] = json.dumps(descriptor, ensure_ascii=False, indent=2).encode("utf-8")
    return dict(sorted(files.items()))


def ranking_data_package(ranking: RankingInput, *, licence: Licence, publisher: str) -> dict[str, bytes]:
    """Return a published ranking as a Data Package: `datapackage.json` and `data/*.csv|json` by path.

    Tables: `ranking` (one row per agency), `pillar-points` (agency x pillar) and, when the input has
    criteria, `criteria` (agency x criterion). Figures are the published ones.
    """
    fw, period = ranking.framework, ranking.period
    group_names = {g.code: g.name_vi for g in ranking.groups}
    ordered = [a for g in ranking.groups for a in ranking.group_rows(g.code)]
    rows = [
        {
            "period": period.code,
            "group": a.group,
            "group_name": group_names[a.group],
            "agency_code": a.agency_code,
            "agency_name": a.name_vi,
            "rank": a.rank,
            "rank_low": a.rank_low,
            "rank_high": a.rank_high,
            "total": a.total,
            "max_points": fw.max_points,
            "band": a.band,
            "previous_total": a.previous_total,
            "points_change": a.points_change,
            "previous_rank": a.previous_rank,
            "rank_change": a.rank_change,
            "status": a.status,
        }
        for a in ordered
    ]
    pillars = [
        {
            "agency_code": a.agency_code,
            "pillar_code": p.code,
            "pillar_name": p.name_vi,
            "points": a.pillars.get(p.code),
            "max_points": p.max_points,
            "previous_points": a.previous_pillars.get(p.code),
        }
        for a in ordered
        for p in fw.pillars
    ]
    tables: list[tuple[str, str, Sequence[Field], list[str], list[dict[str, Any]]]] = [
        ("ranking", "Kết quả xếp hạng", RANKING_FIELDS, ["agency_code"], rows),
        ("pillar-points", "Điểm các chỉ số chính", PILLAR_FIELDS, ["agency_code", "pillar_code"], pillars),
    ]
    if fw.criteria:
        parent = {c.code: c.parent_code for c in fw.criteria}
        maxima = {c.code: c.max_points for c in fw.criteria}
        crit = [
            {
                "agency_code": a.agency_code,
                "criterion_code": c.code,
                "pillar_code": parent.get(c.code),
                "value": None if c.value is None else str(c.value),
                "points": c.points,
                "max_points": maxima.get(c.code),
            }
            for a in ordered
            for c in a.criteria
        ]
        tables.append(
            ("criteria", "Điểm các tiêu chí", CRITERIA_FIELDS, ["agency_code", "criterion_code"], crit)
        )
    name = f"{slug(publisher)}-{slug(fw.id)}-{slug(period.code)}"
    created = ranking.published_at.isoformat() if ranking.published_at else ""
    title = f"{fw.name_vi} — {period.name_vi}"
    return _package(name, title, licence, publisher, created, str(ranking.revision), tables)


def index766_data_package(month: Index766Month, *, licence: Licence, publisher: str) -> dict[str, bytes]:
    """Return a month of the 766 index as a Data Package (`index766` for the province and every agency)."""
    group_fields: list[Field] = [
        (g.code.lower(), "number", g.name_vi, g.name_en or g.code, PTS) for g in month.groups
    ]
    province = {
        "period": month.period,
        "agency_code": "PROVINCE",
        "agency_name": month.province_name,
        "level": "PROVINCE",
        "rank": None,
        "total": month.province.total,
        "previous_total": month.previous_province.total if month.previous_province else None,
        "received": None,
        **{g.code.lower(): month.province.groups.get(g.code) for g in month.groups},
    }
    rows = [province] + [
        {
            "period": month.period,
            "agency_code": a.agency_code,
            "agency_name": a.name,
            "level": a.level,
            "rank": a.rank,
            "total": a.total,
            "previous_total": a.previous_total,
            "received": a.received,
            **{g.code.lower(): a.groups.get(g.code) for g in month.groups},
        }
        for a in month.agencies
    ]
    fields = INDEX766_FIELDS + group_fields
    name = f"{slug(publisher)}-qd766-{month.period}"
    title = f"Chỉ số phục vụ người dân, doanh nghiệp (766) — tháng {month.period[5:]}/{month.period[:4]}"
    tables: list[tuple[str, str, Sequence[Field], list[str], list[dict[str, Any]]]] = [
        ("index766", title, fields, ["agency_code"], rows)
    ]
    return _package(name, title, licence, publisher, month.as_of.isoformat(), month.period, tables)


def zip_package(files: dict[str, bytes]) -> bytes:
    """Return the package's files as one zip (fixed timestamps: the same package gives the same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            info = zipfile.ZipInfo(path, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
