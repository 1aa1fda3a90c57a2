"""Record schemas and readers: every validation error, CSV/JSONL/Parquet, row numbers, round trips."""

from __future__ import annotations

import csv as pycsv
import json
import string
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chiso import clock
from chiso.errors import InvalidInput
from chiso.monitoring.records.readers import (
    REJECT_COLUMNS,
    read_file,
    validate_records,
    write_rejects,
)
from chiso.monitoring.records.schema import (
    DOSSIER_CHANNELS,
    DOSSIER_STATUSES,
    KINDS,
    arrow_schema,
    guess_kind,
    record_type,
)

HEADER = "dossier_id,agency_code,procedure_code,channel,received_at,due_at,finished_at,status"
GOOD = "D1,A01,P1,online,2026-08-03T09:00:00,2026-08-10T17:00:00,,processing"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_has_a_key_and_a_schema_matching_its_columns() -> None:
    for kind in KINDS:
        rtype = record_type(kind)
        schema = arrow_schema(kind)
        assert schema.names == rtype.names
        assert rtype.key == rtype.names[0]
        assert not schema.field(rtype.key).nullable
    assert record_type("pakn").kind == "petitions"
    assert guess_kind(["dossier_id", "procedure_code"]) == "dossiers"
    assert guess_kind(["procedure_code", "name"]) == "procedures"
    assert guess_kind(["petition_id"]) == "petitions"
    assert guess_kind(["x"]) is None


def test_issue_columns_are_all_there() -> None:
    assert record_type("dossiers").names[:19] == [
        "dossier_id", "agency_code", "procedure_code", "channel", "received_at", "due_at", "finished_at",
        "status", "supplement_requests", "paused_days", "full_online", "fee_required", "digitised",
        "e_result", "reused_data", "population_data", "synced_national", "paid_online", "rating",
    ]  # fmt: skip
    assert record_type("procedures").names[:9] == [
        "procedure_code", "name", "full_online_eligible", "fee_bearing", "paper_result_required",
        "legal_basis_effective_on", "announced_on", "published_on", "content_complete",
    ]  # fmt: skip
    assert record_type("petitions").names == [
        "petition_id", "agency_code", "received_at", "due_at", "handled_at", "category",
        "dissatisfied", "repeat", "overdue", "dossier_id",  # the dossier a complaint is about (issue 15)
    ]  # fmt: skip
    assert record_type("procedures").names[-1] == "for_citizens"  # issue 15: procedures for citizens
    # a petitions file naming a dossier_id is still read as petitions
    assert guess_kind(["petition_id", "dossier_id", "agency_code"]) == "petitions"


def test_a_good_csv_row_is_typed_and_defaults_fill_the_optional_columns(tmp_path: Path) -> None:
    res = read_file(write(tmp_path, "d.csv", f"{HEADER}\n{GOOD}\n"))
    assert res.kind == "dossiers" and res.rejects == [] and res.rows_read == 1
    row = res.table.to_pylist()[0]
    assert res.table.schema == arrow_schema("dossiers")
    assert row["received_at"] == datetime(2026, 8, 3, 9, 0)
    assert row["finished_at"] is None
    assert row["supplement_requests"] == 0 and row["paid_online"] == 0
    assert row["full_online"] is False and row["rating"] is None


@pytest.mark.parametrize(
    ("column", "value", "reason_en"),
    [
        ("dossier_id", "", "A required value is missing"),
        ("agency_code", "", "A required value is missing"),
        ("channel", "fax", "Not an allowed value; expected one of online, direct, postal"),
        ("status", "lost", "Not an allowed value"),
        ("received_at", "03/08/2026", "Not an ISO 8601 date-time"),
        ("received_at", "2026-02-30", "Not an ISO 8601 date-time"),
        ("received_at", "2026-08-03T25:00", "Not a valid time of day"),
        ("received_at", "2026-08-03T10:00+15:00", "Not a valid time-zone offset"),
        ("due_at", "tomorrow", "Not an ISO 8601 date-time"),
        ("supplement_requests", "two", "Not a whole number"),
        ("supplement_requests", "-1", "Out of range 0..1000"),
        ("paused_days", "1.5", "Not a whole number"),
        ("full_online", "maybe", "Not a boolean"),
        ("paid_online", "3", "Not an allowed value; expected one of 0, 1, 2"),
        ("rating", "ok", "Not an allowed value; expected one of satisfied, dissatisfied"),
        ("procedure_code", "P" * 201, "Longer than 200 characters"),
    ],
)
def test_each_bad_cell_is_rejected_with_row_column_and_reason(
    tmp_path: Path, column: str, value: str, reason_en: str
) -> None:
    header = HEADER.split(",") + [c for c in ("supplement_requests", "paused_days", "full_online",
                                              "paid_online", "rating") if c not in HEADER]  # fmt: skip
    cells = dict(zip(header, GOOD.split(",") + ["0", "0", "false", "0", ""], strict=True))
    cells[column] = value
    text = ",".join(header) + "\n" + GOOD + ",0,0,false,0,\n" + ",".join(cells[c] for c in header) + "\n"
    res = read_file(write(tmp_path, "d.csv", text))
    assert res.table.num_rows == 1 and res.rejected_rows == 1
    (reject,) = res.rejects
    assert (reject.file, reject.row, reject.column) == ("d.csv", 3, column)
    assert reason_en in reject.reason_en and reject.reason_vi
    assert (reject.value or "") == value


