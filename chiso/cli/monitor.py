"""`chiso monitor ...`: thin commands over the monitoring services and the integrator tokens; CLI layer."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from chiso.accounts.actors import SYSTEM
from chiso.accounts.tokens import create_token, list_tokens, revoke_token
from chiso.cli.common import console, guarded, print_json, progress_bar
from chiso.config import get_settings
from chiso.errors import InvalidInput
from chiso.exports import XLSX_OPTIONS, csv_cell
from chiso.flows import live_history
from chiso.flows import reconcile as reconcile_flow
from chiso.monitoring.compute.backend import ENGINES, Engine
from chiso.monitoring.custom import load_custom_metrics
from chiso.monitoring.drilldown import get_drilldown
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.metrics import builtin_metrics
from chiso.monitoring.periods import PeriodKind
from chiso.monitoring.records.readers import write_rejects
from chiso.monitoring.runner import compute_from_store
from chiso.monitoring.score766 import FORMATS, read_agencies, score766_files, write_table
from chiso.store import session_scope

app = typer.Typer(help="monitor", no_args_is_help=True)


# --- metrics: compute and score766 (monitoring metrics engineer) ---------------------------------


@app.command("compute")
@guarded
def compute_command(
    period: str = typer.Option(..., "--period", help="YYYY-Www, YYYY-MM, YYYY-Qn, YYYY or a range a..b."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    by: str = typer.Option("", "--by", help="Split the period: week, month, quarter or year."),
    out: Path = typer.Option(..., "--out", help="Output file: .csv, .parquet, .json or .xlsx."),
    custom: Path | None = typer.Option(None, "--custom", help="YAML file of the province's own metrics."),
    agencies: Path | None = typer.Option(None, "--agencies", help="agencies.csv for roll-up to parents."),
    spark_master: str | None = typer.Option(None, "--spark-master", help="Spark master (default local[2])."),
) -> None:
    """Compute every 766 metric per agency and period from the record store."""
    metrics = builtin_metrics() + (load_custom_metrics(custom) if custom else [])
    started = time.perf_counter()
    with console.status("Đang tính / computing ..."):
        values = compute_from_store(
            period,
            data_dir=get_settings().data_dir,
            engine=_engine(engine),
            by=_by(by),
            metrics=metrics,
            agencies=read_agencies(agencies) if agencies else None,
            spark_master=spark_master,
        )
    write_table(values, out)
    console.print(
        f"{values['agency_code'].nunique()} cơ quan/agencies x {values['period'].nunique()} kỳ/periods x "
        f"{len(metrics)} chỉ số/metrics -> {out} ({time.perf_counter() - started:.1f} s)"
    )


@app.command("score766")
@guarded
def score766_command(
    dossiers: list[Path] = typer.Option(..., "--dossiers", help="Dossier file(s): CSV, JSON lines, Parquet."),
    period: str = typer.Option(..., "--period", help="YYYY-MM, YYYY-Qn or YYYY (or any compute period)."),
    out: Path = typer.Option(..., "--out", help="Output file: .csv, .parquet, .json or .xlsx."),
    petitions: list[Path] = typer.Option([], "--petitions", help="Petition file(s)."),
    procedures: list[Path] = typer.Option([], "--procedures", help="Procedure catalogue file(s)."),
    agencies: Path | None = typer.Option(
        None, "--agencies", help="agencies.csv: agency_code, name, parent_code, level."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    fmt: str = typer.Option("", "--format", help="csv, json, parquet or xlsx (default: from --out)."),
    by_procedure: Path | None = typer.Option(
        None, "--by-procedure", help="Also write each dossier metric per agency and procedure to this file."
    ),
) -> None:
    """Score the Decision 766 index of one period from record files alone (no database).

    One row per agency and metric, per group total (indicator_code = the group code) and TOTAL;
    a metric without data (zero denominator) is an empty cell, JSON null.
    """
    chosen = _format(fmt)
    with console.status("Đang tính / computing ..."):
        report = score766_files(
            dossiers=dossiers,
            petitions=petitions,
            procedures=procedures,
            agencies=agencies,
            period=period,
            engine=_engine(engine),
            by_procedure=by_procedure is not None,
        )
    write_table(report.table, out, fmt=chosen)
    read = ", ".join(f"{k} {v}" for k, v in report.rows_read.items())
    console.print(f"Đã đọc / read: {read}; {len(report.table)} dòng/rows -> {out}")
    if by_procedure is not None and report.by_procedure is not None:
        write_table(report.by_procedure, by_procedure, fmt=chosen)
        console.print(f"Theo thủ tục / by procedure: {len(report.by_procedure)} dòng/rows -> {by_procedure}")
    if report.rejects:
        path = write_rejects(report.rejects, out.with_name(out.stem + ".rejects.csv"))
        console.print(f"[yellow]{len(report.rejects)} ô lỗi bị loại / bad cells rejected -> {path}[/]")


@app.command("drilldown")
@guarded
def drilldown_command(
    period: str = typer.Option(..., "--period", help="YYYY-MM, YYYY-Qn, YYYY or any compute period."),
    agency: str = typer.Option(..., "--agency", help="The agency whose figures to open."),
    metric: str | None = typer.Option(None, "--metric", help="One dossier metric (default: every one)."),
    procedure: str | None = typer.Option(
        None, "--procedure", help="With --metric: list that procedure's dossiers."
    ),
    out: Path | None = typer.Option(None, "--out", help="Output file: .csv, .parquet, .json or .xlsx."),
    fmt: str = typer.Option("", "--format", help="csv, json, parquet or xlsx (default: from --out)."),
) -> None:
    """Show which procedures (or dossiers) make an agency's dossier figures, from the record store."""
    table = get_drilldown(period, data_dir=get_settings().data_dir, agency_code=agency,
                          indicator_code=metric, procedure_code=procedure)  # fmt: skip
    if out is not None:
        write_table(table, out, fmt=_format(fmt))
        console.print(f"{len(table)} dòng/rows -> {out}")
    elif _format(fmt) == "json":
        print_json(json.loads(table.to_json(orient="records", force_ascii=False, date_format="iso")))
    else:
        console.print(table.to_string(index=False, na_rep="—"))


