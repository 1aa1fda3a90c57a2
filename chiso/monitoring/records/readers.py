"""Read record files (CSV, JSON lines, Parquet) and API payloads into validated Arrow tables; no DB, no web.

Monitoring records layer: imports the record schema, `validate` and chiso.exports. Each reader turns
its source into a table of raw cells and hands it to `validate.validate_table`; a problem with the
whole file (unreadable, unknown format, a required column missing) raises `InvalidInput`, and
nothing of that file is used. `write_rejects` writes the rejects as a CSV file for Excel.

Row numbers: CSV counts records as a spreadsheet shows them (the header is row 1, the first record
row 2); JSON lines count lines (the first line is 1); Parquet and API batches count records from 1.
"""

from __future__ import annotations

import csv as pycsv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import csv as pacsv

from chiso.errors import InvalidInput, Problem
from chiso.exports import csv_cell
from chiso.monitoring.records.schema import RecordType, guess_kind, record_type
from chiso.monitoring.records.validate import ReadResult, Reject, normalise_names, validate_table

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def _file_error(path: Path, exc: Exception | str) -> InvalidInput:
    reason = exc if isinstance(exc, str) else str(exc).splitlines()[0]
    return InvalidInput(
        f"Không đọc được tệp {path.name}: {reason}",
        f"Cannot read the file {path.name}: {reason}",
        [Problem("Tệp không đọc được", f"Unreadable file: {reason}", file=path.name)],
    )


