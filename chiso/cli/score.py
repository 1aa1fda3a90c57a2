"""`chiso score ...`: score agencies from files alone (values, groups, previous results) and explain a score.

CLI layer: reads and writes the files; the scoring, rank intervals and plans go through chiso.flows
(chiso.flows.scoring.score_tables / run_tables, chiso.flows.robustness), like every other caller.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from chiso.cli.common import console, guarded, print_json, print_table
from chiso.errors import InvalidInput, NotFound
from chiso.exports import XLSX_OPTIONS, guard_text
from chiso.flows.robustness import intervals_of_tables, plan_of_tables
from chiso.flows.scoring import run_tables, score_tables
from chiso.frameworks import load_framework

app = typer.Typer(
    help="Chấm điểm, xếp hạng từ tệp giá trị / score, rank and band agencies from a values file.",
    no_args_is_help=True,
    invoke_without_command=True,
)

RESULT_COLUMNS = [
    "period",
    "agency_code",
    "group",
    "node_code",
    "depth",
    "points",
    "max_points",
    "published",
    "index_value",
    "rank",
    "band",
    "previous_points",
    "points_change",
    "previous_rank",
    "rank_change",
    "status",
]
EXCEL_MAX_ROWS = 1_048_575
_LIMITS = ("type", "value_min", "value_max")


def read_table(path: Path, *, what: str) -> pd.DataFrame:
    """Read a CSV or Excel table with every cell as text (codes keep their leading zeros).

    Raises:
        NotFound: the file does not exist.
        InvalidInput: the file cannot be read as a table.
    """
    if not path.is_file():
        raise NotFound(f"Không tìm thấy tệp {what}: {path}", f"No {what} file: {path}")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise InvalidInput(f"Không đọc được tệp {path}: {exc}", f"Cannot read {path}: {exc}") from exc


def write_results(result: Any, path: Path) -> None:
    """Write the results as CSV, or as an Excel workbook (results, summary, bands, movers, explanations)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = result.table[RESULT_COLUMNS]
    if path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
            table.to_excel(writer, sheet_name="results", index=False)
            result.summary.to_excel(writer, sheet_name="summary", index=False)
            result.band_counts.to_excel(writer, sheet_name="bands", index=False)
            result.movers.to_excel(writer, sheet_name="movers", index=False)
            if len(result.explanations) <= EXCEL_MAX_ROWS:
                result.explanations.to_excel(writer, sheet_name="explanations", index=False)
        return
    guard_text(table).to_csv(path, index=False, encoding="utf-8")


def _inputs(
    framework: str, values: Path, groups: Path | None, previous: Path | None, lineage: Path | None
) -> dict[str, Any]:
    return {
        "framework": load_framework(framework),
        "values": read_table(values, what="values"),
        "groups": None if groups is None else read_table(groups, what="groups"),
        "previous": None if previous is None else read_table(previous, what="previous results"),
        "lineage": None if lineage is None else read_table(lineage, what="lineage"),
        "source": values.name,
    }


def _score(inputs: dict[str, Any], lineage_policy: str) -> Any:
    return score_tables(
        inputs["framework"],
        inputs["values"],
        groups=inputs["groups"],
        previous=inputs["previous"],
        lineage=inputs["lineage"],
        lineage_policy=lineage_policy,
        source=inputs["source"],
    )


def _print_ranking(result: Any, top: int) -> None:
    totals = result.totals()
    latest = str(totals["period"].astype(str).max())
    totals = totals[totals["period"].astype(str) == latest]
    for group, part in totals.groupby("group", observed=True):
        print_table(
            ("Hạng / rank", "Mã / agency", "Điểm / points", "Xếp loại / band", "± điểm", "± hạng"),
            (
                (
                    "" if pd.isna(row.rank) else str(row.rank),
                    str(row.agency_code),
                    f"{row.published:.{result.decimals}f}",
                    "" if pd.isna(row.band) else str(row.band),
                    "" if pd.isna(row.points_change) else f"{row.points_change:+.{result.decimals}f}",
                    "" if pd.isna(row.rank_change) else f"{int(row.rank_change):+d}",
                )
                for row in part.sort_values(["rank", "agency_code"]).head(top).itertuples(index=False)
            ),
            title=f"{result.framework_id} · {latest} · {group}",
        )


