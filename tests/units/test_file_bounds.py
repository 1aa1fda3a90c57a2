"""Agency files that try to hurt: a dimension bomb, a far cell, formula text that must round-trip."""

from __future__ import annotations

import csv
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from test_sheets import crafted

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput
from chiso.exports import csv_cell, uncell
from chiso.units.agency_export import export_agencies
from chiso.units.agency_import import import_agencies
from chiso.units.io import COLUMNS, read_table, write_table


def inline_rows(rows: list[list[str]]) -> str:
    """Return sheetData XML of text cells, row 1 first."""
    out = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(values)
        )
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def test_a_dimension_bomb_is_read_as_its_real_cells_quickly(tmp_path: Path) -> None:
    # Every row claims the sheet's declared width of 16,384 columns: openpyxl alone pads each row to it.
    rows = [["code", "name_vi", "kind"]] + [[f"A{i}", f"Sở {i}", "department"] for i in range(300)]
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(crafted(inline_rows(rows), dimension="A1:XFD1048576"))
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        table = read_table(path)
    finally:
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 30 * 2**20
    assert table.columns == ["code", "name_vi", "kind"] and len(table.rows) == 300
    assert table.rows[0] == (2, {"code": "A0", "name_vi": "Sở 0", "kind": "department"})


def test_a_value_in_the_last_cell_of_the_sheet_is_refused_naming_the_cell(tmp_path: Path) -> None:
    sheet = inline_rows([["code", "name_vi", "kind"]]) + (
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    path = tmp_path / "far.xlsx"
    path.write_bytes(crafted(sheet))
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        read_table(path)
    assert time.perf_counter() - started < 1.0
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (1048576, "XFD")
    assert "XFD1048576" in problem.message_vi and "XFD1048576" in problem.message_en
    assert "far.xlsx" in str(caught.value)


@given(st.text(max_size=12))
def test_the_guard_is_undone_exactly(text: str) -> None:
    assert uncell(csv_cell(text)) == text


FORMULA_NAMES = ['=HYPERLINK("http://x","y")', "+Sở Y tế", "-Phòng", "@SUM(A1)", "'=đã có dấu nháy"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_formula_text_reimports_unchanged(db: Session, tmp_path: Path, fmt: str) -> None:
    rows = [
        {"code": f"F{i}", "name_vi": name, "name_en": name, "kind": "department", "province_code": "X9"}
        for i, name in enumerate(FORMULA_NAMES)
    ]
    original = tmp_path / "in.csv"
    write_table(original, COLUMNS, rows)
    import_agencies(db, actor=SYSTEM, path=original)
    exported = tmp_path / f"out.{fmt}"
    export_agencies(db, path=exported, province_code="X9")
    if fmt == "csv":  # what Excel opens: every formula-like cell starts with the guard's quote
        with exported.open(encoding="utf-8-sig", newline="") as handle:
            names = [r["name_vi"] for r in csv.DictReader(handle)]
        assert sorted(names) == sorted(csv_cell(n) for n in FORMULA_NAMES)
        assert all(n.startswith("'") for n in names)
    got = {r["code"]: r["name_vi"] for _, r in read_table(exported).rows}
    assert got == {f"F{i}": name for i, name in enumerate(FORMULA_NAMES)}
    again = import_agencies(db, actor=SYSTEM, path=exported)
    assert again.created == [] and again.updated == [] and again.unchanged == len(rows)