def _engine(name: str) -> Engine:
    for engine in ENGINES:
        if engine == name.strip().lower():
            return engine
    raise InvalidInput(f"Không có engine '{name}' (duckdb, spark)", f"Unknown engine '{name}'")


def _format(name: str) -> str | None:
    if not name:
        return None
    if name.strip().lower() not in FORMATS:
        raise InvalidInput(
            f"--format '{name}' không hợp lệ ({', '.join(FORMATS)})",
            f"--format '{name}': use {', '.join(FORMATS)}",
        )
    return name.strip().lower()


def _by(name: str) -> PeriodKind | None:
    kinds: dict[str, PeriodKind] = {"week": "week", "month": "month", "quarter": "quarter", "year": "year"}
    if not name:
        return None
    if name.strip().lower() not in kinds:
        raise InvalidInput(f"--by '{name}' không hợp lệ", f"--by '{name}': week, month, quarter or year")
    return kinds[name.strip().lower()]


# --- records: ingest and integrator tokens (monitoring records engineer) -------------------------

token_app = typer.Typer(help="Manage integrator tokens for the record API.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@app.command("ingest")
@guarded
def ingest_command(
    files: list[Path] = typer.Argument(..., help="CSV, JSON-lines or Parquet record files."),
    kind: str | None = typer.Option(
        None, "--kind", help="dossiers, procedures or petitions (default: guessed from the columns)."
    ),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Folder for reject files (default <data>/rejects)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Ingest record files into the record store: bad rows to a reject file, all or nothing."""
    with progress_bar(disable=as_json, transient=False, elapsed=False) as bar:
        tasks = {
            "read": bar.add_task("Đọc, kiểm tra / read, validate", total=len(files)),
            "store": bar.add_task("Lưu / store", total=len(files)),
        }

        def progress(step: str, done: int, total: int) -> None:
            bar.update(tasks[step], completed=done, total=total)

        report = ingest_files(
            files, data_dir=get_settings().data_dir, kind=kind, reject_dir=rejects, progress=progress
        )
    if as_json:
        print_json(report.to_dict(max_rejects=0))
        return
    for f in report.files:
        line = (
            f"{f.source} ({f.kind}): đọc/read {f.rows_read}, lưu/stored {f.stored} "
            f"(mới/new {f.new}, thay/replaced {f.replaced}), không đổi/unchanged {f.unchanged}, "
            f"lỗi/rejected {f.rejected}"
        )
        console.print(line, highlight=False)
        if f.reject_file:
            console.print(f"  [yellow]dòng lỗi / rejected rows -> {f.reject_file}[/]", highlight=False)
        for w in f.warnings:
            console.print(f"  [dim]{w}[/]", highlight=False)
    months = report.affected_months()
    console.print(
        f"Tháng bị ảnh hưởng / affected months: {', '.join(months) or '-'} ({report.seconds:.2f} s)"
    )


@token_app.command("create")
@guarded
def token_create_command(
    name: str = typer.Argument(..., help="Name of the integrating system."),
    kinds: str = typer.Option(
        "", "--kinds", help="Record kinds it may push, comma-separated (default: all)."
    ),
    agency: str = typer.Option(
        "", "--agency", help="Agency code: only records of it and the agencies under it."
    ),
    rate: int = typer.Option(60, "--rate", help="Requests allowed per minute."),
) -> None:
    """Create an integrator token and print it once (only its hash is kept)."""
    with session_scope() as session:
        row, secret = create_token(
            session, name=name, record_kinds=[k for k in kinds.split(",") if k.strip()] or None,
            agency_root=agency or None, rate_per_minute=rate,
        )  # fmt: skip
        label = row.name
    console.print(f"Token cho / for {label} (chỉ hiện một lần / shown once):", highlight=False)
    console.print(secret, highlight=False, soft_wrap=True)
    console.print("Dùng / use: Authorization: Bearer <token>  POST /api/records/<kind>", highlight=False)


@token_app.command("list")
@guarded
def token_list_command() -> None:
    """List integrator tokens with their creation, last use and revocation."""
    with session_scope() as session:
        for t in list_tokens(session):
            state = f"thu hồi/revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "hoạt động/active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
            console.print(f"{t.name}\t{t.token_prefix}…\t{state}\tdùng/used {used}", highlight=False)


@token_app.command("revoke")
@guarded
def token_revoke_command(name: str = typer.Argument(..., help="Name of the token to revoke.")) -> None:
    """Revoke an integrator token; requests with it are refused from now on."""
    with session_scope() as session:
        revoke_token(session, name=name)
    console.print(f"Đã thu hồi / revoked: {name}", highlight=False)


# --- reconciliation with the national portal (bridge-reconcile) ---------------------------------


@app.command("import-portal")
@guarded
def import_portal_command(
    files: list[Path] = typer.Argument(..., help="The portal's published figures: .json or .xlsx files."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import the national portal's published 766 figures, all or nothing (run twice: nothing changes)."""
    report = reconcile_flow.import_portal(files, actor=SYSTEM)
    if as_json:
        print_json(report.to_dict())
        return
    for name, rows in report.files.items():
        console.print(f"{name}: {rows} dòng/rows", highlight=False)
    console.print(
        f"Mới/new {report.new}, thay/replaced {report.replaced}, không đổi/unchanged {report.unchanged}; "
        f"kỳ/periods {', '.join(report.periods) or '-'}",
        highlight=False,
    )


@app.command("reconcile")
@guarded
def reconcile_command(
    period: str = typer.Option(
        "", "--period", help="YYYY-MM, YYYY-Qn or YYYY (default: the latest imported)."
    ),
    metric: str = typer.Option("", "--metric", help="One metric, e.g. TIMELINESS (default: every one)."),
    differences: bool = typer.Option(False, "--differences", help="Only the rows that differ."),
    out: Path | None = typer.Option(None, "--out", help="Write the rows to .csv, .xlsx or .json."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole reconciliation as JSON."),
) -> None:
    """Compare chiso's 766 figures with the portal's per agency and metric, with the likely reasons."""
    with session_scope() as session:
        rec = reconcile_flow.build_reconciliation(
            session,
            actor=SYSTEM,
            period=period or None,
            metric=metric or None,
            only_differences=differences,
        )
    if as_json:
        print_json(rec.model_dump(mode="json"))
    if out is not None:
        rows, columns = reconcile_flow.reconciliation_rows(rec)
        _write_guarded(rows, columns, out)
    if as_json:
        return
    if rec.period is None:
        console.print("Chưa nhập số liệu Cổng DVC / no portal figures imported yet (import-portal)")
        return
    console.print(
        f"Kỳ/period {rec.period}: {rec.compared} so sánh/compared, {rec.differing} khác/differ",
        highlight=False,
    )
    for r in rec.rows:
        if r.reason != "match":
            console.print(_difference_line(r), highlight=False)


def _difference_line(r: reconcile_flow.ReconcileRow) -> str:
    ours = f"chiso {_n(r.ours_numerator)}/{_n(r.ours_denominator)}"
    portal = f"Cổng/portal {_n(r.portal_numerator)}/{_n(r.portal_denominator)}"
    dossiers = ", ".join(d.dossier_id for d in r.dossiers[:5])
    return "\t".join(x for x in (r.agency_code, r.indicator_code, ours, portal,
                                  f"{r.reason_vi} / {r.reason_en}", dossiers) if x)  # fmt: skip


def _n(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _write_guarded(rows: list[dict[str, Any]], columns: list[str], out: Path) -> None:
    """Write rows as CSV (through the formula guard), Excel (strings never formulas) or JSON."""
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".json":
        out.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), "utf-8")
    elif suffix == ".xlsx":
        frame = pd.DataFrame(rows, columns=columns)  # XLSX_OPTIONS: strings are never formulas
        frame.to_excel(out, index=False, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS})
    else:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows([csv_cell(r.get(c)) for c in columns] for r in rows)
    console.print(f"-> {out}", highlight=False)


# --- live-score history (issue 11): snapshots of the live board --------------------------------------

history_app = typer.Typer(help="Keep and read the history of live 766 scores.", no_args_is_help=True)
app.add_typer(history_app, name="history")


@history_app.command("snapshot")
@guarded
def history_snapshot_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Write today's snapshot of every agency's live 766 figures (and last month's, once closed)."""
    report = live_history.snapshot_live_scores(actor=SYSTEM)
    if as_json:
        print_json(asdict(report))
        return
    console.print(
        f"Ngày / days: {', '.join(report.days)}; tháng / months: {', '.join(report.months) or '-'}; "
        f"{report.agencies} cơ quan / agencies; xóa / pruned {report.pruned_days} ngày / days",
        highlight=False,
    )


@history_app.command("show")
@guarded
def history_show_command(
    agency: str = typer.Argument(..., help="Agency code."),
    months: int = typer.Option(12, "--months", help="How many months back."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print an agency's live 766 figures per month (closed months, then this month to date)."""
    with session_scope() as session:
        points = live_history.get_monthly_history(session, agency_code=agency, months=months)
    if as_json:
        print_json([asdict(p) for p in points])
        return
    for p in points:
        total = p.figures.get("TOTAL")
        shown = "—" if total is None else f"{total:.2f}"
        state = "" if p.closed else " (đến hôm nay / to date)"
        console.print(
            f"{p.month}\t{shown}\thạng / rank {p.figures.get('RANK') or '—'}{state}", highlight=False
        )
