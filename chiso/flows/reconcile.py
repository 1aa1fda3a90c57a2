"""Reconciliation with the national portal: chiso's 766 figures beside the portal's, per agency and metric.

Flows layer: composes chiso.monitoring (the imported portal figures of `portal_import`, the runner's
`compute_from_store`, the qd766 scores of `score766`, the record store's dossiers and the pure
comparison of `monitoring.reconcile`) with the agencies of the store (names, parents for the roll-up).
Serves the page /monitoring/reconcile, its downloads and `chiso monitor reconcile`; also writes the
demo's portal file (chiso's own figures with a few deliberate differences).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.config import get_settings
from chiso.errors import PermissionDenied
from chiso.flows.followup_eval import agency_frame
from chiso.monitoring import reconcile as compare
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.periods import Period, bucket_of, parse_period, split_period
from chiso.monitoring.portal_import import PortalImport, import_portal_files, read_portal_figures
from chiso.monitoring.records.store import read_records
from chiso.monitoring.runner import compute_from_store
from chiso.monitoring.score766 import score_values

EXPLAINED = ("not_synced", "outside_catalogue", "due_dates")
FIGURE_PREFIXES = ("ours_", "portal_", "diff_")


class ExplainingDossier(BaseModel):
    """A chiso dossier that explains a count difference."""

    dossier_id: str
    procedure_code: str
    received_at: datetime
    due_at: datetime | None = None
    finished_at: datetime | None = None
    status: str
    margin_hours: float | None = None


class ReconcileRow(BaseModel):
    """One agency and metric: chiso's figure, the portal's, the difference and its likely reason."""

    agency_code: str
    name: str
    indicator_code: str
    ours_numerator: float | None
    ours_denominator: float | None
    ours_ratio: float | None
    ours_score: float | None
    portal_numerator: float | None
    portal_denominator: float | None
    portal_ratio: float | None
    portal_score: float | None
    diff_numerator: float | None
    diff_denominator: float | None
    reason: str
    reason_vi: str
    reason_en: str
    dossiers: list[ExplainingDossier] = []


class Reconciliation(BaseModel):
    """The reconciliation of one period (page and JSON twin)."""

    period: str | None
    periods: list[str]
    metric: str | None
    metrics: list[str]
    only_differences: bool
    compared: int
    differing: int
    by_reason: dict[str, int]
    unknown_metrics: list[str]
    rows: list[ReconcileRow]


def check_can_reconcile(actor: Actor) -> None:
    """Only the secretariat and leaders (and the system) see the reconciliation and its dossiers."""
    if is_system(actor) or getattr(actor, "role", None) in ("secretariat", "leader"):
        return
    raise PermissionDenied(
        "Chỉ văn phòng thường trực và lãnh đạo xem đối soát với Cổng DVC",
        "Only the secretariat and leaders see the reconciliation with the portal",
    )


def import_portal(paths: list[Path], *, actor: Actor, data_dir: Path | None = None) -> PortalImport:
    """Import the portal's published figures (JSON or Excel), all or nothing (`portal_import`)."""
    check_can_reconcile(actor)
    return import_portal_files(paths, data_dir=data_dir or get_settings().data_dir)


def _as_of(period: Period) -> datetime | None:
    """The cut-off for still-open dossiers: now when the period is not over yet."""
    now = clock.local_now().replace(tzinfo=None, microsecond=0)
    return now if period.end > now.date() else None


def _months(period: Period) -> list[str]:
    return sorted({bucket_of(p.start, "month").label for p in split_period(period, "month")})


def chiso_dossiers(data_dir: Path, period: Period) -> pd.DataFrame:
    """Return chiso's dossiers received in the period with whether their procedure is catalogued."""
    table = read_records("dossiers", data_dir=data_dir, months=_months(period))
    start, end = (
        datetime.combine(period.start, datetime.min.time()),
        datetime.combine(period.end, datetime.min.time()),
    )
    table = table.filter(
        pc.and_(pc.greater_equal(table["received_at"], start), pc.less(table["received_at"], end))
    )
    frame: pd.DataFrame = table.select(
        [c for c in compare.DOSSIER_COLUMNS if c != "in_catalogue"]
    ).to_pandas()
    catalogue = set(
        read_records("procedures", data_dir=data_dir, columns=["procedure_code"])[
            "procedure_code"
        ].to_pylist()
    )
    frame["in_catalogue"] = frame["procedure_code"].isin(catalogue)
    return frame


def _facts(dossiers: pd.DataFrame) -> pd.DataFrame:
    grouped = (
        dossiers.assign(
            unsynced=~dossiers["synced_national"].fillna(False).astype(bool),
            outside_catalogue=~dossiers["in_catalogue"].astype(bool),
        )
        .groupby("agency_code", as_index=False)[["unsynced", "outside_catalogue"]]
        .sum()
    )
    return grouped


