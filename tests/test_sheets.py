"""The bounded sheet reader: ordinary workbooks read whole; crafted ones refused or read within bounds."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter

from chiso.errors import InvalidInput
from chiso.sheets import SheetLimits, column_letter, read_sheets

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def crafted(sheet_data: str, *, dimension: str = "A1:XFD1048576", head: str = "") -> bytes:
    """Build by hand the smallest workbook whose one sheet 'Data' holds `sheet_data`."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'{head}<worksheet xmlns="{_MAIN}"><dimension ref="{dimension}"/>'
            f"<sheetData>{sheet_data}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_an_ordinary_workbook_is_read_with_its_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Tiêu chí")
    sheet.write_row(0, 0, ["code", "max_points", "ok", "when"])
    sheet.write_row(1, 0, ["A", 2.5, True])
    sheet.write_datetime(1, 3, datetime(2025, 4, 3), book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write(3, 1, "dòng 4")
    book.add_worksheet("Khác").write(0, 0, "x")
    book.close()
    got = read_sheets(path, names=["tiêu chí "])
    assert list(got) == ["tiêu chí "] and got["tiêu chí "].name == "Tiêu chí"
    assert got["tiêu chí "].rows == (
        ("code", "max_points", "ok", "when"),
        ("A", 2.5, True, datetime(2025, 4, 3)),
        (),
        (None, "dòng 4"),
    )
    assert set(read_sheets(path.read_bytes())) == {"Tiêu chí", "Khác"}


def test_a_dimension_bomb_is_read_in_bounds() -> None:
    """1.5 KB claiming A1:XFD1048576: openpyxl alone would pad 17 billion cells."""
    data = crafted('<row r="1"><c r="A1" t="inlineStr"><is><t>hi</t></is></c><c r="B1"><v>2</v></c></row>')
    assert len(data) < 2000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        got = read_sheets(data)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got["Data"].rows == (("hi", 2),)
    assert elapsed < 1.0 and peak < 100 * 2**20


@pytest.mark.parametrize(
    ("rows", "cell"),
    [
        (
            '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>',
            "A1048576",
        ),
        ('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>', "XFD1"),
        (
            '<row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="5001"><c r="C5001" t="inlineStr"><is><t>x</t></is></c></row>',
            "C5001",
        ),
    ],
)
def test_data_beyond_the_limits_is_refused_naming_the_cell(rows: str, cell: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_sheets(crafted(rows), label="bomb.xlsx")
    problem = caught.value.problems[0]
    assert cell in problem.message_en and problem.file == "bomb.xlsx [Data]"


def test_formatting_far_below_the_data_is_ignored() -> None:
    rows = '<row r="1"><c r="A1"><v>7</v></c></row><row r="1048576"><c r="A1048576" s="1"/></row>'
    assert read_sheets(crafted(rows))["Data"].rows == ((7,),)


def test_a_row_of_a_million_empty_cells_is_refused_quickly() -> None:
    """20 KB inflating to a million formatted cells: openpyxl alone takes seconds parsing them."""
    data = crafted('<row r="1"><c r="A1"><v>1</v></c>' + '<c s="0"/>' * 1_000_000 + "</row>")
    assert len(data) < 30_000
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="more than 200,000 cells"):
        read_sheets(data)
    assert time.perf_counter() - started < 2.0


def test_inflated_parts_doctype_and_long_cells_are_refused() -> None:
    big = crafted('<row r="1"><c r="A1"><v>1</v></c></row>' + "<row/>" * 400_000)
    with pytest.raises(InvalidInput, match="too large once inflated"):
        read_sheets(big, limits=SheetLimits(max_part_bytes=1_000_000))
    with pytest.raises(InvalidInput, match="declares a DOCTYPE"):
        read_sheets(crafted("", head='<!DOCTYPE x [<!ENTITY a "aaaa">]>'))
    long = crafted(f'<row r="1"><c r="B1" t="inlineStr"><is><t>{"x" * 50}</t></is></c></row>')
    with pytest.raises(InvalidInput, match="cell B1 holds 50 characters"):
        read_sheets(long, limits=SheetLimits(max_cell_chars=40))
    with pytest.raises(InvalidInput, match="over the limit"):
        read_sheets(long, limits=SheetLimits(max_file_bytes=100))


def test_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not an .xlsx workbook"):
        read_sheets(b"id,name\n1,x\n", label="x.xlsx")
    with pytest.raises(InvalidInput, match="no such file"):
        read_sheets(tmp_path / "missing.xlsx")


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 64, 16384)] == ["A", "Z", "AA", "BL", "XFD"]


def test_control_characters_come_back_as_excel_shows_them() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for row, text in enumerate(["dòng 1\r\ndòng 2", "a\x01b", "_x0041_ stays"]):
        book.add_worksheet(f"S{row}").write_string(0, 0, text)
    book.close()
    got = read_sheets(buffer.getvalue())
    assert [got[f"S{i}"].rows[0][0] for i in range(3)] == ["dòng 1\r\ndòng 2", "a\x01b", "_x0041_ stays"]