def detect_format(path: Path) -> str:
    """Return "csv", "jsonl" or "parquet" from the file's extension.

    Raises:
        InvalidInput: when the extension is none of .csv, .tsv, .jsonl, .ndjson, .json, .parquet.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"Không nhận ra định dạng tệp {path.name}; dùng .csv, .jsonl hoặc .parquet",
            f"Unknown file format {path.name}; use .csv, .jsonl or .parquet",
            [Problem("Định dạng không hỗ trợ", "Unsupported format", file=path.name)],
        )
    return fmt


def _resolve_kind(kind: str | None, columns: list[str], path: Path) -> RecordType:
    if kind is not None:
        try:
            return record_type(kind)
        except KeyError:
            raise InvalidInput(
                f"Loại bản ghi không hợp lệ: {kind}; dùng dossiers, procedures hoặc petitions",
                f"Unknown record kind {kind!r}; use dossiers, procedures or petitions",
            ) from None
    guessed = guess_kind(normalise_names(columns))
    if guessed is None:
        raise InvalidInput(
            f"Không xác định được loại bản ghi của {path.name}; thêm --kind",
            f"Cannot tell which records {path.name} holds (no dossier_id, petition_id or procedure_code "
            "column); pass --kind",
            [Problem("Không rõ loại bản ghi", "Unknown record kind", file=path.name)],
        )
    return record_type(guessed)


def read_csv(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate a CSV file (UTF-8, optional BOM; comma, semicolon or tab separated)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header_line = fh.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(path, exc) from exc
    if not header_line.strip():
        raise _file_error(path, "tệp rỗng / empty file")
    delimiter = (
        "\t" if "\t" in header_line else (";" if header_line.count(";") > header_line.count(",") else ",")
    )
    header = next(pycsv.reader(io.StringIO(header_line), delimiter=delimiter))
    rtype = _resolve_kind(kind, header, path)
    bad_lines: list[tuple[int, str, int, int]] = []

    def on_invalid(row: Any) -> str:
        if row.text.strip():
            bad_lines.append((int(row.number or 0), row.text, row.expected_columns, row.actual_columns))
        else:
            bad_lines.append((int(row.number or 0), "", 0, 0))
        return "skip"

    try:
        raw = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise _file_error(path, exc) from exc
    skipped = np.asarray(sorted(n for n, *_ in bad_lines), dtype=np.int64)
    rows = np.setdiff1d(np.arange(2, raw.num_rows + len(skipped) + 2, dtype=np.int64), skipped)[
        : raw.num_rows
    ]
    line_rejects = [
        Reject(
            path.name,
            number,
            None,
            text[:200],
            f"Sai số cột: cần {expected}, có {actual}",
            f"Wrong number of columns: expected {expected}, got {actual}",
        )
        for number, text, expected, actual in bad_lines
        if text
    ]
    return validate_table(
        raw, rtype.kind, source=path.name, row_numbers=rows, rejects=line_rejects, skip_blank=True
    )


def _cell_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _NOT_SCALAR


class _NotScalar:
    pass


_NOT_SCALAR = _NotScalar()


def validate_records(
    records: Sequence[Any],
    kind: str,
    *,
    source: str = "api",
    row_numbers: Sequence[int] | None = None,
) -> ReadResult:
    """Validate a list of JSON objects (an API batch or parsed JSON lines) against the record type `kind`.

    A record that is not an object, or has a list/object as a value, is rejected as a whole.
    """
    rtype = record_type(kind)
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(records) + 1))
    pre: list[Reject] = []
    good_rows: list[int] = []
    cells: dict[str, list[Any]] = {}
    for pos, rec in enumerate(records):
        if not isinstance(rec, dict):
            pre.append(
                Reject(
                    source,
                    numbers[pos],
                    None,
                    str(rec)[:200],
                    "Không phải đối tượng JSON",
                    "Not a JSON object",
                )
            )
            continue
        row = {str(k).strip().lower(): _cell_text(v) for k, v in rec.items()}
        nested = [k for k, v in row.items() if v is _NOT_SCALAR]
        if nested:
            for name in nested:
                value = json.dumps(rec.get(name), ensure_ascii=False, default=str)[:200]
                pre.append(
                    Reject(
                        source,
                        numbers[pos],
                        name,
                        value,
                        "Không phải giá trị đơn",
                        "Not a single value (text, number, true/false)",
                    )
                )
            continue
        for name in row:
            if name not in cells:
                cells[name] = [None] * len(good_rows)
        for name, column in cells.items():
            column.append(row.get(name))
        good_rows.append(numbers[pos])
    for name in rtype.names:  # a key absent from an object is an empty cell, not a missing column
        cells.setdefault(name, [None] * len(good_rows))
    raw = pa.table({name: pa.array(values, pa.string()) for name, values in cells.items()})
    return validate_table(
        raw, rtype.kind, source=source, row_numbers=np.asarray(good_rows, dtype=np.int64), rejects=pre
    )


def read_jsonl(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate a JSON-lines file (one JSON object per line; a `.json` array is accepted too)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(path, exc) from exc
    records: list[Any] = []
    numbers: list[int] = []
    bad: list[Reject] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _file_error(path, exc) from exc
        records = list(data)
        numbers = list(range(1, len(records) + 1))
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
                numbers.append(lineno)
            except json.JSONDecodeError as exc:
                bad.append(
                    Reject(
                        path.name,
                        lineno,
                        None,
                        line[:200],
                        f"JSON không hợp lệ: {exc.msg}",
                        f"Invalid JSON: {exc.msg}",
                    )
                )
    columns = sorted({str(k) for r in records[:1000] if isinstance(r, dict) for k in r})
    rtype = _resolve_kind(kind, columns, path)
    result = validate_records(records, rtype.kind, source=path.name, row_numbers=numbers)
    if bad:
        result.rejects = sorted(result.rejects + bad, key=lambda r: r.row)
        result.rejected_rows += len(bad)
        result.rows_read += len(bad)
    return result


def read_parquet(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate a Parquet file (typed columns are used as they are; text is parsed)."""
    try:
        raw = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _file_error(path, exc) from exc
    rtype = _resolve_kind(kind, raw.column_names, path)
    return validate_table(raw, rtype.kind, source=path.name)


def read_file(path: Path, *, kind: str | None = None) -> ReadResult:
    """Read and validate one record file, choosing the reader from its extension.

    Args:
        path: a .csv/.tsv, .jsonl/.ndjson/.json or .parquet file.
        kind: the record type; guessed from the key column when None.

    Raises:
        InvalidInput: the file is unreadable, of unknown format or kind, or lacks a required column.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"Không tìm thấy tệp {path}",
            f"File not found: {path}",
            [Problem("Không tìm thấy tệp", "File not found", file=str(path))],
        )
    fmt = detect_format(path)
    if fmt == "csv":
        return read_csv(path, kind=kind)
    if fmt == "jsonl":
        return read_jsonl(path, kind=kind)
    return read_parquet(path, kind=kind)


REJECT_COLUMNS = ("file", "row", "column", "value", "reason_vi", "reason_en")


def write_rejects(rejects: Sequence[Reject], path: Path) -> Path:
    """Write rejects as a CSV (UTF-8 with BOM so Excel shows Vietnamese) with REJECT_COLUMNS.

    Every cell goes through `chiso.exports.csv_cell`: a rejected value such as ``=HYPERLINK(...)``
    stays text when an officer opens the file in a spreadsheet.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = pycsv.writer(fh)
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            cells = (r.file, r.row, r.column, r.value, r.reason_vi, r.reason_en)
            writer.writerow([csv_cell(c) for c in cells])
    return path