def test_timezone_offsets_become_vietnam_local_time(tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n"
        "D1,A,P,online,2026-08-03T02:00:00Z,2026-08-10,,processing\n"
        "D2,A,P,online,2026-08-03T09:00:00+07:00,,,processing\n"
        "D3,A,P,online,2026-08-03 09:00:00.25-01:00,,,processing\n"
    )
    rows = read_file(write(tmp_path, "d.csv", text)).table.to_pylist()
    assert [r["received_at"] for r in rows] == [
        datetime(2026, 8, 3, 9, 0),
        datetime(2026, 8, 3, 9, 0),
        datetime(2026, 8, 3, 17, 0, 0, 250000),
    ]
    assert rows[0]["due_at"] == datetime(2026, 8, 10, 23, 59, 59)  # a due date alone means its end


def test_wrong_number_of_cells_blank_lines_and_quoted_newlines_keep_row_numbers(tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n{GOOD}\n\nD2,A01\n"
        '"D3\nx",A01,P1,online,2026-08-03,,,received\nD4,A,P,x,2026-08-03,,,received\n'
    )
    res = read_file(write(tmp_path, "d.csv", text))
    assert [r["dossier_id"] for r in res.table.to_pylist()] == ["D1", "D3\nx"]
    assert [(r.row, r.column) for r in res.rejects] == [(4, None), (6, "channel")]
    assert "expected 8, got 2" in res.rejects[0].reason_en


def test_semicolon_csv_with_bom_and_capitalised_headers(tmp_path: Path) -> None:
    text = "\ufeff" + HEADER.upper().replace(",", ";") + "\n" + GOOD.replace(",", ";") + "\n"
    res = read_file(write(tmp_path, "d.csv", text))
    assert res.table.num_rows == 1 and not res.rejects


def test_unknown_columns_are_warned_about_and_ignored(tmp_path: Path) -> None:
    res = read_file(write(tmp_path, "d.csv", f"{HEADER},note\n{GOOD},hello\n"))
    assert res.table.num_rows == 1
    assert [w.column for w in res.warnings] == ["note"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("d.csv", "dossier_id,agency_code\nD1,A\n", "lacks required columns"),
        ("d.csv", "", "empty file"),
        ("d.csv", "dossier_id,dossier_id,agency_code\n", "appear twice"),
        ("d.xlsx", "x", "Unknown file format"),
        ("d.csv", "a,b\n1,2\n", "pass --kind"),
        ("d.json", "[1, 2", "Cannot read the file"),
    ],
)
def test_file_level_problems_refuse_the_whole_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        read_file(write(tmp_path, name, text))
    assert message in str(err.value)


def test_missing_file_and_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="File not found"):
        read_file(tmp_path / "none.csv")
    with pytest.raises(InvalidInput, match="Unknown record kind"):
        read_file(write(tmp_path, "d.csv", f"{HEADER}\n"), kind="letters")


def test_json_lines_number_lines_and_reject_bad_json_and_nested_values(tmp_path: Path) -> None:
    good = {"dossier_id": "D1", "agency_code": "A", "procedure_code": "P", "channel": "online",
            "received_at": "2026-08-03", "status": "received", "paused_days": 2,
            "full_online": True}  # fmt: skip
    lines = [json.dumps(good), "", "{not json", json.dumps({**good, "dossier_id": "D2", "status": ["x"]}),
             "[1]", json.dumps({**good, "dossier_id": "D3", "paused_days": 2.0})]  # fmt: skip
    res = read_file(write(tmp_path, "d.jsonl", "\n".join(lines) + "\n"))
    assert [r["dossier_id"] for r in res.table.to_pylist()] == ["D1", "D3"]
    assert res.table.column("paused_days").to_pylist() == [2, 2]
    assert res.table.column("full_online").to_pylist() == [True, True]
    assert [(r.row, r.column) for r in res.rejects] == [(3, None), (4, "status"), (5, None)]
    assert res.rows_read == 5 and res.rejected_rows == 3


