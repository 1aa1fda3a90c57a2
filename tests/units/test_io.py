"""Agency files: encodings, Excel, and every bad-input rule (row and column named, nothing written)."""
# ruff: noqa: E501  (inline CSV fixtures read best one record per line)

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, Problem
from chiso.store.models.agencies import Agency, AgencyLink, GroupMember
from chiso.store.models.units import AdminUnit
from chiso.units.agencies import get_agency
from chiso.units.agency_import import import_agencies
from chiso.units.io import COLUMNS, decode_csv_bytes, read_table, write_table

REFORM = date(2025, 7, 1)
HEADER = "code,name_vi,name_en,kind,parent_code,unit_code,province_code,valid_from,valid_to,predecessor_codes,link_kind,groups,period"  # noqa: E501


def encode_cp1258(text: str) -> bytes:
    """Encode like a legacy Windows-1258 editor: base letters precomposed, tones as combining marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in decomposed if c not in "\u0300\u0301\u0303\u0309\u0323")
        tones = "".join(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
        out += unicodedata.normalize("NFC", base).encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


@pytest.fixture
def units(db: Session) -> dict[str, AdminUnit]:
    """A tiny fake province (codes no real unit uses): legacy and current era share commune X9001."""
    rows = {
        "prov_old": AdminUnit(code="X9", level="province", name="Thử", full_name="Tỉnh Thử", province_code="X9",
                              name_ascii="tinh thu", valid_to=REFORM),
        "dist": AdminUnit(code="X91", level="district", name="Hải Châu", full_name="Quận Hải Châu",
                          province_code="X9", name_ascii="quan hai chau", valid_to=REFORM),
        "ward_old": AdminUnit(code="X9001", level="commune", name="Thạch Thang", full_name="Phường Thạch Thang",
                              province_code="X9", parent_code="X91", name_ascii="phuong thach thang",
                              valid_to=REFORM),
        "ward_new": AdminUnit(code="X9001", level="commune", name="Hải Châu", full_name="Phường Hải Châu",
                              province_code="X9", name_ascii="phuong hai chau", valid_from=REFORM),
    }  # fmt: skip
    db.add_all(rows.values())
    db.flush()
    return rows


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def _write(text: str, name: str = "agencies.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if encoding != "cp1258" else encode_cp1258(text))
        return path

    return _write


def count(db: Session) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count(Agency.id))) or 0,
        db.scalar(select(func.count(AgencyLink.id))) or 0,
        db.scalar(select(func.count()).select_from(GroupMember)) or 0,
    )


def refused(db: Session, path: Path, **kwargs: object) -> list[Problem]:
    """Import `path`, expect InvalidInput, check nothing was written, return the problems."""
    before = count(db)
    with pytest.raises(InvalidInput) as caught:
        import_agencies(db, actor=SYSTEM, path=path, **kwargs)  # type: ignore[arg-type]
    assert count(db) == before
    assert caught.value.problems, "an import error must list its problems"
    for problem in caught.value.problems:
        assert problem.file == path.name
        assert problem.message_vi and problem.message_en and problem.message_vi != problem.message_en
    return list(caught.value.problems)


def located(problems: list[Problem], row: int | None, column: str | None) -> list[Problem]:
    return [p for p in problems if p.row == row and p.column == column]


GOOD = f"""{HEADER}
X9.SO.TTTT,Sở Thông tin và Truyền thông,Department of Information and Communications,department,,,X9,,2025-03-01,,,2024:SBN,
X9.SO.KHCN,Sở Khoa học và Công nghệ,Department of Science and Technology,department,,,X9,,,X9.SO.TTTT,merge,SBN,2026
X9.QH.HAICHAU,UBND quận Hải Châu,,district,,X91,,,2025-07-01,,,2024:QH,
X9.PXC.X9001,UBND phường Thạch Thang,,commune,X9.QH.HAICHAU,X9001,,,2025-07-01,,,2024:PX,
X9.PX.X9001,UBND phường Hải Châu,,commune,,X9001,,2025-07-01,,X9.PXC.X9001,rename,2026:PX,
"""


# --------------------------------------------------------------------------- reading


def test_good_file_imports_and_resolves_units_by_era(db: Session, units: dict, write_csv: Callable) -> None:
    report = import_agencies(db, actor=SYSTEM, path=write_csv(GOOD))
    assert sorted(report.created) == sorted(line.split(",")[0] for line in GOOD.strip().splitlines()[1:])
    old, new = get_agency(db, code="X9.PXC.X9001"), get_agency(db, code="X9.PX.X9001")
    assert old.admin_unit_id == units["ward_old"].id  # same code, legacy era
    assert new.admin_unit_id == units["ward_new"].id  # same code, current era
    assert old.province_code == "X9"  # derived from the unit
    assert old.parent is not None and old.parent.code == "X9.QH.HAICHAU"
    assert report.links_added == 2 and report.members_added == 5


def test_second_import_changes_nothing(db: Session, units: dict, write_csv: Callable) -> None:
    path = write_csv(GOOD)
    import_agencies(db, actor=SYSTEM, path=path)
    again = import_agencies(db, actor=SYSTEM, path=path)
    assert again.created == [] and again.updated == [] and again.unchanged == 5
    assert again.links_added == again.links_removed == again.members_added == again.members_removed == 0


def test_dry_run_writes_nothing(db: Session, units: dict, write_csv: Callable) -> None:
    before = count(db)
    report = import_agencies(db, actor=SYSTEM, path=write_csv(GOOD), dry_run=True)
    assert len(report.created) == 5 and report.dry_run
    assert count(db) == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_encodings_are_read_to_the_same_text(encoding: str, write_csv: Callable) -> None:
    table = read_table(write_csv(GOOD, encoding=encoding))
    reference = read_table(write_csv(GOOD, name="ref.csv"))
    assert table.rows == reference.rows
    assert table.rows[1][1]["name_vi"] == "Sở Khoa học và Công nghệ"
    assert unicodedata.is_normalized("NFC", table.rows[1][1]["name_vi"])


def test_cp1258_legacy_file_imports_with_composed_tones(db: Session, units: dict, write_csv: Callable) -> None:
    path = write_csv(GOOD, encoding="cp1258")
    assert "\u0309".encode("cp1258") in path.read_bytes()  # tones really are separate bytes
    import_agencies(db, actor=SYSTEM, path=path)
    assert get_agency(db, code="X9.SO.TTTT").name_vi == "Sở Thông tin và Truyền thông"


def test_tcvn3_file_is_refused_naming_file_and_encoding(db: Session, write_csv: Callable, tmp_path: Path) -> None:
    path = tmp_path / "tcvn3.csv"
    # "Sở Thông tin" in TCVN3 (ABC): ở is 0xEB, ô is 0xAB.
    path.write_bytes(b"code,name_vi,kind\nX9.SO.TTTT,S\xeb Th\xabng tin,department\n")
    problems = refused(db, path)
    assert "UTF-8" in problems[0].message_en and "TCVN3" in problems[0].message_en
    assert problems[0].file == "tcvn3.csv"


def test_undecodable_bytes_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_csv_bytes(b"code,name_vi\nA,\x81\x8d\n", file="x.csv")
    assert "Windows-1258" in str(caught.value)


def test_semicolon_delimited_csv_is_read(write_csv: Callable) -> None:
    path = write_csv("code;name_vi;kind\nA;Sở Y tế;department\n")
    assert read_table(path).rows == [(2, {"code": "A", "name_vi": "Sở Y tế", "kind": "department"})]


def test_unsupported_extension_is_refused(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "agencies.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    problems = refused(db, path)
    assert ".xlsx" in problems[0].message_en


# --------------------------------------------------------------------------- bad input, one rule each


def test_missing_columns(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi\nA,Sở Y tế\n"))
    assert located(problems, 1, "kind")


def test_unknown_column_is_named(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,Parrent Code\nA,Sở Y tế,department,\n"))
    assert located(problems, 1, "parrent_code") and "parent_code" in problems[0].message_en


def test_unknown_parent_code(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,parent_code,province_code\n"
                                     "A,Sở Y tế,department,,X9\nB,Phòng Y tế,other,NOPE,X9\n"))  # fmt: skip
    assert located(problems, 3, "parent_code") and "NOPE" in problems[0].message_en


def test_unknown_unit_code(db: Session, units: dict, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,unit_code\nA,UBND phường Z,commune,X9999\n"))
    assert located(problems, 2, "unit_code")


def test_unit_code_not_valid_on_the_agency_dates(db: Session, units: dict, write_csv: Callable) -> None:
    # The district X91 ends on 1 July 2025; a committee starting in 2026 cannot sit on it.
    problems = refused(db, write_csv("code,name_vi,kind,unit_code,valid_from\nA,UBND Z,district,X91,2026-01-01\n"))
    assert located(problems, 2, "unit_code")


def test_unknown_predecessor_code(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_from,predecessor_codes\n"
                                     "A,Sở Y tế,department,X9,2025-03-01,GONE\n"))  # fmt: skip
    assert located(problems, 2, "predecessor_codes") and "GONE" in problems[0].message_en


def test_duplicate_codes(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_from,valid_to\n"
                                     "A,Sở Y tế,department,X9,,2020-01-01\n"
                                     "A,Sở Y tế mới,department,X9,2021-01-01,\n"))  # fmt: skip
    assert located(problems, 3, "code") and "row 2" in problems[0].message_en


def test_overlapping_validity_of_one_code(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_from,valid_to\n"
                                     "A,Sở Y tế,department,X9,2010-01-01,2022-01-01\n"
                                     "A,Sở Y tế,department,X9,2021-01-01,\n"))  # fmt: skip
    assert located(problems, 3, "valid_from") and "overlapping" in problems[0].message_en


def test_cycle_in_parents(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,parent_code,province_code\n"
                                     "A,Sở A,department,C,X9\nB,Phòng B,other,A,X9\nC,Phòng C,other,B,X9\n"))  # fmt: skip
    assert {p.row for p in problems if p.column == "parent_code"} == {2, 3, 4}
    assert "A -> C -> B -> A" in problems[0].message_en


def test_cycle_in_parents_through_the_database(db: Session, write_csv: Callable) -> None:
    import_agencies(db, actor=SYSTEM, path=write_csv("code,name_vi,kind,parent_code,province_code\n"
                                       "A,Sở A,department,,X9\nB,Phòng B,other,A,X9\n", name="first.csv"))  # fmt: skip
    problems = refused(db, write_csv("code,name_vi,kind,parent_code,province_code\nA,Sở A,department,B,X9\n"))
    assert located(problems, 2, "parent_code")
    assert get_agency(db, code="A").parent_id is None


def test_predecessor_still_valid_after_the_merge(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_from,valid_to,predecessor_codes,link_kind\n"
                                     "OLD,Sở GTVT,department,X9,,2025-06-01,,\n"
                                     "NEW,Sở Xây dựng,department,X9,2025-03-01,,OLD,merge\n"))  # fmt: skip
    assert located(problems, 3, "predecessor_codes") and "Overlapping validity" in problems[0].message_en


def test_successor_starting_after_the_link_date(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_from,valid_to,predecessor_codes,"
                                     "link_kind,link_date\nOLD,Sở GTVT,department,X9,,2025-03-01,,,\n"
                                     "NEW,Sở Xây dựng,department,X9,2025-05-01,,OLD,merge,2025-03-01\n"))  # fmt: skip
    assert located(problems, 3, "valid_from")


def test_cycle_in_predecessor_links(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,predecessor_codes,link_kind,link_date\n"
                                     "A,Sở A,department,X9,B,split,2020-01-01\n"
                                     "B,Sở B,department,X9,A,split,2021-01-01\n"))  # fmt: skip
    assert located(problems, 2, "predecessor_codes") and located(problems, 3, "predecessor_codes")


@pytest.mark.parametrize(
    ("cells", "column"),
    [("31/02/2024,", "valid_from"), ("2024-13-01,", "valid_from"), (",next year", "valid_to"),
     ("2024-05-01,2024-01-01", "valid_to")],
)  # fmt: skip
def test_bad_dates(db: Session, write_csv: Callable, cells: str, column: str) -> None:
    problems = refused(db, write_csv(f"code,name_vi,kind,province_code,valid_from,valid_to\nA,Sở Y tế,department,X9,{cells}\n"))
    assert located(problems, 2, column)


def test_vietnamese_dates_are_accepted(db: Session, write_csv: Callable) -> None:
    import_agencies(db, actor=SYSTEM, path=write_csv("code,name_vi,kind,province_code,valid_from\nA,Sở Y tế,department,X9,01/03/2025\n"))
    assert get_agency(db, code="A").valid_from == date(2025, 3, 1)


def test_unknown_kind(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code\nA,Sở Y tế,sở,X9\n"))
    assert located(problems, 2, "kind") and "department" in problems[0].message_en


def test_group_without_period(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,groups\nA,Sở Y tế,department,X9,SBN\n"))
    assert located(problems, 2, "groups")


def test_group_period_outside_validity(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_to,groups\n"
                                     "A,Sở TT&TT,department,X9,2025-03-01,2026:SBN\n"))  # fmt: skip
    assert located(problems, 2, "groups")


def test_period_option_applies_to_bare_group_codes(db: Session, write_csv: Callable) -> None:
    report = import_agencies(
        db, actor=SYSTEM, path=write_csv("code,name_vi,kind,province_code,groups\nA,Sở Y tế,department,X9,SBN\n"), period="2026"
    )
    assert report.groups_created == ["2026:SBN"]


def test_every_problem_is_reported_not_just_the_first(db: Session, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,valid_from,parent_code\n"
                                     "A,Sở Y tế,sở,X9,,\n"
                                     "B,,department,X9,hôm qua,\n"
                                     "C,Phòng C,other,X9,,NOPE\n"))  # fmt: skip
    assert {(p.row, p.column) for p in problems} == {
        (2, "kind"), (3, "name_vi"), (3, "valid_from"), (4, "parent_code")
    }


def test_failing_file_leaves_existing_agencies_unchanged(db: Session, write_csv: Callable) -> None:
    import_agencies(db, actor=SYSTEM, path=write_csv("code,name_vi,kind,province_code\nA,Sở Y tế,department,X9\n", name="a.csv"))
    refused(db, write_csv("code,name_vi,kind,province_code\nA,Sở Y tế (đổi tên),department,X9\nB,Sở B,sở,X9\n"))
    assert get_agency(db, code="A").name_vi == "Sở Y tế"


def test_xlsx_bad_input_names_row_and_column(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "agencies.xlsx"
    rows = [{"code": "A", "name_vi": "Sở Y tế", "kind": "department", "province_code": "X9"},
            {"code": "B", "name_vi": "Phòng B", "kind": "other", "parent_code": "NOPE", "province_code": "X9"}]  # fmt: skip
    write_table(path, COLUMNS, rows)
    problems = refused(db, path)
    assert located(problems, 3, "parent_code")


def test_broken_xlsx_is_refused(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "agencies.xlsx"
    path.write_bytes(b"not a zip")
    problems = refused(db, path)
    assert ".xlsx" in problems[0].message_en


def test_xlsx_with_numeric_and_date_cells(db: Session, units: dict, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Name VI", "kind", "unit_code", "valid_to"])
    sheet.append(["X9.PXC.X9001", "UBND phường Thạch Thang", "commune", "X9001", date(2025, 7, 1)])
    path = tmp_path / "hand-made.xlsx"
    book.save(path)
    import_agencies(db, actor=SYSTEM, path=path)
    agency = get_agency(db, code="X9.PXC.X9001")
    assert agency.valid_to == REFORM and agency.admin_unit_id == units["ward_old"].id


# --------------------------------------------------------------------------- descriptive columns

NAMED = (
    "code,name_vi,kind,parent_code,parent_name,unit_code,unit_name,province_code,valid_to\n"
    "X9.QH.HAICHAU,UBND quận Hải Châu,district,,,X91,Quận Hải Châu,X9,2025-07-01\n"
    "X9.PXC.X9001,UBND phường Thạch Thang,commune,X9.QH.HAICHAU,{parent},X9001,{unit},X9,2025-07-01\n"
)


@pytest.mark.parametrize(
    ("parent", "unit"),
    [
        ("UBND quận Hải Châu", "Phường Thạch Thang"),
        ("  UBND  quận Hải Châu ", "Phường Thạch  Thang"),  # spacing as a spreadsheet may leave it
        ("", ""),  # empty cells describe nothing and are fine
    ],
)
def test_parent_and_unit_names_that_match_are_accepted(
    db: Session, units: dict, write_csv: Callable, parent: str, unit: str
) -> None:
    report = import_agencies(db, actor=SYSTEM, path=write_csv(NAMED.format(parent=parent, unit=unit)))
    assert sorted(report.created) == ["X9.PXC.X9001", "X9.QH.HAICHAU"]
    assert get_agency(db, code="X9.PXC.X9001").admin_unit_id == units["ward_old"].id


def test_a_parent_name_from_the_database_is_checked_too(db: Session, units: dict, write_csv: Callable) -> None:
    import_agencies(db, actor=SYSTEM, path=write_csv(NAMED.format(parent="", unit="")))
    child_only = NAMED.splitlines()[0] + "\n" + NAMED.splitlines()[2] + "\n"
    ok = import_agencies(db, actor=SYSTEM, path=write_csv(child_only.format(parent="UBND quận Hải Châu", unit="")))
    assert ok.unchanged == 1
    problems = refused(db, write_csv(child_only.format(parent="UBND quận Thanh Khê", unit="")))
    assert located(problems, 2, "parent_name") and "UBND quận Hải Châu" in problems[0].message_en


def test_a_renamed_parent_in_the_same_file_is_the_name_to_match(
    db: Session, units: dict, write_csv: Callable
) -> None:
    renamed = NAMED.replace("X9.QH.HAICHAU,UBND quận Hải Châu,", "X9.QH.HAICHAU,UBND quận Hải Châu (mới),")
    problems = refused(db, write_csv(renamed.format(parent="UBND quận Hải Châu", unit="")))
    assert located(problems, 3, "parent_name")
    report = import_agencies(db, actor=SYSTEM, path=write_csv(renamed.format(parent="UBND quận Hải Châu (mới)", unit="")))
    assert len(report.created) == 2


@pytest.mark.parametrize(
    ("parent", "unit", "column"),
    [
        ("Sở Y tế", "", "parent_name"),  # names another agency than parent_code
        ("", "Phường Hải Châu", "unit_name"),  # the current unit X9001, not the legacy one the dates pick
    ],
)
def test_names_that_do_not_match_are_refused_not_ignored(
    db: Session, units: dict, write_csv: Callable, parent: str, unit: str, column: str
) -> None:
    problems = refused(db, write_csv(NAMED.format(parent=parent, unit=unit)))
    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert "descriptive" in problems[0].message_en and "chỉ để đọc" in problems[0].message_vi


def test_a_name_without_its_code_is_refused(db: Session, units: dict, write_csv: Callable) -> None:
    problems = refused(db, write_csv("code,name_vi,kind,province_code,parent_name,unit_name\n"
                                     "A,Sở Y tế,department,X9,UBND thành phố,Phường Hải Châu\n"))  # fmt: skip
    assert {(p.row, p.column) for p in problems} == {(2, "parent_name"), (2, "unit_name")}
