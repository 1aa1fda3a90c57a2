"""The ranking workbook: README, a sheet per group with frozen header and band colours, criteria values."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from report_inputs import make_ranking

from chiso.reports.charts import band_colours
from chiso.reports.workbook import ranking_workbook, sheet_name


def _book(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data))


def test_sheets_readme_groups_and_criteria() -> None:
    book = _book(ranking_workbook(make_ranking()))
    assert book.sheetnames == [
        "Đọc trước",
        "Khối sở, ban, ngành",
        "Khối cơ quan Trung ương",
        "Khối phường, xã",
        "Tiêu chí",
    ]
    readme = {r[0]: r[1] for r in book["Đọc trước"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert readme["Tình trạng"] == "Công bố lần 1, 15/07/2026 09:30"
    assert "Tốt: ≥ 80,00" in readme["Xếp loại"] and "Khá: ≥ 65,00 và < 80,00" in readme["Xếp loại"]
    assert "đồng điểm thì đồng hạng" in readme["Phương pháp"]


def test_a_group_sheet_has_its_agencies_in_rank_order_frozen_header_and_band_colours() -> None:
    sheet = _book(ranking_workbook(make_ranking(intervals=True)))["Khối sở, ban, ngành"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["Hạng", "Khoảng hạng", "Mã", "Cơ quan, đơn vị"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert [r[2] for r in rows] == ["SKHCN", "STC", "SNV", "SDL", "SXD", "SYT"]
    sdl = dict(zip(header, rows[3], strict=True))
    assert sdl["Tổng điểm"] == 82.5 and sdl["Xếp loại"] == "Tốt" and sdl["Hạng kỳ trước"] == 6
    assert sdl["Thay đổi hạng"] == 2 and sdl["Khoảng hạng"] == "3–5"
    assert sheet.freeze_panes == "E4"
    rules = [rule for rng in sheet.conditional_formatting for rule in rng.rules]
    assert [rule.formula[0] for rule in rules] == ['"Tốt"', '"Khá"', '"Trung bình"', '"Yếu"']
    fills = [rule.dxf.fill.bgColor.rgb[-6:] for rule in rules]
    assert ["#" + f for f in fills] == band_colours(4)


def test_criteria_sheet_holds_each_value_and_points() -> None:
    sheet = _book(ranking_workbook(make_ranking()))["Tiêu chí"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "P4")
    values = dict(zip(header, row, strict=True))
    assert values["HT_MANG điểm (/20,00)"] == 15 and values["HT_ATTT điểm (/20,00)"] == 0
    assert values["UD_KP điểm (/30,00)"] is None  # no data is not zero


def test_text_that_looks_like_a_formula_stays_text() -> None:
    ranking = make_ranking()
    evil = ranking.agencies[0].model_copy(update={"name_vi": '=HYPERLINK("http://x","y")'})
    book = _book(ranking_workbook(ranking.model_copy(update={"agencies": [evil, *ranking.agencies[1:]]})))
    cell = book["Khối sở, ban, ngành"]["C4"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


def test_english_workbook_and_sheet_names_are_valid_and_unique() -> None:
    book = _book(ranking_workbook(make_ranking(), lang="en"))
    assert book.sheetnames[0] == "README" and "Departments" in book.sheetnames
    taken: set[str] = set()
    names = [sheet_name("Khối: sở/ban [ngành]* rất dài tên quá 31 ký tự", taken) for _ in range(3)]
    assert names[0] == "Khối  sở ban  ngành   rất dài t"  # []:*?/\\ become spaces
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names)
