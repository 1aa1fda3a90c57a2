"""The ranking as an Excel workbook (xlsxwriter): README, a sheet per group, a sheet of criteria values.

Domain layer (reports room): takes the plain inputs of `chiso.reports.schemas` and returns bytes; every
workbook is written with `chiso.exports.XLSX_OPTIONS`, so text typed by users (an agency named
"=HYPERLINK(...)") stays text and no formula ever runs. Band cells are coloured by conditional
formats in the framework's band order, with the charts' colour-blind-safe palette.
"""

from __future__ import annotations

import io
import re
from typing import Any

import xlsxwriter

from chiso.exports import XLSX_OPTIONS
from chiso.reports.charts import band_colours
from chiso.reports.schemas import AgencyResult, Lang, RankingInput
from chiso.reports.text import band_label, fmt_points, pick, publication_status

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
LABELS = {
    "rank": ("Hạng", "Rank"),
    "interval": ("Khoảng hạng", "Rank interval"),
    "code": ("Mã", "Code"),
    "agency": ("Cơ quan, đơn vị", "Agency"),
    "total": ("Tổng điểm", "Total"),
    "band": ("Xếp loại", "Band"),
    "previous_total": ("Điểm kỳ trước", "Previous total"),
    "points_change": ("Thay đổi điểm", "Change in points"),
    "previous_rank": ("Hạng kỳ trước", "Previous rank"),
    "rank_change": ("Thay đổi hạng", "Change in rank"),
    "status": ("Tình trạng", "Status"),
    "group": ("Nhóm", "Group"),
    "value": ("giá trị", "value"),
    "points": ("điểm", "points"),
    "readme": ("Đọc trước", "README"),
    "criteria": ("Tiêu chí", "Criteria"),
}


def _label(key: str, lang: Lang) -> str:
    vi, en = LABELS[key]
    return pick(vi, en, lang)


