"""`chiso monitor ...`: thin commands over the monitor services."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.common import console, run_guarded

if TYPE_CHECKING:
    from chiso.monitoring.periods import PeriodKind
    from chiso.monitoring.runner import Engine

app = typer.Typer(help="monitor", no_args_is_help=True)


# --- metrics: compute and score766 (monitoring metrics engineer) ---------------------------------


@app.command("compute")
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

    def _run() -> None:
        import time

        from chiso.config import get_settings
        from chiso.monitoring.custom import load_custom_metrics
        from chiso.monitoring.metrics import builtin_metrics
        from chiso.monitoring.runner import compute_from_store
        from chiso.monitoring.score766 import read_agencies, write_table

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

    run_guarded(_run)


@app.command("score766")
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
) -> None:
    """Score the Decision 766 index of one period from record files alone (no database)."""

    def _run() -> None:
        from chiso.monitoring.readers import write_rejects
        from chiso.monitoring.score766 import score766_files, write_table

        with console.status("Đang tính / computing ..."):
            report = score766_files(
                dossiers=dossiers,
                petitions=petitions,
                procedures=procedures,
                agencies=agencies,
                period=period,
                engine=_engine(engine),
            )
        write_table(report.table, out)
        read = ", ".join(f"{k} {v}" for k, v in report.rows_read.items())
        console.print(f"Đã đọc / read: {read}; {len(report.table)} dòng/rows -> {out}")
        if report.rejects:
            path = write_rejects(report.rejects, out.with_name(out.stem + ".rejects.csv"))
            console.print(f"[yellow]{len(report.rejects)} ô lỗi bị loại / bad cells rejected -> {path}[/]")

    run_guarded(_run)


def _engine(name: str) -> Engine:
    from chiso.errors import InvalidInput
    from chiso.monitoring.runner import ENGINES

    for engine in ENGINES:
        if engine == name.strip().lower():
            return engine
    raise InvalidInput(f"Không có engine '{name}' (duckdb, spark)", f"Unknown engine '{name}'")


def _by(name: str) -> PeriodKind | None:
    from chiso.errors import InvalidInput

    kinds: dict[str, PeriodKind] = {"week": "week", "month": "month", "quarter": "quarter", "year": "year"}
    if not name:
        return None
    if name.strip().lower() not in kinds:
        raise InvalidInput(f"--by '{name}' không hợp lệ", f"--by '{name}': week, month, quarter or year")
    return kinds[name.strip().lower()]
