"""The per-file count queries are compiled once per metric set, catalogue and calendar, then reused.

A query of one period differs from another period's only in its label, bounds and cut-off: the
template (compiled for a sentinel period) with a period's literals put in must be exactly the
query compiled for that period, so the cache entries keep their names.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from chiso.monitoring.cache import counts
from chiso.monitoring.cache.jobs import PART_VIEW
from chiso.monitoring.compute.backend import RecordTables, record_schema_table
from chiso.monitoring.compute.sources import prepare_sources
from chiso.monitoring.metrics import KEYS, builtin_metrics
from chiso.monitoring.periods import parse_period, split_period

METRICS = [m for m in builtin_metrics() if m.source == "dossiers"]


def _direct_sql(label: str, data_dir: Path) -> str:
    dossiers = record_schema_table("dossiers", PART_VIEW)
    sources = prepare_sources(RecordTables(None, dossiers), [parse_period(label)], data_dir=data_dir)
    aggs = {}
    for metric in METRICS:
        aggs.update(metric.partial_aggregates(sources.dossiers))
    return str(ibis.to_sql(sources.dossiers.group_by(list(KEYS)).aggregate(**aggs), dialect="duckdb"))


def _plan(data_dir: Path, months: list[str]) -> counts.CountPlan:
    files = [data_dir / "records" / "dossiers" / f"month={m}" / "part.parquet" for m in months]
    periods = [parse_period(m) for m in months]
    return counts.plan_dossier_counts(
        data_dir=data_dir, dossier_files=files, procedure_files=[], periods=periods, metrics=METRICS
    )


@pytest.mark.parametrize("month", ["2025-01", "2025-02", "2024-12", "2026-04"])
def test_the_filled_template_is_the_query_compiled_for_the_period(tmp_path: Path, month: str) -> None:
    plan = _plan(tmp_path, ["2025-03", month])
    assert plan.jobs[-1].sql == _direct_sql(month, tmp_path)


def test_a_year_by_month_compiles_one_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts._TEMPLATES.clear()
    compiled: list[object] = []
    real = counts.prepare_sources
    monkeypatch.setattr(counts, "prepare_sources", lambda *a, **k: compiled.append(a) or real(*a, **k))
    months = [p.label for p in split_period(parse_period("2025"), "month")]
    first = _plan(tmp_path, months)
    assert len(compiled) == 1 and len(first.jobs) == 12
    _plan(tmp_path, months)
    assert len(compiled) == 1  # the second computation in the process compiles nothing


def test_a_calendar_change_compiles_again(tmp_path: Path) -> None:
    counts._TEMPLATES.clear()
    before = _plan(tmp_path, ["2025-03"]).jobs[0].sql
    holidays = tmp_path / "calendar" / "holidays.yaml"
    holidays.parent.mkdir(parents=True)
    holidays.write_text("2025:\n  days_off: [2025-03-10]\n", encoding="utf-8")
    after = _plan(tmp_path, ["2025-03"]).jobs[0].sql
    assert after != before
    assert after == _direct_sql("2025-03", tmp_path)


def test_a_fresh_process_reads_the_stored_template_and_still_builds_jobs(tmp_path: Path) -> None:
    from chiso.monitoring.cache.templates import FOLDER

    counts._TEMPLATES.clear()
    first = _plan(tmp_path, ["2025-03", "2025-04"])
    assert len(list((tmp_path / "records" / FOLDER).glob("*.json"))) == 1
    counts._TEMPLATES.clear()  # as a new process
    again = _plan(tmp_path, ["2025-03", "2025-04"])
    assert [j.sql for j in again.jobs] == [j.sql for j in first.jobs]
    assert set(again.context.tables) == set(first.context.tables)  # the jobs can run


def test_custom_metrics_are_never_stored(tmp_path: Path) -> None:
    from chiso.monitoring.cache.templates import FOLDER
    from chiso.monitoring.custom import parse_custom_metrics

    custom, problems = parse_custom_metrics({"metrics": [{"code": "MINE", "numerator": "digitised"}]})
    assert not problems
    counts._TEMPLATES.clear()
    files = [tmp_path / "records" / "dossiers" / "month=2025-03" / "part.parquet"]
    counts.plan_dossier_counts(data_dir=tmp_path, dossier_files=files, procedure_files=[],
                               periods=[parse_period("2025-03")], metrics=custom)  # fmt: skip
    assert not (tmp_path / "records" / FOLDER).exists()
