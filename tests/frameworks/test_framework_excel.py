"""A framework exported to the annex workbook and imported back is identical; bad rows are named."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from framework_data import frameworks
from hypothesis import HealthCheck, given, settings

from chiso.errors import InvalidInput
from chiso.frameworks import BUILTIN_IDS, Framework, load_framework
from chiso.frameworks.columns import NODE_COLUMNS, SETTING_COLUMNS
from chiso.frameworks.excel import (
    read_framework_xlsx,
    template_framework,
    write_framework_xlsx,
    write_template_xlsx,
)
from chiso.frameworks.rules import RULE_PARAMS
from chiso.frameworks.schema import Node
from chiso.frameworks.table import framework_from_tables, framework_to_tables
from chiso.sheets import read_sheets


def xlsx(framework: Framework) -> bytes:
    buffer = io.BytesIO()
    write_framework_xlsx(framework, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("framework_id", BUILTIN_IDS)
def test_a_builtin_exported_and_imported_back_is_identical(framework_id: str) -> None:
    framework = load_framework(framework_id)
    data = xlsx(framework)
    back = read_framework_xlsx(data)
    assert back == framework and back.content_hash() == framework.content_hash()
    again = read_sheets(xlsx(back))
    assert {n: s.rows for n, s in again.items()} == {n: s.rows for n, s in read_sheets(data).items()}


def test_the_template_is_a_sound_framework_of_every_common_rule() -> None:
    template = template_framework()
    buffer = io.BytesIO()
    write_template_xlsx(buffer)
    assert read_framework_xlsx(buffer.getvalue()) == template
    assert {leaf.rule.type for leaf in template.leaves() if leaf.rule} >= {
        "yes_no",
        "capped_linear",
        "step_bands",
        "assessor",
        "ratio",
    }
    assert all(leaf.guidance_vi and leaf.evidence_vi and leaf.unit for leaf in template.leaves())


def test_every_model_field_has_a_column() -> None:
    """A field added to Node or a rule (e.g. by the scoring room) gets its column without a code change."""
    keys = {c.field for c in NODE_COLUMNS if c.owner == "node"}
    assert keys == set(Node.model_fields) - {"rule", "children"}
    params = {n for cls in RULE_PARAMS.values() for n in cls.model_fields} - {"uses_ratio"}
    assert params == {c.field for c in NODE_COLUMNS if c.owner == "rule"}
    assert {c.field for c in SETTING_COLUMNS} == set(Framework.model_fields) - {"nodes", "bands"}


def _sheet(book: xlsxwriter.Workbook, name: str, rows: list[list[Any]]) -> None:
    sheet = book.add_worksheet(name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)


def annex(
    criteria: list[list[Any]], settings_rows: list[list[Any]] | None = None, bands: Any = None
) -> bytes:
    """Build a workbook the way a province would type it (plain headers, Vietnamese numbers as text)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    _sheet(book, "Tiêu chí", criteria)
    default_settings = [
        ["key", "value"],
        ["id", "tinh-x"],
        ["version", "2026.1"],
        ["name_vi", "Bộ chỉ số tỉnh X"],
        ["max_points", 10],
        ["effective_from", "20/5/2026"],
    ]
    _sheet(book, "Thông tin chung", settings_rows or default_settings)
    if bands is not None:
        _sheet(book, "Xếp loại", bands)
    book.close()
    return buffer.getvalue()


HEADER = [
    "code",
    "parent",
    "Tên (name_vi)",
    "Điểm tối đa",
    "rule",
    "target",
    "unit",
    "value_max",
    "guidance_vi",
    "evidence_vi",
]
ROWS = [
    ["L2", "P", "Tỷ lệ", "2,5", "capped_linear", "0,8", "percent", None, "Hướng dẫn", "Báo cáo\nQuyết định"],
    ["P", None, "Trụ cột", 10, None, None, None, None, None, None],
    ["L1", "P", "Có kế hoạch", "7,5", "yes_no", None, "yes_no", None, None, None],
]


def test_a_province_annex_in_any_row_order_with_vietnamese_numbers() -> None:
    framework = read_framework_xlsx(annex([HEADER, *ROWS]), name="phu-luc.xlsx")
    assert [n.code for n in framework.nodes] == ["P"]
    leaves = {leaf.code: leaf for leaf in framework.leaves()}
    assert list(leaves) == ["L2", "L1"]
    assert leaves["L2"].max_points == 2.5 and getattr(leaves["L2"].rule, "target", None) == 0.8
    assert leaves["L2"].evidence_vi == ["Báo cáo", "Quyết định"] and leaves["L2"].unit == "percent"
    assert str(framework.effective_from) == "2026-05-20"


