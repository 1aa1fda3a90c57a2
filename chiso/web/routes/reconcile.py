"""Reconciliation with the national portal: chiso's 766 figures beside the portal's, its JSON twin and
downloads (secretariat and leaders: the page lists dossier ids).

Web layer: each route lets `require("reconcile-portal")` check the role and calls chiso.flows.reconcile;
the chart is drawn from the model's own rows (`_chart`), downloads go through `table_download`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chiso.flows import reconcile as flow
from chiso.web.deps import CurrentActor, DbSession, require
from chiso.web.i18n import register_messages
from chiso.web.pages import page
from chiso.web.rendering import table_download

router = APIRouter()
CHART_ROWS = 12
register_messages(
    {
        "Đối soát với Cổng DVC quốc gia": "Reconciliation with the national portal",
        "Kỳ": "Period",
        "Chỉ số": "Metric",
        "Tất cả": "All",
        "Chỉ dòng khác nhau": "Differences only",
        "Xem": "Show",
        "so sánh": "compared",
        "khác nhau": "differ",
        "Số liệu chiso": "chiso's figure",
        "Số liệu Cổng": "Portal's figure",
        "Chênh lệch": "Difference",
        "Lý do có thể": "Likely reason",
        "Hồ sơ giải thích": "Dossiers that explain it",
        "tiếp nhận": "received",
        "đạt": "met",
        "điểm": "points",
        "Chênh lệch số hồ sơ (chiso - Cổng)": "Difference in counts (chiso - portal)",
        "mẫu số": "denominator",
        "tử số": "numerator",
        "Chưa nhập số liệu Cổng DVC. Dùng: chiso monitor import-portal TỆP": (
            "No portal figures imported yet. Use: chiso monitor import-portal FILE"
        ),
        "Cổng có thêm chỉ số chiso chưa tính": "The portal publishes metrics chiso does not compute",
        "giờ so với hạn": "hours from the due time",
    }
)


def _chart(request: Request, rec: flow.Reconciliation) -> dict[str, Any]:
    """Bars of the largest count differences (denominator and numerator), scaled to the widest."""
    rows = [r for r in rec.rows if (r.diff_denominator or 0) or (r.diff_numerator or 0)][:CHART_ROWS]
    widest = max([abs(v or 0) for r in rows for v in (r.diff_denominator, r.diff_numerator)] + [1.0])
    bars = [
        {"label": f"{r.agency_code} · {r.indicator_code}", "den": r.diff_denominator or 0,
         "num": r.diff_numerator or 0, "den_w": 45 * abs(r.diff_denominator or 0) / widest,
         "num_w": 45 * abs(r.diff_numerator or 0) / widest}
        for r in rows
    ]  # fmt: skip
    return {"bars": bars}


@page(router, "/monitoring/reconcile", template="monitoring/reconcile.html", action="reconcile-portal",
      name="rec", block="reconcile", context=_chart, tags=["monitoring"])  # fmt: skip
def reconcile_page(
    db: DbSession,
    actor: CurrentActor,
    period: Annotated[str | None, Query()] = None,
    metric: Annotated[str | None, Query()] = None,
    differences: Annotated[bool, Query()] = False,
) -> flow.Reconciliation:
    """Show chiso's 766 figures beside the portal's per agency and metric, with the likely reasons."""
    return flow.build_reconciliation(
        db, actor=actor, period=period or None, metric=metric or None, only_differences=differences
    )


@router.get("/monitoring/reconcile.{fmt}", dependencies=[require("reconcile-portal")], tags=["monitoring"])
def reconcile_download(
    db: DbSession,
    actor: CurrentActor,
    fmt: Literal["csv", "xlsx"],
    period: Annotated[str | None, Query()] = None,
    metric: Annotated[str | None, Query()] = None,
    differences: Annotated[bool, Query()] = False,
) -> Response:
    """Download the reconciliation as CSV or Excel: a row per agency and metric, reasons in both languages."""
    rec = flow.build_reconciliation(
        db, actor=actor, period=period or None, metric=metric or None, only_differences=differences
    )
    rows, columns = flow.reconciliation_rows(rec)
    return table_download(rows, columns, filename=f"doi-soat-cong-dvc-{rec.period or 'trong'}", fmt=fmt)
