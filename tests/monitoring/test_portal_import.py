"""Importing the portal's figures: its shapes, problems naming file/row/field, all or nothing, idempotent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.monitoring.portal_import import import_portal_files, read_portal_figures

T1 = datetime(2026, 3, 1, tzinfo=UTC)
T2 = datetime(2026, 3, 2, tzinfo=UTC)


def _json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def _report(units: list[dict[str, object]], period: str = "2026-02") -> dict[str, object]:
    return {"period": period, "indicator": "TIMELINESS", "units": units}


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Báo cáo")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return path


def test_the_portal_report_json_and_the_excel_export_are_read_alike(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    report = import_portal_files(
        [
            _json(
                tmp_path / "a.json",
                [
                    _report(
                        [
                            {
                                "code": "A",
                                "name": "Sở A",
                                "received": 32,
                                "on_time": 29,
                                "ratio": 90.63,
                                "score": 18.13,
                            }
                        ]
                    )
                ],
            ),  # fmt: skip
            _xlsx(
                tmp_path / "b.xlsx",
                [
                    ["Kỳ", "Mã đơn vị", "Chỉ số", "Tiếp nhận", "Đúng hạn", "Tỷ lệ", "Điểm"],
                    ["2026-02", "B", "timeliness", 10, 10, "100", 20],
                ],
            ),  # fmt: skip
        ],
        data_dir=data_dir,
        now=T1,
    )
    assert (report.new, report.files, report.periods) == (2, {"a.json": 1, "b.xlsx": 1}, ["2026-02"])
    table = read_portal_figures(data_dir, period="2026-02")
    figures = ["agency_code", "indicator_code", "numerator", "denominator", "ratio", "score"]
    assert table[figures].values.tolist() == [
        ["A", "TIMELINESS", 29.0, 32.0, 90.63, 18.13],
        ["B", "TIMELINESS", 10.0, 10.0, 100.0, 20.0],
    ]  # fmt: skip


def test_importing_twice_changes_nothing_and_a_new_figure_replaces_the_old(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    path = _json(tmp_path / "p.json", _report([{"code": "A", "received": 5, "on_time": 4}]))
    import_portal_files([path], data_dir=data_dir, now=T1)
    stamp = (data_dir / "portal" / "figures.parquet").stat().st_mtime_ns
    again = import_portal_files([path], data_dir=data_dir, now=T2)
    assert (again.new, again.replaced, again.unchanged) == (0, 0, 1)
    assert (data_dir / "portal" / "figures.parquet").stat().st_mtime_ns == stamp
    revised = _json(tmp_path / "r.json", _report([{"code": "A", "received": 6, "on_time": 4}]))
    assert import_portal_files([revised], data_dir=data_dir, now=T2).replaced == 1
    table = read_portal_figures(data_dir)
    assert table["denominator"].tolist() == [6.0] and table["source_file"].tolist() == ["r.json"]


def test_every_problem_names_file_row_and_field_and_nothing_is_stored(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    good = _json(tmp_path / "good.json", _report([{"code": "A", "received": 5, "on_time": 4}]))
    bad = _json(tmp_path / "bad.json", _report([
        {"code": "A", "received": 5, "on_time": 4},
        {"code": "", "received": 3, "on_time": 1},
        {"code": "C", "received": 2, "on_time": 3},
        {"code": "D", "received": "nhiều", "on_time": 1},
        {"code": "A", "received": 5, "on_time": 4},
    ]))  # fmt: skip
    sheet = _xlsx(tmp_path / "bad.xlsx", [["period", "agency_code", "indicator_code", "ratio"],
                                          ["2026-13", "E", "TIMELINESS", 120]])  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        import_portal_files([good, bad, sheet], data_dir=data_dir, now=T1)
    where = [(p.file, p.row, p.field) for p in err.value.problems]
    assert where == [
        ("bad.json", 2, "agency_code"), ("bad.json", 3, "numerator"), ("bad.json", 4, "denominator"),
        ("bad.json", 5, "agency_code"), ("bad.xlsx", 2, "period"), ("bad.xlsx", 2, "ratio"),
    ]  # fmt: skip
    assert "Thiếu agency_code" in str(err.value) and "Missing agency_code" in str(err.value)
    assert read_portal_figures(data_dir).empty


@pytest.mark.parametrize("text", ["{", "[1, 2]", '{"period": "2026-02"}'])
def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidInput, match="x.json"):
        import_portal_files([path], data_dir=tmp_path / "var", now=T1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=8))
def test_any_valid_counts_round_trip(tmp_path: Path, counts: list[tuple[int, int]]) -> None:
    data_dir = tmp_path / f"var{abs(hash(tuple(counts)))}"
    units = [
        {"code": f"U{i}", "received": max(a, b), "on_time": min(a, b)} for i, (a, b) in enumerate(counts)
    ]
    import_portal_files([_json(tmp_path / "h.json", _report(units))], data_dir=data_dir, now=T1)
    table = read_portal_figures(data_dir).sort_values("agency_code")
    stored = sorted(zip(table["agency_code"], table["numerator"], table["denominator"], strict=True))
    assert stored == sorted((f"U{i}", float(min(a, b)), float(max(a, b))) for i, (a, b) in enumerate(counts))
    again = import_portal_files([tmp_path / "h.json"], data_dir=data_dir, now=T2)
    assert again.unchanged == len(units) and again.new == again.replaced == 0