@app.callback()
@guarded
def score_command(
    ctx: typer.Context,
    framework: str = typer.Option(None, "--framework", "-f", help="Built-in id (qd766, ...) or a YAML file."),
    values: Path = typer.Option(
        None, "--values", help="CSV/XLSX: agency_code, period, indicator_code, value."
    ),
    groups: Path = typer.Option(None, "--groups", help="CSV/XLSX: agency_code, group (optional kind)."),
    previous: Path = typer.Option(None, "--previous", help="A previous results file to compare with."),
    lineage: Path = typer.Option(None, "--lineage", help="CSV/XLSX: predecessor_code, successor_code."),
    lineage_policy: str = typer.Option("mean", help="How merged predecessors combine: mean, sum or max."),
    out: Path = typer.Option(None, "--out", "-o", help="Results file: .csv, or .xlsx for a workbook."),
    log: Path = typer.Option(
        None, "--log", help="Write the run log (JSON) here, to replay or audit the run."
    ),
    top: int = typer.Option(10, help="Rows per group in the printed ranking."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of tables."),
) -> None:
    """Score the agencies in a values file and write points, ranks, bands and changes."""
    if ctx.invoked_subcommand is not None:
        return
    if framework is None or values is None:
        raise typer.BadParameter("cần --framework và --values / --framework and --values are required")

    result = _score(_inputs(framework, values, groups, previous, lineage), lineage_policy)
    if out is not None:
        write_results(result, out)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(json.dumps(result.log, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {
        "framework": result.framework_id,
        "version": result.framework_version,
        "periods": result.log["inputs"]["periods"],
        "agencies": result.log["inputs"]["agencies"],
        "rows": len(result.table),
        "out": None if out is None else str(out),
        "input_hash": result.log["input_hash"],
        "output_hash": result.log["output_hash"],
        "warnings": result.warnings,
    }
    if as_json:
        print_json(summary)
        return
    _print_ranking(result, top)
    for warning in result.warnings:
        console.print(f"[yellow]{warning}[/]")
    if out is not None:
        console.print(f"Đã ghi / written: {out} ({len(result.table):,} dòng / rows)")


def _explained(row: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """Return one criterion's row of `score explain`: code, inputs, rule with parameters, points, note."""
    inputs = ", ".join(f"{k}={v}" for k, v in row["inputs"].items() if v is not None) or "-"
    params = {k: v for k, v in row["params"].items() if k not in _LIMITS and v is not None}
    points = "-" if row["points"] is None else f"{row['points']:.4g}"
    return (
        row["indicator_code"],
        inputs,
        f"{row['rule']} {json.dumps(params, ensure_ascii=False)}",
        f"{points} / {row['max_points']:g}",
        row["note"],
    )


@app.command("explain")
@guarded
def explain_command(
    framework: str = typer.Option(..., "--framework", "-f", help="Built-in id or a YAML file."),
    values: Path = typer.Option(..., "--values", help="The values file."),
    agency: str = typer.Option(..., "--agency", help="The agency code to explain."),
    groups: Path = typer.Option(None, "--groups", help="The groups file (for group-relative rules)."),
    previous: Path = typer.Option(None, "--previous", help="A previous results file."),
    period: str = typer.Option(None, "--period", help="The period (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Explain one agency's score: every criterion's inputs, rule, parameters and points."""
    result = _score(_inputs(framework, values, groups, previous, None), "mean")
    rows = result.explain(agency, period)
    if not rows:
        raise NotFound(f"Không có giá trị nào của cơ quan {agency}", f"No values for agency {agency}")
    if as_json:
        print_json(rows)
        return
    print_table(
        ("Tiêu chí / criterion", "Đầu vào / inputs", "Quy tắc / rule", "Điểm / points", "Ghi chú / note"),
        map(_explained, rows),
        title=f"{result.framework_id} · {agency} · {rows[0]['period']}",
    )
    totals = result.totals()
    mine = totals[(totals["agency_code"] == agency) & (totals["period"].astype(str) == rows[0]["period"])]
    if len(mine):
        top = mine.iloc[0]
        console.print(
            f"Tổng / total: {top['published']:.{result.decimals}f} / {top['max_points']:g}, "
            f"hạng / rank {top['rank']}, xếp loại / band {top['band'] if pd.notna(top['band']) else '-'}"
        )


def _run(inputs: dict[str, Any]) -> Any:
    return run_tables(
        inputs["framework"],
        inputs["values"],
        groups=inputs["groups"],
        previous=inputs["previous"],
        source=inputs["source"],
    )


def _write_intervals(result: Any, out: Path) -> None:
    """Write the rank intervals as CSV, or as a workbook with the band probabilities."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(out, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
            result.table.to_excel(writer, sheet_name="intervals", index=False)
            result.bands.to_excel(writer, sheet_name="bands", index=False)
    else:
        guard_text(result.table).to_csv(out, index=False, encoding="utf-8")


def _print_intervals(table: pd.DataFrame, summary: dict[str, Any]) -> None:
    """Print the ten widest rank intervals and how many ranks are firm."""
    widest = table.assign(width=table["rank_high"] - table["rank_low"]).sort_values(
        ["width", "agency_code"], ascending=[False, True]
    )
    print_table(
        ("Mã / agency", "Nhóm / group", "Hạng / rank", "Khoảng / interval (5-95%)", "Trung vị / median"),
        (
            (str(r.agency_code), str(r.group), str(r.rank), f"{r.rank_low}-{r.rank_high}", str(r.median_rank))
            for r in widest.head(10).itertuples(index=False)
        ),
        title=f"{summary['framework']} · {summary['period']} · {summary['replications']} lần / runs",
    )
    console.print(
        f"Hạng chắc chắn / firm ranks: {summary['firm']} / {summary['agencies']}; "
        f"đã ghi / written: {summary['out']}"
    )


@app.command("uncertainty")
@guarded
def uncertainty_command(
    framework: str = typer.Option(..., "--framework", "-f", help="Built-in id or a YAML file."),
    values: Path = typer.Option(..., "--values", help="The values file."),
    out: Path = typer.Option(..., "--out", "-o", help="Rank intervals: .csv, or .xlsx (intervals, bands)."),
    groups: Path = typer.Option(None, "--groups", help="CSV/XLSX: agency_code, group (optional kind)."),
    previous: Path = typer.Option(None, "--previous", help="A previous results file."),
    replications: int = typer.Option(
        None, "--replications", "-n", help="Replications (default: the spec's)."
    ),
    seed: int = typer.Option(None, "--seed", help="Seed of the Sobol' scrambling (default: the spec's)."),
    spec: Path = typer.Option(
        None,
        "--spec",
        help="Uncertainty spec YAML (default: <framework>.uncertainty.yaml beside it, or built in).",
    ),
    period: str = typer.Option(None, "--period", help="The period (default: the latest)."),
    log: Path = typer.Option(None, "--log", help="Write the analysis log (JSON) here, to replay it."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of tables."),
) -> None:
    """Give every agency a rank interval by varying the ranking's assumptions (Monte Carlo)."""
    inputs = _inputs(framework, values, groups, previous, None)
    result = intervals_of_tables(
        _run(inputs),
        framework_source=framework,
        spec_file=None if spec is None else str(spec),
        period=period,
        replications=replications,
        seed=seed,
    )
    _write_intervals(result, out)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(json.dumps(result.log, ensure_ascii=False, indent=2), encoding="utf-8")
    table = result.table
    summary = {
        "framework": result.log["framework"]["id"],
        "period": result.log["period"],
        "replications": result.log["replications"],
        "seed": result.log["seed"],
        "agencies": len(table),
        "firm": int(table["firm"].sum()),
        "out": str(out),
        "output_hash": result.log["output_hash"],
    }
    if as_json:
        print_json(summary)
        return
    _print_intervals(table, summary)


def _weights(pairs: list[str] | None, what: str) -> dict[str, float]:
    """Parse CODE=NUMBER options."""
    out: dict[str, float] = {}
    for pair in pairs or []:
        code, sep, number = pair.partition("=")
        try:
            out[code.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep or not code.strip():
            raise InvalidInput(
                f"{what} phải có dạng MÃ=SỐ, ví dụ TIMELINESS=2 (nhận: {pair})",
                f"{what} must read CODE=NUMBER, e.g. TIMELINESS=2 (got: {pair})",
            )
    return out


@app.command("plan")
@guarded
def plan_command(
    framework: str = typer.Option(..., "--framework", "-f", help="Built-in id or a YAML file."),
    values: Path = typer.Option(..., "--values", help="The values file."),
    agency: str = typer.Option(..., "--agency", help="The agency code to plan for."),
    goal: str = typer.Option(..., "--goal", help="next-band, top:N (rank N or better) or total:X."),
    groups: Path = typer.Option(None, "--groups", help="CSV/XLSX: agency_code, group (optional kind)."),
    previous: Path = typer.Option(None, "--previous", help="A previous results file."),
    period: str = typer.Option(None, "--period", help="The period (default: the latest)."),
    effort: list[str] = typer.Option(
        None, "--effort", help="CODE=WEIGHT: effort of a criterion's whole range."
    ),
    step: list[str] = typer.Option(
        None, "--step", help="CODE=STEP: the most a criterion's input moves a year."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Plan the least-effort improvements that bring one agency to a goal."""
    inputs = _inputs(framework, values, groups, previous, None)
    result = plan_of_tables(
        _run(inputs),
        agency_code=agency,
        goal=goal,
        period=period,
        effort=_weights(effort, "--effort"),
        step=_weights(step, "--step"),
    )
    if as_json:
        data = asdict(result)
        for item, improvement in zip(data["improvements"], result.improvements, strict=True):
            item.update(change=improvement.change, points_gained=improvement.points_gained)
        print_json(data)
        return
    print_table(
        ("Tiêu chí / criterion", "Thay đổi / change", "Điểm / points", "Công sức / effort"),
        (
            (
                item.indicator_code,
                f"+{item.change:g}"
                + (f" / {item.denominator:g}" if item.denominator else "")
                + f" ({item.unit})",
                f"{item.points_before:g} → {item.points_after:g}",
                f"{item.effort:.3g}",
            )
            for item in result.improvements
        ),
        title=f"{agency} · {result.period} · {goal} → {result.target}",
    )
    before, after = result.before, result.after
    console.print(
        f"Trước / before: {before.published} (hạng / rank {before.rank}, {before.band or '-'}); "
        f"sau / after: {after.published} (hạng / rank {after.rank}, {after.band or '-'})"
    )
    if not result.reachable:
        console.print(f"[yellow]{result.message_vi} / {result.message_en}[/]")