def test_typed_parquet_is_taken_as_is_and_text_parquet_is_parsed(tmp_path: Path) -> None:
    typed = pa.table(
        {
            "petition_id": ["P1", "P2"],
            "agency_code": ["A", "A"],
            "received_at": pa.array(
                [datetime(2026, 8, 1, 1), datetime(2026, 8, 2)], pa.timestamp("ms", "UTC")
            ),
            "category": ["staff", "gossip"],
            "overdue": [True, None],
            "repeat": pa.array([1, 0], pa.int8()),
        }
    )
    pq.write_table(typed, tmp_path / "p.parquet")
    res = read_file(tmp_path / "p.parquet")
    assert res.kind == "petitions"
    assert res.table.to_pylist()[0]["received_at"] == datetime(2026, 8, 1, 8)  # UTC -> UTC+7
    assert res.table.to_pylist()[0]["overdue"] is True
    assert [(r.row, r.column) for r in res.rejects] == [(2, "category")]


def test_procedure_dates(tmp_path: Path) -> None:
    text = (
        "procedure_code,name,legal_basis_effective_on,announced_on,published_on\n"
        "1.001,Đăng ký khai sinh,2026-01-01,2025-12-20T08:00:00,\n"
        "1.002,Cấp phép,2026-13-01,,\n"
    )
    res = read_file(write(tmp_path, "procs.csv", text))
    assert res.table.to_pylist()[0]["announced_on"] == date(2025, 12, 20)
    assert res.table.to_pylist()[0]["published_on"] is None
    assert [(r.row, r.column) for r in res.rejects] == [(3, "legal_basis_effective_on")]


def _dossier(**cells: object) -> dict[str, object]:
    row: dict[str, object] = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    return {**row, **cells}


@settings(max_examples=150, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    hours=st.integers(-20, 20),
    minutes=st.sampled_from([0, 30, 45]),
)
@example(moment=datetime(9999, 12, 31, 23, 59, 59), hours=14, minutes=0)
@example(moment=datetime(1999, 12, 31, 23, 59, 59), hours=7, minutes=0)
@example(moment=datetime(2000, 1, 1), hours=7, minutes=0)
@example(moment=datetime(2027, 12, 31, 23, 59, 59), hours=7, minutes=0)
@example(moment=datetime(2028, 1, 1), hours=7, minutes=0)
@example(moment=datetime(2026, 8, 3, 9), hours=14, minutes=30)
@example(moment=datetime(2026, 8, 3, 9), hours=-14, minutes=0)
@example(moment=datetime(2026, 8, 3, 9), hours=15, minutes=0)
def test_an_implausible_date_rejects_its_row_and_keeps_the_others(
    moment: datetime, hours: int, minutes: int
) -> None:
    offset = hours * 60 + (minutes if hours >= 0 else -minutes)
    sign = "-" if offset < 0 else "+"
    text = f"{moment:%Y-%m-%dT%H:%M:%S}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    with clock.frozen(datetime(2026, 8, 3, 9)):  # plausible: from 2000 to the end of next year (2027)
        res = validate_records(
            [_dossier(received_at=text), _dossier(dossier_id="D2", received_at="2026-08-03T09:00:00+07:00")],
            "dossiers",
        )
    shift = timedelta(minutes=offset) - timedelta(hours=7)  # local time = moment - shift
    plausible = (
        abs(offset) <= 14 * 60 and datetime(2000, 1, 1) + shift <= moment < datetime(2028, 1, 1) + shift
    )
    assert res.table.column("dossier_id").to_pylist() == (["D1", "D2"] if plausible else ["D2"])
    if not plausible:
        (reject,) = res.rejects
        assert (reject.row, reject.column, reject.value) == (1, "received_at", text)
        assert reject.reason_vi and reject.reason_en


def test_implausible_typed_times_and_catalogue_dates_are_rejected_row_by_row(tmp_path: Path) -> None:
    typed = pa.table(
        {
            "petition_id": ["P1", "P2", "P3"],
            "agency_code": ["A", "A", "A"],
            "received_at": pa.array(
                [datetime(2026, 8, 1), datetime(1970, 1, 1), datetime(2026, 8, 2)], pa.timestamp("us")
            ),
            "handled_at": pa.array([None, None, datetime(2031, 1, 1)], pa.timestamp("us")),
            "category": ["staff", "staff", "staff"],
        }
    )
    pq.write_table(typed, tmp_path / "p.parquet")
    text = (
        "procedure_code,name,legal_basis_effective_on,announced_on,published_on\n"
        "1.001,Đăng ký khai sinh,1995-07-01,2025-12-20,\n"  # an old legal basis is plausible
        "1.002,Cấp phép,1899-12-31,,\n"
        "1.003,Cấp đổi,2026-01-01,,2028-01-01\n"
    )
    with clock.frozen(datetime(2026, 8, 3, 9)):
        petitions = read_file(tmp_path / "p.parquet")
        procedures = read_file(write(tmp_path, "procs.csv", text))
    assert petitions.table.column("petition_id").to_pylist() == ["P1"]
    assert [(r.row, r.column) for r in petitions.rejects] == [(2, "received_at"), (3, "handled_at")]
    assert procedures.table.column("procedure_code").to_pylist() == ["1.001"]
    assert [(r.row, r.column) for r in procedures.rejects] == [
        (3, "legal_basis_effective_on"),
        (4, "published_on"),
    ]


