"""Agencies service: search, history, groups, and a lossless export -> import round trip (CSV and XLSX)."""
# ruff: noqa: E501  (inline agency tables read best one record per line)

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.errors import InvalidInput, NotFound
from chiso.units.agencies import get_agency, search_agencies
from chiso.units.agency_export import export_agencies
from chiso.units.agency_history import get_agency_history
from chiso.units.agency_import import import_agencies
from chiso.units.groups import agency_groups, get_group, list_groups
from chiso.units.io import COLUMNS, read_table, write_table
from chiso.units.text import sort_key

HISTORY = [
    # code, name_vi, kind, valid_from, valid_to, predecessors, link_kind, groups
    ("T.SO.TTTT", "Sở Thông tin và Truyền thông", "department", "", "2025-03-01", "", "", "2024:SBN"),
    ("T.SO.KHCN", "Sở Khoa học và Công nghệ", "department", "", "", "T.SO.TTTT", "merge", "2024:SBN;2026:SBN"),
    ("T.SO.NNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "department", "", "2025-03-01", "", "", "2024:SBN"),
    ("T.SO.TNMT", "Sở Tài nguyên và Môi trường", "department", "", "2025-03-01", "", "", "2024:SBN"),
    ("T.SO.NNMT", "Sở Nông nghiệp và Môi trường", "department", "2025-03-01", "", "T.SO.NNPTNT;T.SO.TNMT", "merge",
     "2026:SBN"),
    ("T.SO.ANH", "Sở Ánh sáng", "department", "", "", "", "", ""),
    ("T.SO.AN", "Sở An ninh", "department", "", "", "", "", ""),
    ("T.SO.DA", "Sở Đa dạng", "department", "", "", "", "", ""),
    ("T.TW.THUE", "Cục Thuế thành phố", "central", "", "2025-07-01", "", "", "2024:TW"),
    ("T.TW.THUE2", "Thuế thành phố", "central", "2025-07-01", "", "T.TW.THUE", "rename", "2026:TW"),
    ("T.TW.THUE3", "Thuế thành phố (mới)", "central", "2026-07-01", "", "T.TW.THUE2", "rename", ""),
]  # fmt: skip


@pytest.fixture
def history(db: Session, tmp_path: Path) -> None:
    header = ["code", "name_vi", "kind", "valid_from", "valid_to", "predecessor_codes", "link_kind", "groups"]
    rows = [dict(zip(header, r, strict=True)) | {"province_code": "T1"} for r in HISTORY]
    # T.TW.THUE2 ends when THUE3 begins
    rows[9]["valid_to"] = "2026-07-01"
    path = tmp_path / "history.csv"
    write_table(path, header + ["province_code"], rows)
    import_agencies(db, actor=SYSTEM, path=path)


def test_search_is_accent_insensitive(db: Session, history: None) -> None:
    found = [a.code for a in search_agencies(db, q="so khoa hoc")]
    assert found == ["T.SO.KHCN"]
    assert [a.code for a in search_agencies(db, q="NÔNG NGHIỆP môi")] == ["T.SO.NNMT"]
    assert [a.code for a in search_agencies(db, q="t.tw.thue3")] == ["T.TW.THUE3"]


def test_search_sorts_in_vietnamese_order(db: Session, history: None) -> None:
    names = [a.name_vi for a in search_agencies(db, province_code="T1", kind="department")]
    assert names == sorted(names, key=sort_key)
    # a < ă/â and d < đ: "Sở An ninh" < "Sở Ánh sáng" (tone only) and "Sở Đa dạng" after every "Sở D..."
    assert names.index("Sở An ninh") < names.index("Sở Ánh sáng") < names.index("Sở Đa dạng")


def test_search_filters_by_date_kind_and_group(db: Session, history: None) -> None:
    on_2024 = {a.code for a in search_agencies(db, province_code="T1", on=date(2024, 6, 1), kind="department")}
    assert "T.SO.TTTT" in on_2024 and "T.SO.NNMT" not in on_2024
    in_group = [a.code for a in search_agencies(db, group="2026:SBN")]
    assert sorted(in_group) == ["T.SO.KHCN", "T.SO.NNMT"]
    assert {a.code for a in search_agencies(db, group="SBN", period="2024")} == {
        "T.SO.TTTT", "T.SO.KHCN", "T.SO.NNPTNT", "T.SO.TNMT"
    }  # fmt: skip
    with pytest.raises(InvalidInput):
        search_agencies(db, kind="ministry")


def test_get_agency_unknown_code(db: Session) -> None:
    with pytest.raises(NotFound):
        get_agency(db, code="NO.SUCH")


def test_history_is_transitive_with_dates(db: Session, history: None) -> None:
    latest = get_agency_history(db, code="T.TW.THUE3")
    assert [(h.predecessor_code, h.depth, h.effective_on) for h in latest.predecessors] == [
        ("T.TW.THUE2", 1, date(2026, 7, 1)),
        ("T.TW.THUE", 2, date(2025, 7, 1)),
    ]
    first = get_agency_history(db, code="T.TW.THUE")
    assert [(h.successor_code, h.kind, h.depth) for h in first.successors] == [
        ("T.TW.THUE2", "rename", 1),
        ("T.TW.THUE3", "rename", 2),
    ]
    merged = get_agency_history(db, code="T.SO.NNMT")
    assert {h.predecessor_code for h in merged.predecessors} == {"T.SO.NNPTNT", "T.SO.TNMT"}
    assert all(h.kind == "merge" and h.effective_on == date(2025, 3, 1) for h in merged.predecessors)
    # Absorption: the link date is the absorbed agency's end, the absorbing agency has no start.
    absorbed = get_agency_history(db, code="T.SO.KHCN").predecessors
    assert [(h.predecessor_code, h.effective_on) for h in absorbed] == [("T.SO.TTTT", date(2025, 3, 1))]


def test_groups(db: Session, history: None) -> None:
    groups = {(g.period, g.code): g for g in list_groups(db, province_code="T1")}
    assert set(groups) == {("2024", "SBN"), ("2026", "SBN"), ("2024", "TW"), ("2026", "TW")}
    assert groups[("2026", "SBN")].name_vi == "Sở, ban, ngành"
    assert groups[("2026", "SBN")].member_codes == ["T.SO.KHCN", "T.SO.NNMT"]
    assert get_group(db, province_code="T1", period="2024", code="TW").member_codes == ["T.TW.THUE"]
    assert [(g.period, g.code) for g in agency_groups(db, code="T.SO.KHCN")] == [("2024", "SBN"), ("2026", "SBN")]
    assert [g.code for g in list_groups(db, province_code="T1", period="2026")] == ["SBN", "TW"]


def test_reimport_replaces_links_and_memberships_of_named_periods(db: Session, history: None, tmp_path: Path) -> None:
    path = tmp_path / "change.csv"
    write_table(path, ["code", "name_vi", "kind", "province_code", "predecessor_codes", "groups"],
                [{"code": "T.SO.KHCN", "name_vi": "Sở Khoa học và Công nghệ", "kind": "department",
                  "province_code": "T1", "predecessor_codes": "", "groups": "2026:SBN"}])  # fmt: skip
    report = import_agencies(db, actor=SYSTEM, path=path)
    assert report.updated == ["T.SO.KHCN"] and report.links_removed == 1 and report.members_removed == 0
    assert get_agency_history(db, code="T.SO.KHCN").predecessors == []
    # Only the periods a file names are restated: 2024 is kept ...
    assert [(g.period, g.code) for g in agency_groups(db, code="T.SO.KHCN")] == [("2024", "SBN"), ("2026", "SBN")]
    # ... until a file names 2024 with no group for this agency.
    write_table(path, ["code", "name_vi", "kind", "province_code", "groups", "period"],
                [{"code": "T.SO.KHCN", "name_vi": "Sở Khoa học và Công nghệ", "kind": "department",
                  "province_code": "T1", "groups": "", "period": "2024"}])  # fmt: skip
    assert import_agencies(db, actor=SYSTEM, path=path).members_removed == 1
    assert [(g.period, g.code) for g in agency_groups(db, code="T.SO.KHCN")] == [("2026", "SBN")]


# --------------------------------------------------------------------------- round trip

_VN_CHARS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
_NAME = st.text(alphabet=_VN_CHARS + " ,;\"'&-()", min_size=1, max_size=40).map(str.strip).filter(bool)
_DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def agency_sets(draw: st.DrawFn) -> list[dict[str, str]]:
    """A valid, canonical agency file (as export writes it): parents and predecessors point backwards."""
    n = draw(st.integers(1, 7))
    rows: list[dict[str, str]] = []
    spans: list[tuple[date | None, date | None]] = []
    for i in range(n):
        start = draw(st.none() | _DAY)
        end = draw(st.none() | _DAY)
        if start and end and end <= start:
            start, end = end, start + timedelta(days=1) if end == start else start
        spans.append((start, end))
        parent = draw(st.none() | st.integers(0, i - 1)) if i else None
        preds: list[tuple[str, str, date]] = []
        for j in sorted(draw(st.sets(st.integers(0, i - 1), max_size=2)) if i else []):
            p_start, p_end = spans[j]
            lower = max(d for d in (p_start and p_start + timedelta(days=1), start, date(2000, 1, 2)) if d)
            upper = (end - timedelta(days=1)) if end else date(2031, 1, 1)
            if lower > upper:
                continue
            if p_end and lower <= p_end <= upper:
                preds.append((f"R{j}.X", "merge", p_end))
            else:
                preds.append((f"R{j}.X", "split", lower))
        groups = set()
        for period, code in draw(st.sets(st.sampled_from([("2024", "SBN"), ("2026", "SBN"), ("2026", "PX"),
                                                           ("Q3-2025", "TW")]), max_size=3)):  # fmt: skip
            if period.isdigit():
                y0, y1 = date(int(period), 1, 1), date(int(period) + 1, 1, 1)
                if (start and start >= y1) or (end and end <= y0):
                    continue
            groups.add(f"{period}:{code}")
        preds.sort()
        kinds = [k for _, k, _ in preds]
        dates = [d.isoformat() for _, _, d in preds]
        rows.append(
            {
                "code": f"R{i}.X",
                "name_vi": draw(_NAME),
                "name_en": draw(st.sampled_from(["", "Department of Health", 'Board "A"; B'])),
                "kind": draw(st.sampled_from(["department", "central", "district", "commune", "other"])),
                "parent_code": f"R{parent}.X" if parent is not None else "",
                "unit_code": "",
                "province_code": "X9",
                "valid_from": start.isoformat() if start else "",
                "valid_to": end.isoformat() if end else "",
                "predecessor_codes": ";".join(c for c, _, _ in preds),
                "link_kind": (kinds[0] if len(set(kinds)) == 1 else ";".join(kinds)) if kinds else "",
                "link_date": (dates[0] if len(set(dates)) == 1 else ";".join(dates)) if dates else "",
                "groups": ";".join(sorted(groups)),
                "period": "",
            }
        )
    return rows


@pytest.mark.parametrize(("source", "target"), [("csv", "xlsx"), ("xlsx", "csv")])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=agency_sets())
def test_export_import_round_trip_is_lossless(
    db: Session, tmp_path: Path, source: str, target: str, rows: list[dict[str, str]]
) -> None:
    nested = db.begin_nested()
    try:
        original = tmp_path / f"in.{source}"
        write_table(original, COLUMNS, rows)
        import_agencies(db, actor=SYSTEM, path=original)
        exported = tmp_path / f"out.{target}"
        assert export_agencies(db, path=exported, province_code="X9") == len(rows)
        got = sorted((r for _, r in read_table(exported).rows), key=lambda r: r["code"])
        want = sorted(rows, key=lambda r: r["code"])
        assert got == want
        again = import_agencies(db, actor=SYSTEM, path=exported)
        assert again.created == [] and again.updated == [] and again.unchanged == len(rows)
    finally:
        nested.rollback()