def _problems(data: bytes) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        read_framework_xlsx(data, name="phu-luc.xlsx")
    assert "nothing was saved" in caught.value.message_en
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ((0, 3, "abc"), "phu-luc.xlsx [Tiêu chí], dòng/row 2, cột/column max_points: 'abc' không phải là số"),
        ((0, 1, "Q"), "dòng/row 2, cột/column parent: không có mã 'Q'"),
        ((2, 0, "L2"), "dòng/row 4, cột/column code: mã 'L2' đã dùng ở dòng 2"),
        ((0, 4, "magic"), "dòng/row 2, cột/column rule: 'magic' không thuộc"),
        ((2, 5, "0,5"), "dòng/row 4, cột/column target: cột target không dùng cho quy tắc yes_no"),
        ((0, 6, "dollars"), "dòng/row 2, cột/column unit"),
        ((1, 3, 11), "[Tiêu chí], dòng/row 3: TOTAL/P: tổng điểm tối đa của các nút con là 10"),
        ((1, 3, 11), "[Thông tin chung], dòng/row 5, cột/column value: TOTAL: tổng điểm tối đa"),
        ((1, 1, "L1"), "mã cha vòng lặp"),
        ((2, 0, "bad code"), "dòng/row 4, cột/column code: chỉ dùng chữ, số và _ . -"),
    ],
)
def test_every_problem_names_row_and_column(change: tuple[int, int, Any], expected: str) -> None:
    rows = [list(r) for r in ROWS]
    r, c, value = change
    rows[r][c] = value
    problems = _problems(annex([HEADER, *rows]))
    assert any(expected in p for p in problems), problems


def test_sheet_header_and_settings_problems() -> None:
    assert any(
        "unknown column 'Ghi chú'" in p and "cột/column K" in p
        for p in _problems(annex([[*HEADER, "Ghi chú"], *ROWS]))
    )
    stray = [HEADER, [*ROWS[0], "?"], *ROWS[1:]]
    assert any("data under a column without a header" in p for p in _problems(annex(stray)))
    settings_rows = [["key", "value"], ["id", "x"], ["name_vi", "X"], ["decimals", 12], ["colour", "red"]]
    problems = _problems(annex([HEADER, *ROWS], settings_rows))
    assert any(
        "[Thông tin chung], dòng/row 5, cột/column key: không có thiết lập 'colour'" in p for p in problems
    )
    assert any("[Thông tin chung], dòng/row 4, cột/column value" in p for p in problems), problems
    bands = [
        ["code", "label_vi", "min", "max"],
        ["TOT", "Tốt", 8, None],
        ["KHA", "Khá", 5, 9],
        ["YEU", "Yếu", None, 5],
    ]
    problems = _problems(annex([HEADER, *ROWS], bands=bands))
    assert any("[Xếp loại], dòng/row 2" in p and "overlaps" in p for p in problems), problems


def test_missing_sheets_and_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Sheet1")
    book.close()
    problems = _problems(buffer.getvalue())
    assert any("'Tiêu chí'" in p for p in problems) and any("'Thông tin chung'" in p for p in problems)
    with pytest.raises(InvalidInput, match="not an .xlsx"):
        read_framework_xlsx(b"code,name\n", name="x.xlsx")


def test_text_that_looks_like_a_formula_stays_text() -> None:
    framework = template_framework().model_copy(update={"description": '=HYPERLINK("http://x")'})
    data = xlsx(framework)
    assert read_framework_xlsx(data).description == '=HYPERLINK("http://x")'
    sheets = zipfile.ZipFile(io.BytesIO(data))
    assert not any(b"<f>" in sheets.read(n) for n in sheets.namelist() if n.startswith("xl/worksheets/"))


@given(frameworks())
def test_generated_frameworks_round_trip_through_tables(framework: Framework) -> None:
    assert framework_from_tables(framework_to_tables(framework)) == framework


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_generated_frameworks_round_trip_through_xlsx(framework: Framework) -> None:
    assert read_framework_xlsx(xlsx(framework)) == framework