def sheet_name(name: str, taken: set[str]) -> str:
    """Return a valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub(" ", name).strip()[:31] or "Sheet"
    out, n = base, 2
    while out.lower() in taken:
        suffix = f" ({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(out.lower())
    return out


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#FFFFFF"


def _readme(book: Any, ranking: RankingInput, lang: Lang, fmt: dict[str, Any], sheets: list[str]) -> None:
    sheet = book.add_worksheet(sheet_name(_label("readme", lang), set()))
    fw, period = ranking.framework, ranking.period
    status = publication_status(ranking, lang)
    bands = "; ".join(
        f"{band_label(b.label_vi, fw.bands, lang)}: "
        + (f"≥ {fmt_points(b.min, fw.decimals, lang)}" if b.min is not None else "")
        + (
            " và "
            if lang == "vi" and b.min is not None and b.max is not None
            else ", "
            if b.min is not None and b.max is not None
            else ""
        )
        + (f"< {fmt_points(b.max, fw.decimals, lang)}" if b.max is not None else "")
        for b in fw.bands
    )
    pillars = "; ".join(
        f"{pick(p.name_vi, p.name_en, lang)} ({fmt_points(p.max_points, fw.decimals, lang)})"
        for p in fw.pillars
    )
    rows = [
        (
            pick("Nội dung", "What", lang),
            f"{pick(fw.name_vi, fw.name_en, lang)} — {pick(period.name_vi, period.name_en, lang)}",
        ),
        (
            pick("Bộ chỉ số", "Framework", lang),
            f"{fw.id} {fw.version}" + (f" ({fw.decision})" if fw.decision else ""),
        ),
        (pick("Tình trạng", "Status", lang), status),
        (pick("Lý do đính chính", "Reason for correction", lang), ranking.reason or "—"),
        (pick("Chỉ số chính (điểm tối đa)", "Pillars (maximum points)", lang), pillars),
        (pick("Xếp loại", "Bands", lang), bands),
        (
            pick("Phương pháp", "Method", lang),
            pick(
                f"Điểm công bố làm tròn {fw.decimals} chữ số thập phân (làm tròn lên từ 5); "
                "xếp hạng trong từng nhóm trên điểm công bố, đồng điểm thì đồng hạng; "
                "thay đổi so với kỳ trước tính cả đơn vị tiền thân (kế thừa, hợp nhất).",
                f"Published points are rounded half up to {fw.decimals} decimals; "
                "ranks are within each group on the published figure, ties share a rank; "
                "changes against the previous period follow lineage (successors, mergers).",
                lang,
            ),
        ),
        (pick("Các trang", "Sheets", lang), ", ".join(sheets)),
    ]
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 110, fmt["wrap"])
    sheet.write(0, 0, pick(fw.name_vi, fw.name_en, lang), fmt["title"])
    for i, (key, value) in enumerate(rows, start=2):
        sheet.write_string(i, 0, key, fmt["bold"])
        sheet.write_string(i, 1, value)


def _row(ranking: RankingInput, a: AgencyResult, lang: Lang) -> list[Any]:
    out: list[Any] = [a.rank]
    if ranking.has_rank_intervals:
        out.append(f"{a.rank_low}–{a.rank_high}" if a.rank_low is not None else None)
    out += [a.agency_code, pick(a.name_vi, a.name_en, lang)]
    out += [a.pillars.get(p.code) for p in ranking.framework.pillars]
    out += [
        a.total,
        band_label(a.band, ranking.framework.bands, lang) or None,
        a.previous_total,
        a.points_change,
        a.previous_rank,
        a.rank_change,
        a.status,
    ]
    return out


def _group_sheet(
    book: Any, ranking: RankingInput, group: Any, name: str, lang: Lang, fmt: dict[str, Any]
) -> None:
    sheet = book.add_worksheet(name)
    fw = ranking.framework
    head = [_label("rank", lang)] + ([_label("interval", lang)] if ranking.has_rank_intervals else [])
    head += [_label("code", lang), _label("agency", lang)]
    head += [
        f"{pick(p.name_vi, p.name_en, lang)} ({fmt_points(p.max_points, fw.decimals, lang)})"
        for p in fw.pillars
    ]
    head += [
        _label(k, lang)
        for k in (
            "total",
            "band",
            "previous_total",
            "points_change",
            "previous_rank",
            "rank_change",
            "status",
        )
    ]
    sheet.write_string(
        0,
        0,
        pick(group.name_vi, group.name_en, lang)
        + " — "
        + pick(ranking.period.name_vi, ranking.period.name_en, lang),
        fmt["title"],
    )
    sheet.set_row(2, 45)  # before the row is written: constant-memory mode flushes rows as it goes
    sheet.write_row(2, 0, head, fmt["head"])
    rows = ranking.group_rows(group.code)
    first_num = head.index(_label("agency", lang)) + 1
    for i, a in enumerate(rows, start=3):
        for j, value in enumerate(_row(ranking, a, lang)):
            if value is None:
                continue
            if isinstance(value, float):
                sheet.write_number(i, j, value, fmt["points"])
            elif isinstance(value, int):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, str(value))
    sheet.freeze_panes(3, first_num)
    sheet.set_column(0, first_num - 2, 10)
    sheet.set_column(first_num - 1, first_num - 1, 42)
    sheet.set_column(first_num, len(head) - 1, 13)
    if rows:
        sheet.autofilter(2, 0, 2 + len(rows), len(head) - 1)
        band_col = head.index(_label("band", lang))
        for label_vi, style in zip([b.label_vi for b in fw.bands], fmt["bands"], strict=True):
            shown = band_label(label_vi, fw.bands, lang).replace('"', '""')
            sheet.conditional_format(
                3,
                band_col,
                2 + len(rows),
                band_col,
                {"type": "cell", "criteria": "==", "value": f'"{shown}"', "format": style},
            )


def _criteria_sheet(book: Any, ranking: RankingInput, lang: Lang, fmt: dict[str, Any], name: str) -> None:
    sheet = book.add_worksheet(name)
    criteria, decimals = ranking.framework.criteria, ranking.framework.decimals
    head = [_label("code", lang), _label("agency", lang), _label("group", lang)]
    for c in criteria:
        head += [
            f"{c.code} {_label('value', lang)}",
            f"{c.code} {_label('points', lang)} (/{fmt_points(c.max_points, decimals, lang)})",
        ]
    sheet.write_row(0, 0, head, fmt["head"])
    sheet.write_row(
        1,
        0,
        ["", "", ""] + [x for c in criteria for x in (pick(c.name_vi, c.name_en, lang), "")],
        fmt["wrap"],
    )
    position = {c.code: 3 + 2 * k for k, c in enumerate(criteria)}
    row = 2
    for g in ranking.groups:
        for a in ranking.group_rows(g.code):
            sheet.write_string(row, 0, a.agency_code)
            sheet.write_string(row, 1, pick(a.name_vi, a.name_en, lang))
            sheet.write_string(row, 2, g.code)
            for result in a.criteria:
                col = position.get(result.code)
                if col is None:
                    continue
                if isinstance(result.value, int | float) and not isinstance(result.value, bool):
                    sheet.write_number(row, col, result.value)
                elif result.value is not None:
                    sheet.write_string(row, col, str(result.value))
                if result.points is not None:
                    sheet.write_number(row, col + 1, result.points, fmt["points"])
            row += 1
    sheet.freeze_panes(2, 2)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 40)
    sheet.set_column(3, len(head) - 1, 12)


def ranking_workbook(ranking: RankingInput, *, lang: Lang = "vi") -> bytes:
    """Write a ranking as an .xlsx workbook and return its bytes.

    Sheets: README (what, when, revision, method), one per group (formats, frozen header, autofilter,
    band colours by conditional format), and the criteria values and points of every agency.
    """
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True, **XLSX_OPTIONS})
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "bold": book.add_format({"bold": True, "valign": "top"}),
        "head": book.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
                "border": 1,
                "bg_color": "#EEEEEE",
            }
        ),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "points": book.add_format(
            {"num_format": "0." + "0" * ranking.framework.decimals}
            if ranking.framework.decimals
            else {"num_format": "0"}
        ),
        "bands": [
            book.add_format({"bg_color": c, "font_color": _text_colour(c)})
            for c in band_colours(len(ranking.framework.bands))
        ],
    }
    taken = {_label("readme", lang).lower()}
    groups = [(g, sheet_name(pick(g.name_vi, g.name_en, lang), taken)) for g in ranking.groups]
    criteria_name = sheet_name(_label("criteria", lang), taken) if ranking.framework.criteria else None
    _readme(book, ranking, lang, fmt, [n for _, n in groups] + ([criteria_name] if criteria_name else []))
    for group, name in groups:
        _group_sheet(book, ranking, group, name, lang, fmt)
    if criteria_name:
        _criteria_sheet(book, ranking, lang, fmt, criteria_name)
    book.close()
    return out.getvalue()