def _scores(values: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """chiso's published points of each compared metric (qd766 leaves; others get none)."""
    if values.empty:
        return pd.DataFrame(columns=["agency_code", "indicator_code", "score"])
    table = score_values(values).table
    table = table[table["node_code"].isin(metrics)]
    return pd.DataFrame(
        {
            "agency_code": table["agency_code"].astype(str),
            "indicator_code": table["node_code"].astype(str),
            "score": table["published"].astype(float),
        }
    )


def _dossier_models(frame: pd.DataFrame) -> list[ExplainingDossier]:
    out = []
    for d in frame.to_dict("records"):
        out.append(
            ExplainingDossier(
                dossier_id=str(d["dossier_id"]),
                procedure_code=str(d["procedure_code"]),
                received_at=d["received_at"],
                due_at=None if pd.isna(d["due_at"]) else d["due_at"],
                finished_at=None if pd.isna(d["finished_at"]) else d["finished_at"],
                status=str(d["status"]),
                margin_hours=None if pd.isna(d["margin_hours"]) else float(d["margin_hours"]),
            )
        )
    return out


def compare_period(
    session: Session, *, period: str, data_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Return the comparison table of a period, chiso's dossiers of it and the portal metrics chiso lacks."""
    whole = parse_period(period)
    portal = read_portal_figures(data_dir, period=whole.label)
    known = {m.code: m for m in builtin_metrics()}
    unknown = sorted(set(portal["indicator_code"]) - set(known))
    portal = portal[portal["indicator_code"].isin(known)]
    chosen = [known[c] for c in sorted(set(portal["indicator_code"]))]
    agencies = agency_frame(session, on=min(whole.last_day, clock.today()))
    values = compute_from_store(
        whole,
        data_dir=data_dir,
        metrics=chosen,
        as_of=_as_of(whole),
        agencies=agencies if len(agencies) else None,
    )
    dossiers = chiso_dossiers(data_dir, whole)
    table = compare.reconcile(
        values, portal, scores=_scores(values, [m.code for m in chosen]), facts=_facts(dossiers)
    )
    return table, dossiers, unknown


def _row_model(
    r: dict[Any, Any], dossiers: pd.DataFrame, names: dict[str, str], cutoff: pd.Timestamp, limit: int
) -> ReconcileRow:
    """Return one compared row as the page shows it: names, reason in words, the explaining dossiers."""
    explained: list[ExplainingDossier] = []
    if r["reason"] in EXPLAINED:
        found = compare.explaining_dossiers(
            dossiers, agency_code=r["agency_code"], reason=r["reason"], cutoff=cutoff, limit=limit
        )
        explained = _dossier_models(found)
    vi, en = compare.REASONS[r["reason"]]
    figures = {
        str(k): (None if pd.isna(v) else float(v)) for k, v in r.items() if str(k).startswith(FIGURE_PREFIXES)
    }
    return ReconcileRow(
        agency_code=str(r["agency_code"]),
        name=names.get(str(r["agency_code"]), str(r["agency_code"])),
        indicator_code=str(r["indicator_code"]),
        reason=str(r["reason"]),
        reason_vi=vi,
        reason_en=en,
        dossiers=explained,
        **figures,
    )


def build_reconciliation(
    session: Session,
    *,
    actor: Actor,
    period: str | None = None,
    metric: str | None = None,
    only_differences: bool = False,
    data_dir: Path | None = None,
    dossier_limit: int = 20,
) -> Reconciliation:
    """Compare chiso with the imported portal figures of a period (default: the latest imported).

    Raises:
        PermissionDenied: the actor is neither the secretariat nor a leader.
        InvalidInput: a period that cannot be parsed.
    """
    check_can_reconcile(actor)
    data_dir = data_dir or get_settings().data_dir
    periods = sorted(set(read_portal_figures(data_dir)["period"]))
    label = parse_period(period).label if period else (periods[-1] if periods else None)
    if label is None:
        return Reconciliation(
            period=None,
            periods=[],
            metric=metric,
            metrics=[],
            only_differences=only_differences,
            compared=0,
            differing=0,
            by_reason={},
            unknown_metrics=[],
            rows=[],
        )
    table, dossiers, unknown = compare_period(session, period=label, data_dir=data_dir)
    names = dict(
        zip(*(agency_frame(session, on=clock.today())[c] for c in ("agency_code", "name")), strict=True)
    )
    metrics = sorted(set(table["indicator_code"]))
    shown = table if metric is None else table[table["indicator_code"] == metric]
    by_reason = shown["reason"].value_counts().to_dict()
    if only_differences:
        shown = shown[shown["reason"] != "match"]
    cutoff = pd.Timestamp(
        _as_of(parse_period(label)) or datetime.combine(parse_period(label).end, datetime.min.time())
    )
    rows = [_row_model(r, dossiers, names, cutoff, dossier_limit) for r in shown.to_dict("records")]
    return Reconciliation(
        period=label,
        periods=periods,
        metric=metric,
        metrics=metrics,
        only_differences=only_differences,
        compared=len(table[table["indicator_code"] == metric]) if metric else len(table),
        differing=sum(n for k, n in by_reason.items() if k != "match"),
        by_reason={str(k): int(v) for k, v in by_reason.items()},
        unknown_metrics=unknown,
        rows=rows,
    )


def reconciliation_rows(rec: Reconciliation) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the download's rows and columns: one row per agency and metric, reasons in both languages."""
    columns = [
        "period",
        "agency_code",
        "name",
        "indicator_code",
        "ours_numerator",
        "ours_denominator",
        "ours_ratio",
        "ours_score",
        "portal_numerator",
        "portal_denominator",
        "portal_ratio",
        "portal_score",
        "diff_numerator",
        "diff_denominator",
        "reason",
        "reason_vi",
        "reason_en",
        "dossiers",
    ]
    rows = [
        {
            **r.model_dump(exclude={"dossiers"}),
            "period": rec.period,
            "dossiers": " ".join(d.dossier_id for d in r.dossiers),
        }
        for r in rec.rows
    ]
    return rows, columns


# --- the demo's portal file --------------------------------------------------------------------


def _demo_units(values: pd.DataFrame, dossiers: pd.DataFrame, metric: str) -> list[dict[str, Any]]:
    """chiso's own figures of one metric as the portal would show them, with four deliberate differences."""
    rows = values[(values["indicator_code"] == metric) & (values["denominator"] > 0)].sort_values(
        "agency_code"
    )
    facts = _facts(dossiers).set_index("agency_code")
    unsynced = facts["unsynced"].astype(int).to_dict()
    codes = [str(c) for c in rows["agency_code"]]
    # The agency with the fewest unsynced dossiers gets them left out; the next three in code order get
    # four dossiers chiso "missed", two dossiers judged late, and no row at all.
    some = [c for c in codes if unsynced.get(c, 0) > 0]
    left_out = min(some, key=lambda c: (unsynced[c], c)) if some else None
    missed, late, dropped = ([c for c in codes if c != left_out] + [None, None, None])[:3]
    units = []
    for r in rows.to_dict("records"):
        code, received, on_time = str(r["agency_code"]), int(r["denominator"]), int(r["numerator"])
        if code == left_out and unsynced.get(code, 0):
            received -= unsynced[code]
            on_time = max(0, min(on_time, received))
        elif code == missed:
            received, on_time = received + 4, on_time + 4
        elif code == late and on_time >= 2:
            on_time -= 2
        elif code == dropped:
            continue
        ratio = compare.percent(on_time, received)
        units.append(
            {
                "code": code,
                "received": received,
                "on_time": on_time,
                "ratio": ratio,
                "score": None if ratio is None else round(20 * ratio / 100 + 1e-9, 2),
            }
        )
    units.append(
        {
            "code": "000.00.00.H17",
            "name": "Đơn vị chỉ có trên Cổng",
            "received": 12,
            "on_time": 12,
            "ratio": 100.0,
            "score": 20.0,
        }
    )
    return units


def write_demo_portal_file(session: Session, *, data_dir: Path, month: str) -> Path:
    """Write the portal's TIMELINESS report of a month from chiso's records, with deliberate differences."""
    whole = parse_period(month)
    known = {m.code: m for m in builtin_metrics()}
    values = compute_from_store(whole, data_dir=data_dir, metrics=[known["TIMELINESS"]], as_of=_as_of(whole))
    report = {
        "period": whole.label,
        "indicator": "TIMELINESS",
        "source": "demo: chiso's records, 4 differences",
        "units": _demo_units(values, chiso_dossiers(data_dir, whole), "TIMELINESS"),
    }
    path = data_dir / "portal" / f"demo-portal-{whole.label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    return path


def import_demo_portal(
    session: Session, *, data_dir: Path | None = None, today: date | None = None
) -> PortalImport:
    """Write and import the demo's portal file for the last full month (idempotent)."""
    data_dir = data_dir or get_settings().data_dir
    first = (today or clock.today()).replace(day=1)
    month = (first - timedelta(days=1)).strftime("%Y-%m")
    path = write_demo_portal_file(session, data_dir=data_dir, month=month)
    return import_portal_files([path], data_dir=data_dir)
