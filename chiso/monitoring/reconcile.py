"""Reconcile chiso's 766 figures with the national portal's: the differences, their likely reason, the
dossiers that explain them. Pure: plain tables in, plain tables out; no files, clock or database.

Monitoring layer; imports pandas and chiso.monitoring.records.schema names only. The flows layer
(chiso.flows.reconcile) reads the record store and the imported portal figures and calls these.

A count difference is read in this order (the first that fits is the likely reason):
- the agency is on one side only (`portal_only`, `chiso_only`);
- chiso has fewer dossiers than the portal: dossiers missing from the sync into chiso (`missing_in_chiso`);
- chiso has more: its dossiers not synchronised to the national portal (`not_synced`), else its dossiers of
  procedures outside the national catalogue, which the portal leaves out (`outside_catalogue`), else
  unexplained (`extra_in_chiso`);
- same dossiers, different on-time count: different due dates or holidays (`due_dates`, timeliness),
  different dossier flags (`flags`, the other metrics);
- same counts, different score: the rule or its rounding (`score_only`); otherwise `match`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

REASONS: dict[str, tuple[str, str]] = {
    "match": ("Khớp", "Match"),
    "portal_only": (
        "Đơn vị chỉ có trên Cổng: mã khác hoặc chưa có hồ sơ trong chiso",
        "Agency on the portal only: another code, or no dossiers in chiso",
    ),
    "chiso_only": ("Đơn vị không có trên Cổng", "Agency missing from the portal's figures"),
    "missing_in_chiso": (
        "chiso ít hồ sơ hơn Cổng: hồ sơ chưa đồng bộ về chiso",
        "chiso has fewer dossiers than the portal: dossiers missing from the sync into chiso",
    ),
    "not_synced": (
        "Hồ sơ chưa đồng bộ lên Cổng DVC quốc gia",
        "Dossiers not synchronised to the national portal",
    ),
    "outside_catalogue": (
        "Hồ sơ của thủ tục ngoài danh mục quốc gia (Cổng không tính)",
        "Dossiers of procedures outside the national catalogue (the portal leaves them out)",
    ),
    "extra_in_chiso": (
        "chiso nhiều hồ sơ hơn Cổng, chưa rõ lý do",
        "chiso counts more dossiers, cause unknown",
    ),
    "due_dates": (
        "Cùng số hồ sơ, khác số đúng hạn: ngày hẹn trả hoặc ngày nghỉ khác nhau",
        "Same dossiers, different on-time count: different due dates or holidays",
    ),
    "flags": (
        "Cùng mẫu số, khác tử số: thông tin của hồ sơ khác nhau giữa hai hệ thống",
        "Same denominator, different numerator: the dossiers' flags differ between the systems",
    ),
    "score_only": (
        "Cùng số liệu, khác điểm: quy tắc tính hoặc làm tròn",
        "Same counts, different score: the rule or its rounding",
    ),
}
COLUMNS = [
    "agency_code", "indicator_code",
    "ours_numerator", "ours_denominator", "ours_ratio", "ours_score",
    "portal_numerator", "portal_denominator", "portal_ratio", "portal_score",
    "diff_numerator", "diff_denominator", "reason",
]  # fmt: skip
#: The dossier columns `explaining_dossiers` reads (the flows layer adds `in_catalogue`).
DOSSIER_COLUMNS = [
    "dossier_id", "agency_code", "procedure_code", "received_at", "due_at", "finished_at", "status",
    "synced_national", "in_catalogue",
]  # fmt: skip
SCORE_TOLERANCE = 0.005


def percent(numerator: Any, denominator: Any) -> float | None:
    """Return 100 x numerator / denominator rounded half up to 2 decimals, as the portal publishes it.

    >>> percent(29, 32), percent(1, 0)
    (90.63, None)
    """
    if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator):
        return None
    if float(denominator) <= 0:
        return None
    exact = Decimal(str(float(numerator))) * 100 / Decimal(str(float(denominator)))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _value(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _gap(row: dict[str, Any], figure: str) -> float | None:
    """Return ours_<figure> minus portal_<figure>; None when either side lacks it."""
    ours, portal = _value(row.get(f"ours_{figure}")), _value(row.get(f"portal_{figure}"))
    return None if ours is None or portal is None else ours - portal


def likely_reason(row: dict[str, Any], facts: dict[str, int] | None = None) -> str:
    """Return the likely reason code of one compared row (see the module docstring for the order).

    Args:
        row: a row of `reconcile` (ours_* and portal_* figures; missing sides are None).
        facts: chiso's counts for the agency: ``unsynced`` and ``outside_catalogue`` dossiers.
    """
    facts = facts or {}
    if row.get("_side") == "portal":
        return "portal_only"
    if row.get("_side") == "ours":
        return "chiso_only"
    denominator_gap = _gap(row, "denominator")
    if denominator_gap:  # both sides give it and they differ
        if denominator_gap < 0:
            return "missing_in_chiso"
        if facts.get("unsynced", 0) > 0:
            return "not_synced"
        return "outside_catalogue" if facts.get("outside_catalogue", 0) > 0 else "extra_in_chiso"
    if _gap(row, "numerator"):
        return "due_dates" if row.get("indicator_code") == "TIMELINESS" else "flags"
    if abs(_gap(row, "score") or 0.0) > SCORE_TOLERANCE:
        return "score_only"
    if abs(_gap(row, "ratio") or 0.0) > SCORE_TOLERANCE:
        return "flags"
    return "match"


def reconcile(
    ours: pd.DataFrame,
    portal: pd.DataFrame,
    *,
    scores: pd.DataFrame | None = None,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare chiso's figures with the portal's per agency and metric.

    Args:
        ours: chiso's values (agency_code, indicator_code, numerator, denominator) of one period.
        portal: the portal's figures (agency_code, indicator_code, numerator, denominator, ratio,
            score) of the same period; only the metrics it publishes are compared.
        scores: chiso's published points per (agency_code, indicator_code) in a ``score`` column.
        facts: chiso's counts per agency: ``unsynced``, ``outside_catalogue`` dossiers.

    Returns:
        One row per agency and metric with `COLUMNS`; differences are chiso minus portal, and rows are
        sorted with the largest count difference first.
    """
    metrics = set(portal["indicator_code"])
    mine = ours[ours["indicator_code"].isin(metrics)][
        ["agency_code", "indicator_code", "numerator", "denominator"]
    ]
    mine = mine.groupby(["agency_code", "indicator_code"], as_index=False).sum()
    if scores is not None and len(scores):
        mine = mine.merge(scores[["agency_code", "indicator_code", "score"]], how="left")
    else:
        mine = mine.assign(score=np.nan)
    theirs = portal[["agency_code", "indicator_code", "numerator", "denominator", "ratio", "score"]]
    both = mine.merge(theirs, on=["agency_code", "indicator_code"], how="outer", suffixes=("_o", "_p"),
                      indicator=True)  # fmt: skip
    by_agency: dict[str, dict[str, int]] = {}
    if facts is not None:
        by_agency = {str(k): {str(f): int(v) for f, v in d.items()}
                     for k, d in facts.set_index("agency_code").to_dict("index").items()}  # fmt: skip
    rows = []
    for r in both.to_dict("records"):
        ours_num, ours_den = _value(r["numerator_o"]), _value(r["denominator_o"])
        portal_num, portal_den = _value(r["numerator_p"]), _value(r["denominator_p"])
        if str(r["_merge"]) == "left_only" and not ours_den:
            continue  # no records in chiso and none on the portal: nothing to reconcile
        row: dict[str, Any] = {
            "agency_code": str(r["agency_code"]), "indicator_code": str(r["indicator_code"]),
            "ours_numerator": _value(r["numerator_o"]), "ours_denominator": _value(r["denominator_o"]),
            "ours_ratio": percent(r["numerator_o"], r["denominator_o"]), "ours_score": _value(r["score_o"]),
            "portal_numerator": _value(r["numerator_p"]), "portal_denominator": _value(r["denominator_p"]),
            "portal_ratio": _value(r["ratio"]) if _value(r["ratio"]) is not None
            else percent(r["numerator_p"], r["denominator_p"]),
            "portal_score": _value(r["score_p"]),
            "_side": {"left_only": "ours", "right_only": "portal"}.get(str(r["_merge"]), "both"),
        }  # fmt: skip
        row["diff_numerator"] = _diff(ours_num, portal_num)
        row["diff_denominator"] = _diff(ours_den, portal_den)
        row["reason"] = likely_reason(row, by_agency.get(str(r["agency_code"])))
        rows.append({k: row[k] for k in COLUMNS})
    table = pd.DataFrame(rows, columns=COLUMNS)
    size = table["diff_denominator"].abs().fillna(0) + table["diff_numerator"].abs().fillna(0)
    order = np.lexsort(
        (table["agency_code"].to_numpy(), table["indicator_code"].to_numpy(), -size.to_numpy())
    )
    return table.iloc[order].reset_index(drop=True)


