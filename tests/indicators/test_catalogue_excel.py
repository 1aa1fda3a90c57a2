"""The catalogue workbook: template, export, import all or nothing with a dry run, every problem named by
row and column in both languages, and an exported catalogue that imports back unchanged (hypothesis)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from catalogue_support import OWNER, small_catalogue
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput
from chiso.indicators import catalogue, catalogue_excel
from chiso.indicators.schemas import CATALOGUE_FIELDS, IndicatorIn
from chiso.store.models.audit import AuditEntry
from chiso.store.models.indicators import Indicator, IndicatorFolder


def _book(
    rows: list[dict[str, Any]], folders: list[dict[str, Any]] | None = None, header: Any = None
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "chi_tieu"
    columns = header or list(CATALOGUE_FIELDS)
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    if folders is not None:
        extra = book.create_sheet("thu_muc")
        extra.append(["code", "name_vi", "name_en", "position"])
        for folder in folders:
            extra.append([folder.get(c) for c in ("code", "name_vi", "name_en", "position")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(db: Session, data: bytes, *, dry_run: bool = False) -> catalogue_excel.ImportReport:
    return catalogue_excel.import_catalogue(
        db, data=data, filename="danh-muc.xlsx", dry_run=dry_run, actor=SYSTEM
    )


def test_template_has_the_columns_folders_and_help() -> None:
    book = openpyxl.load_workbook(io.BytesIO(catalogue_excel.template_workbook()))
    assert book.sheetnames == ["chi_tieu", "thu_muc", "huong_dan"]
    assert [c.value for c in book["chi_tieu"][1]] == list(CATALOGUE_FIELDS)
    assert book["chi_tieu"].max_row == 1
    help_rows = {row[0]: row[1] for row in book["huong_dan"].iter_rows(min_row=2, values_only=True)}
    assert set(help_rows) == set(CATALOGUE_FIELDS) and all(help_rows.values())


def test_export_imports_back_unchanged(db: Session) -> None:
    small_catalogue(db)
    exported = catalogue_excel.export_catalogue(db)
    report = _import(db, exported, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == ([], [], 5)
    assert report.folders_created == report.folders_updated == []
    before = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    _import(db, exported)
    assert (
        db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) == before
    )  # nothing audited
    assert catalogue_excel.export_catalogue(db) == exported


def test_import_creates_and_updates_in_one_go_and_a_dry_run_saves_nothing(db: Session) -> None:
    small_catalogue(db)
    rows: list[dict[str, Any]] = [
        {"code": "KTS_TY_TRONG_GRDP", "name_vi": "Tỷ trọng kinh tế số trong GRDP", "value_type": "percent",
         "folder_code": "KINH_TE_SO", "aggregation": "none", "owner_agency_code": OWNER, "active": "có"},
        {"code": "DVC_TL_ONLINE_2", "name_vi": "Tỷ lệ trực tuyến (tính lại)", "source": "formula",
         "formula": "DVC_HS_TRUC_TUYEN / KTS_TY_TRONG_GRDP", "needs_approval": 1},
        {"code": "HT_SO_HO", "name_vi": "Số hộ gia đình (cập nhật)", "level": "commune", "unit": "hộ"},
    ]  # fmt: skip
    folders: list[dict[str, Any]] = [{"code": "KINH_TE_SO", "name_vi": "Kinh tế số", "position": 3}]
    data = _book(rows, folders)
    dry = _import(db, data, dry_run=True)
    assert dry.created == ["KTS_TY_TRONG_GRDP", "DVC_TL_ONLINE_2"] and dry.updated == ["HT_SO_HO"]
    assert dry.folders_created == ["KINH_TE_SO"]
    assert db.scalar(select(Indicator).where(Indicator.code == "KTS_TY_TRONG_GRDP")) is None
    assert db.scalar(select(IndicatorFolder).where(IndicatorFolder.code == "KINH_TE_SO")) is None
    done = _import(db, data)
    assert done.model_dump(exclude={"dry_run"}) == dry.model_dump(exclude={"dry_run"})
    assert catalogue.get_indicator(db, code="HT_SO_HO").name_vi == "Số hộ gia đình (cập nhật)"
    assert catalogue.get_indicator(db, code="DVC_TL_ONLINE_2").needs_approval is True
    assert catalogue.get_indicator(db, code="KTS_TY_TRONG_GRDP").folder_code == "KINH_TE_SO"


def test_a_column_left_out_keeps_the_existing_value(db: Session) -> None:
    small_catalogue(db)
    data = _book([{"code": "HT_CAP_QUANG_HO", "name_vi": "Hộ có cáp quang"}], header=["code", "name_vi"])
    assert _import(db, data).updated == ["HT_CAP_QUANG_HO"]
    row = catalogue.get_indicator(db, code="HT_CAP_QUANG_HO")
    assert (row.name_vi, row.aggregation, row.weight_code) == ("Hộ có cáp quang", "weighted", "HT_SO_HO")


def test_every_problem_is_named_by_row_and_column_and_nothing_is_saved(db: Session) -> None:
    small_catalogue(db)
    rows: list[dict[str, Any]] = [
        {"code": "MOI_MOT", "name_vi": "Đúng", "folder_code": "DICH_VU_CONG"},
        {"code": "sai ma", "name_vi": "Mã sai", "value_type": "phan tram"},
        {"code": "MOI_HAI", "name_vi": "Công thức sai", "source": "formula", "formula": "MOI_MOT / KHONG_CO"},
        {"code": "MOI_BA", "name_vi": "Quyền số", "aggregation": "weighted", "owner_agency_code": "KHONG.CO"},
        {"code": "MOI_MOT", "name_vi": "Trùng mã"},
    ]
    with pytest.raises(InvalidInput) as exc:
        _import(db, _book(rows))
    where = {(p.row, p.column) for p in exc.value.problems}
    assert {(3, "A (code)"), (3, "H (value_type)"), (4, "P (formula)"), (5, "L (weight_code)"),
            (5, "M (owner_agency_code)"), (6, "A (code)")} <= where  # fmt: skip
    assert all(p.file == "danh-muc.xlsx" and p.message_vi and p.message_en for p in exc.value.problems)
    assert "chưa lưu gì" in exc.value.message_vi and "nothing saved" in exc.value.message_en
    assert "KHONG_CO" in str(exc.value) and "dòng/row 4" in str(exc.value)
    assert db.scalar(select(Indicator).where(Indicator.code == "MOI_MOT")) is None


def test_unknown_columns_missing_sheet_and_not_a_workbook_are_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as unknown:
        _import(db, _book([{"code": "A1", "name_vi": "x"}], header=["code", "name_vi", "ten_cu"]))
    assert [(p.row, p.column) for p in unknown.value.problems] == [(1, "C")]
    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InvalidInput, match="chi_tieu"):
        _import(db, buffer.getvalue())
    with pytest.raises(InvalidInput, match="xlsx"):
        _import(db, b"code,name_vi\nA,B\n")


def test_folder_sheet_problems_name_the_sheet(db: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        _import(db, _book([], [{"code": "sai", "name_vi": "Sai"}]))
    assert [(p.file, p.row, p.column) for p in exc.value.problems] == [
        ("danh-muc.xlsx / thu_muc", 2, "A (code)")
    ]


def test_text_that_looks_like_a_formula_stays_text(db: Session) -> None:
    small_catalogue(db)
    row = catalogue.indicator_dict(catalogue.get_indicator(db, code="HT_SO_HO"))
    changed = IndicatorIn(**{**row, "definition": '=HYPERLINK("http://x", "bam")', "unit": "+hộ"})
    catalogue.update_indicator(db, code="HT_SO_HO", data=changed, actor=SYSTEM)
    book = openpyxl.load_workbook(io.BytesIO(catalogue_excel.export_catalogue(db)))
    cells = [
        c for row in book["chi_tieu"].iter_rows() for c in row if c.value and str(c.value).startswith("=")
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    assert _import(db, catalogue_excel.export_catalogue(db), dry_run=True).updated == []


TEXT = st.text(st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="_"), max_size=30).map(
    str.strip
)
CODE_TEXT = st.from_regex(r"[A-Z][A-Z0-9_]{1,12}", fullmatch=True).filter(
    lambda c: c not in catalogue.RESERVED_CODES
)
NUMBER = st.one_of(st.none(), st.integers(-(10**9), 10**9).map(lambda n: n / 1000))


@st.composite
def catalogues(draw: st.DrawFn) -> list[IndicatorIn]:
    codes = draw(st.lists(CODE_TEXT, min_size=1, max_size=6, unique=True))
    out = []
    for i, code in enumerate(codes):
        source = draw(
            st.sampled_from(["entered", "pushed", "computed", "formula"] if i else ["entered", "pushed"])
        )
        weighted = i > 0 and draw(st.booleans())
        out.append(
            IndicatorIn(
                code=code,
                name_vi=draw(TEXT.filter(bool)),
                name_en=draw(st.one_of(st.none(), TEXT)),
                folder_code=draw(st.sampled_from([None, "DICH_VU_CONG", "HA_TANG_CNTT"])),
                definition=draw(st.one_of(st.none(), TEXT)),
                legal_basis=draw(st.one_of(st.none(), TEXT)),
                unit=draw(st.one_of(st.none(), TEXT.map(lambda t: t[:40].strip()))),
                value_type=draw(st.sampled_from(["count", "percent", "money", "duration", "rate"])),
                period_type=out[0].period_type
                if weighted
                else draw(st.sampled_from(["month", "quarter", "year"])),
                level=draw(st.sampled_from(["province", "commune", "agency"])),
                aggregation="weighted" if weighted else draw(st.sampled_from(["sum", "mean", "none"])),
                weight_code=codes[0] if weighted else None,
                owner_agency_code=draw(st.sampled_from([None, OWNER])),
                source=source,
                metric_code="TIMELINESS" if source == "computed" else None,
                formula=f"{codes[0]} * 100 / ({codes[0]} + 1)" if source == "formula" else None,
                min_value=draw(NUMBER),
                max_value=None,
                higher_is_better=draw(st.booleans()),
                outlier_sd=draw(st.one_of(st.none(), st.integers(1, 100).map(lambda n: n / 10))),
                needs_approval=draw(st.booleans()),
                active=draw(st.booleans()),
            )  # fmt: skip
        )
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=catalogues())
def test_any_exported_catalogue_reads_back_the_same(db: Session, entries: list[IndicatorIn]) -> None:
    nested = db.begin_nested()
    try:
        small_catalogue(db)
        existing = {code for code in db.scalars(select(Indicator.code))}
        for item in entries:
            if item.code not in existing:
                catalogue.create_indicator(db, data=item, actor=SYSTEM)
        exported = catalogue_excel.export_catalogue(db)
        stored = [catalogue.indicator_dict(r) for r in catalogue.all_indicators(db)]
        _, rows = catalogue_excel.read_catalogue(exported, filename="x.xlsx")
        assert [item.model_dump() for _, item in rows] == stored
        report = _import(db, exported, dry_run=True)
        assert report.created == report.updated == [] and report.unchanged == len(stored)
    finally:
        nested.rollback()
