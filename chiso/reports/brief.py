"""The one-page leader brief for a month of the live 766 index (A4 PDF).

Domain layer (reports room): takes `Index766Month` and returns PDF bytes; nothing from web, flows,
monitoring or assessment. The province's total and six groups against last month, the top and bottom
agencies, the written summary and, when targets are given, who missed them.
"""

from __future__ import annotations

from typing import Any

from chiso.reports.narrative import write_index766_narrative
from chiso.reports.pdf import env, font_faces_css, page_css, render_html, stylesheet
from chiso.reports.schemas import Index766Agency, Index766Month, Lang
from chiso.reports.text import fmt_int, fmt_moment, fmt_points, month_label, pick

TOP = 5
MAX_TARGETS = 8
TEXT = {
    "vi": {
        "heading": "Bản tin chỉ số phục vụ người dân, doanh nghiệp (766)",
        "total": "Điểm toàn tỉnh",
        "change": "So với tháng trước",
        "agencies": "Số đơn vị",
        "groups": "Sáu nhóm chỉ số",
        "group": "Nhóm",
        "now": "Điểm",
        "before": "Tháng trước",
        "delta": "Thay đổi",
        "max": "Tối đa",
        "agency": "Đơn vị",
        "top": "Cao nhất",
        "bottom": "Thấp nhất",
        "targets": "Đơn vị chưa đạt chỉ tiêu",
        "target_name": "Chỉ tiêu",
        "target": "Mục tiêu",
        "actual": "Thực hiện",
        "all_met": "Tất cả đơn vị đạt chỉ tiêu trong tháng.",
    },
    "en": {
        "heading": "Leader brief: service index (Decision 766)",
        "total": "Province total",
        "change": "Against last month",
        "agencies": "Agencies",
        "groups": "The six groups",
        "group": "Group",
        "now": "Points",
        "before": "Last month",
        "delta": "Change",
        "max": "Max",
        "agency": "Agency",
        "top": "Top",
        "bottom": "Bottom",
        "targets": "Targets missed",
        "target_name": "Target",
        "target": "Goal",
        "actual": "Actual",
        "all_met": "Every agency met its targets this month.",
    },
}


def _delta(now: float | None, before: float | None, lang: Lang) -> tuple[str, str]:
    if now is None or before is None:
        return "—", ""
    change = round(now - before, 2)
    return fmt_points(change, 2, lang, signed=True), "up" if change > 0 else "down" if change < 0 else ""


def _agency_rows(rows: list[Index766Agency], lang: Lang) -> list[dict[str, Any]]:
    out = []
    for a in rows:
        delta, css = _delta(a.total, a.previous_total, lang)
        out.append(
            {
                "rank": a.rank or "",
                "name": a.name,
                "total": fmt_points(a.total, 2, lang),
                "delta": delta,
                "css": css,
            }
        )
    return out


def _group_rows(month: Index766Month, lang: Lang) -> list[dict[str, Any]]:
    """Return the six groups of the province: now, last month, change and maximum, as shown."""
    before = month.previous_province
    groups = []
    for g in month.groups:
        now_g = month.province.groups.get(g.code)
        old_g = before.groups.get(g.code) if before else None
        delta, css = _delta(now_g, old_g, lang)
        groups.append(
            {
                "name": pick(g.name_vi, g.name_en, lang),
                "now": fmt_points(now_g, 2, lang),
                "before": fmt_points(old_g, 2, lang),
                "delta": delta,
                "css": css,
                "max": fmt_points(g.max_points, 2, lang),
            }
        )
    return groups


def render_leader_brief_pdf(month: Index766Month, *, lang: Lang = "vi", top: int = TOP) -> bytes:
    """Render the one-page brief of a month of the 766 index and return the PDF bytes.

    Args:
        month: the month (province, groups, agencies, optional targets and last month's figures).
        lang: "vi" (default) or "en".
        top: how many agencies to list at the top and at the bottom.
    """
    t = TEXT[lang]
    before = month.previous_province
    groups = _group_rows(month, lang)
    scored = sorted(
        (a for a in month.agencies if a.total is not None), key=lambda a: (-(a.total or 0), a.agency_code)
    )
    shown = min(top, len(scored) // 2) if len(scored) > top else len(scored)
    blocks = [{"title": t["top"], "rows": _agency_rows(scored[:shown], lang)}]
    if len(scored) > top:
        blocks.append({"title": t["bottom"], "rows": _agency_rows(scored[-shown:], lang)})
    missed = None if month.targets is None else [r for r in month.targets if not r.met]
    targets = (
        None
        if missed is None
        else [
            {
                "agency": r.agency_name,
                "name": r.target_name,
                "target": f"{fmt_points(r.target, 2, lang)}{r.unit}",
                "actual": f"{fmt_points(r.actual, 2, lang)}{r.unit}",
            }
            for r in missed[:MAX_TARGETS]
        ]
    )
    more = len(missed) - MAX_TARGETS if missed and len(missed) > MAX_TARGETS else 0
    change, _css = _delta(month.province.total, before.total if before else None, lang)
    css = "\n".join(
        [
            font_faces_css(),
            page_css("portrait", number_first=True).replace("counter(page)", "''"),
            stylesheet("report.css"),
        ]
    )
    html = env.get_template("brief.html").render(
        title=t["heading"],
        css=css,
        t=t,
        narrative=write_index766_narrative(month, lang=lang).text,
        subtitle=f"{month.province_name} — {month_label(month.period, lang)} · "
        + pick(
            f"số liệu đến {fmt_moment(month.as_of, 'vi')}",
            f"data as of {fmt_moment(month.as_of, 'en')}",
            lang,
        ),
        total=fmt_points(month.province.total, 2, lang),
        change=change,
        previous=month_label(month.previous_period, lang) if month.previous_period else "",
        agency_count=fmt_int(len(month.agencies), lang),
        groups=groups,
        blocks=blocks,
        targets=targets,
        more_targets=pick(f"… và {more} chỉ tiêu khác chưa đạt", f"… and {more} more targets missed", lang)
        if more
        else "",
        footer=pick(
            "Điểm theo Quyết định 766/QĐ-TTg; số liệu trực tuyến, có thể thay đổi đến khi chốt kỳ.",
            "Points as in Decision 766/QĐ-TTg; live figures that may change until the month is closed.",
            lang,
        ),
    )
    return render_html(html)[0]