def _diff(ours: float | None, theirs: float | None) -> float | None:
    return None if ours is None or theirs is None else ours - theirs


def explaining_dossiers(
    dossiers: pd.DataFrame, *, agency_code: str, reason: str, cutoff: pd.Timestamp, limit: int = 20
) -> pd.DataFrame:
    """Return chiso's dossiers of the agency that explain a count difference, most telling first.

    `not_synced`: dossiers not synchronised to the portal; `outside_catalogue`: dossiers of procedures
    missing from the catalogue; `due_dates`: the dossiers finished (or still open at ``cutoff``) closest
    to their due date, where a different due date flips on time and late. Other reasons: none.
    Adds ``margin_hours`` for `due_dates` (finished or cut-off minus due; negative is before the due time).
    """
    mine = dossiers[dossiers["agency_code"] == agency_code]
    if reason == "not_synced":
        chosen = mine[~mine["synced_national"].fillna(False).astype(bool)]
    elif reason == "outside_catalogue":
        chosen = mine[~mine["in_catalogue"].fillna(False).astype(bool)]
    elif reason == "due_dates":
        chosen = mine[mine["due_at"].notna()]
    else:
        chosen = mine.iloc[0:0]
    end = pd.to_datetime(chosen["finished_at"]).fillna(cutoff)
    margin = (end - pd.to_datetime(chosen["due_at"])).dt.total_seconds() / 3600
    chosen = chosen.assign(margin_hours=margin.round(1) if reason == "due_dates" else np.nan)
    if reason == "due_dates":
        chosen = chosen.iloc[np.argsort(chosen["margin_hours"].abs().to_numpy(), kind="stable")]
    else:
        chosen = chosen.sort_values("received_at", kind="stable")
    return chosen.head(limit).reset_index(drop=True)