def test_reject_file_has_the_documented_columns(tmp_path: Path) -> None:
    res = read_file(write(tmp_path, "d.csv", f"{HEADER}\nD1,A,P,fax,2026-08-03,,,received\n"))
    path = write_rejects(res.rejects, tmp_path / "r.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(REJECT_COLUMNS)
    assert lines[1].startswith("d.csv,2,channel,fax,")


def test_reject_file_cells_cannot_run_as_spreadsheet_formulas(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://example.invalid","bấm")'
    rows = [_dossier(channel=formula), _dossier(dossier_id="@D2", supplement_requests="-1")]
    res = validate_records(rows, "dossiers")
    path = write_rejects(res.rejects, tmp_path / "r.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = list(pycsv.reader(fh))
    assert lines[1][:4] == ["api", "1", "channel", "'" + formula]
    assert lines[2][:4] == ["api", "2", "supplement_requests", "-1"]  # a number stays a number
    assert [r.value for r in res.rejects] == [formula, "-1"]  # the API answer keeps the value as sent


# --- properties -----------------------------------------------------------------------------------

ids = st.text(alphabet=string.ascii_letters + string.digits + "-.đĐ", min_size=1, max_size=20)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(clock.today().year + 1, 12, 31)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
dossiers = st.fixed_dictionaries(
    {
        "dossier_id": ids,
        "agency_code": ids,
        "procedure_code": ids,
        "channel": st.sampled_from(DOSSIER_CHANNELS),
        "received_at": moments,
        "due_at": st.none() | moments,
        "status": st.sampled_from(DOSSIER_STATUSES),
        "supplement_requests": st.integers(0, 1000),
        "paused_days": st.integers(0, 3650),
        "digitised": st.booleans(),
        "paid_online": st.sampled_from([0, 1, 2]),
        "rating": st.sampled_from([None, "satisfied", "dissatisfied"]),
    }
)


def _as_json(row: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(dossiers, min_size=1, max_size=20))
def test_valid_rows_round_trip_through_json_and_csv(tmp_path: Path, rows: list[dict[str, object]]) -> None:
    res = validate_records([_as_json(r) for r in rows], "dossiers")
    assert res.rejects == [] and res.table.num_rows == len(rows)
    out = res.table.select(list(rows[0])).to_pylist()
    assert out == rows
    csv_path = tmp_path / "rt.csv"
    pa.csv.write_csv(res.table, csv_path)  # type: ignore[attr-defined]
    again = read_file(csv_path)
    assert again.rejects == [] and again.table.equals(res.table)
    parquet_path = tmp_path / "rt.parquet"
    pq.write_table(res.table, parquet_path)
    assert read_file(parquet_path).table.equals(res.table)


garbage = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.dictionaries(st.sampled_from(record_type("petitions").names), garbage), max_size=15))
def test_garbage_never_crashes_and_every_dropped_row_has_a_reason(rows: list[dict[str, object]]) -> None:
    res = validate_records(rows, "petitions")
    rejected = {r.row for r in res.rejects}
    assert res.table.num_rows + len(rejected) == len(rows)
    assert all(r.reason_vi and r.reason_en for r in res.rejects)
    assert res.table.schema == arrow_schema("petitions")
    assert all(row["petition_id"] and row["agency_code"] for row in res.table.to_pylist())


def test_one_hundred_thousand_rows_validate_quickly(tmp_path: Path) -> None:
    import time

    lines = [HEADER] + [
        f"D{i},A{i % 50},P{i % 300},online,{(datetime(2026, 8, 1) + timedelta(minutes=i)).isoformat()}"
        f"+07:00,2026-08-20,,processing"
        for i in range(100_000)
    ]
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    started = time.perf_counter()
    res = read_file(path)
    assert res.table.num_rows == 100_000
    assert time.perf_counter() - started < 5.0  # about 0.3 s idle; generous for a shared machine


def test_every_column_and_reject_field_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "records.md").read_text(encoding="utf-8")
    for kind in KINDS:
        for spec in record_type(kind).columns:
            assert f"| `{spec.name}` |" in doc, spec.name
            for value in spec.allowed:
                assert f"`{value}`" in doc, value
    for column in REJECT_COLUMNS:
        assert f"`{column}`" in doc, column
