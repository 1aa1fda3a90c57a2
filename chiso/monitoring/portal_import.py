"""Import the national portal's published 766 figures (its reporting views' JSON, its Excel exports).

Monitoring layer: reads files (Excel through chiso.sheets.read_sheets, bounded), validates every row and
keeps the figures per period in the record store's folder (``<data_dir>/portal/figures.parquet``), one
row per period x agency x metric. All or nothing: a file with any bad row stores nothing, and every
problem names the file, the row and the field in both languages. Idempotent: importing the same figures
again changes nothing (rows keep their first import time). Imports nothing from store, flows, web or cli.

Accepted shapes (field names in English, Vietnamese without accents, or the portal's own):
- JSON: one report ``{"period": "2026-10", "indicator": "TIMELINESS", "units": [{"code": "...",
  "name": "...", "received": 120, "on_time": 110, "ratio": 91.67, "score": 18.33}, ...]}``, a list of
  such reports, or ``{"rows": [{"period", "agency_code", "indicator_code", "numerator", "denominator",
  "ratio", "score"}, ...]}``;
- Excel (.xlsx): the first sheet, a header row with the same fields as columns.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chiso import clock
from chiso.errors import InvalidInput, Problem
from chiso.monitoring.periods import parse_period
from chiso.sheets import read_sheets

PORTAL_DIR = "portal"
FIGURES_FILE = "figures.parquet"
KEY = ["period", "agency_code", "indicator_code"]
FIGURES = ["name", "numerator", "denominator", "ratio", "score"]
COLUMNS = [*KEY, *FIGURES, "source_file", "imported_at"]
#: The names a field goes by in the portal's views and exports, folded to lower case without accents.
ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("period", "ky", "ky_bao_cao", "thoi_gian"),
    "agency_code": ("agency_code", "code", "ma_don_vi", "ma_co_quan", "unit_code", "department_code"),
    "indicator_code": ("indicator_code", "indicator", "metric", "chi_so", "ma_chi_so"),
    "name": ("name", "ten", "ten_don_vi", "unit_name", "department_name"),
    "numerator": ("numerator", "on_time", "dung_han", "tu_so", "dat"),
    "denominator": ("denominator", "received", "tiep_nhan", "mau_so", "tong_so"),
    "ratio": ("ratio", "ty_le", "rate", "percent"),
    "score": ("score", "diem", "points"),
}
_FOLD = str.maketrans(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ -",
    "aaaaaaaaaaaaaaaaadeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy__",
)


@dataclass
class PortalImport:
    """What an import did: rows read per file, and new / replaced / unchanged figures."""

    files: dict[str, int] = field(default_factory=dict)
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    periods: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON data."""
        return asdict(self)


def _key(name: Any) -> str | None:
    folded = str(name).strip().lower().translate(_FOLD)
    return next((k for k, names in ALIASES.items() if folded in names), None)


def _rows_of_json(data: Any, label: str) -> list[dict[str, Any]]:
    """Flatten the portal's JSON shapes into rows of named fields (report-level fields copied down)."""
    reports = data if isinstance(data, list) else [data]
    rows: list[dict[str, Any]] = []
    for report in reports:
        if not isinstance(report, dict):
            raise InvalidInput(
                f"{label}: cần một đối tượng JSON",
                f"{label}: expected a JSON object",
                [Problem("Sai cấu trúc", "Wrong shape", file=label)],
            )
        shared = {k: v for k, v in report.items() if k not in ("units", "rows", "data")}
        units = report.get("units", report.get("rows", report.get("data")))
        if not isinstance(units, list):
            raise InvalidInput(
                f"{label}: thiếu danh sách 'units' (hoặc 'rows')",
                f"{label}: no 'units' (or 'rows') list",
                [Problem("Thiếu danh sách đơn vị", "No list of units", file=label, field="units")],
            )
        rows.extend({**shared, **u} if isinstance(u, dict) else {"_bad": u} for u in units)
    return rows


def _rows_of_sheet(path: Path) -> list[dict[str, Any]]:
    sheets = read_sheets(path, label=path.name)
    sheet = next(iter(sheets.values()), None)
    if sheet is None or not sheet.rows:
        return []
    header = [str(h) if h is not None else "" for h in sheet.rows[0]]
    return [  # "_row": the spreadsheet's own row number, for the messages
        {**dict(zip(header, row, strict=False)), "_row": n}
        for n, row in enumerate(sheet.rows[1:], start=2)
        if any(c not in (None, "") for c in row)
    ]


def read_portal_file(path: Path) -> list[dict[str, Any]]:
    """Return the raw rows of one portal file (JSON or .xlsx), each a dict of its own field names.

    Raises:
        InvalidInput: unreadable JSON, an unknown extension, a damaged or oversized workbook.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _rows_of_sheet(path)
    if suffix == ".json":
        try:
            return _rows_of_json(json.loads(path.read_text("utf-8")), path.name)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"{path.name}: JSON không đọc được ({exc})",
                f"{path.name}: unreadable JSON ({exc})",
                [Problem("JSON hỏng", "Bad JSON", file=path.name)],
            ) from None
    raise InvalidInput(
        f"{path.name}: chỉ nhận .json hoặc .xlsx",
        f"{path.name}: only .json or .xlsx files",
        [Problem("Loại tệp không hỗ trợ", "Unsupported file type", file=path.name)],
    )


def _number(raw: Any, *, integer: bool) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-", "—")):
        return None
    if isinstance(raw, bool):
        raise ValueError(raw)
    value = float(str(raw).strip().replace("%", "").replace(",", ".")) if isinstance(raw, str) else float(raw)
    if value < 0 or value != value or (integer and value != int(value)):
        raise ValueError(raw)
    return value


def _clean(raw: dict[str, Any], label: str, row: int, problems: list[Problem]) -> dict[str, Any] | None:
    """Return one validated figure row, or None after adding its problems."""
    if "_bad" in raw:
        problems.append(
            Problem("Dòng không phải đối tượng JSON", "Row is not a JSON object", file=label, row=row)
        )
        return None
    named = {k: v for name, v in raw.items() if (k := _key(name)) is not None}
    out: dict[str, Any] = {"name": str(named.get("name") or "")}
    before = len(problems)
    for key in ("period", "agency_code", "indicator_code"):
        text = str(named.get(key) or "").strip()
        if not text:
            problems.append(Problem(f"Thiếu {key}", f"Missing {key}", file=label, row=row, field=key))
        out[key] = text
    if out["period"]:
        try:
            out["period"] = parse_period(out["period"]).label
        except InvalidInput:
            problems.append(
                Problem(
                    f"Kỳ '{out['period']}' không hợp lệ (YYYY-MM, YYYY-Qn, YYYY)",
                    f"Bad period '{out['period']}' (YYYY-MM, YYYY-Qn, YYYY)",
                    file=label,
                    row=row,
                    field="period",
                )
            )
    out["indicator_code"] = out["indicator_code"].upper()
    for key, integer in (("numerator", True), ("denominator", True), ("ratio", False), ("score", False)):
        try:
            out[key] = _number(named.get(key), integer=integer)
        except (TypeError, ValueError):
            kind_vi, kind_en = (
                ("số nguyên không âm", "a whole number >= 0") if integer else ("số >= 0", "a number >= 0")
            )
            problems.append(
                Problem(
                    f"'{named.get(key)}' không phải {kind_vi}",
                    f"'{named.get(key)}' is not {kind_en}",
                    file=label,
                    row=row,
                    field=key,
                )
            )
            out[key] = None
    num, den, ratio = out["numerator"], out["denominator"], out["ratio"]
    if num is not None and den is not None and num > den:
        problems.append(
            Problem(
                f"Tử số {num:g} lớn hơn mẫu số {den:g}",
                f"Numerator {num:g} above denominator {den:g}",
                file=label,
                row=row,
                field="numerator",
            )
        )
    if ratio is not None and ratio > 100:
        problems.append(Problem("Tỷ lệ quá 100%", "Ratio above 100%", file=label, row=row, field="ratio"))
    return out if len(problems) == before else None


def validate_portal_rows(
    rows: Sequence[dict[str, Any]], label: str
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Validate the raw rows of one file; return the clean rows and every problem.

    Rows are numbered as the file shows them: a JSON unit from 1, an Excel row by its sheet row.
    """
    problems: list[Problem] = []
    clean: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, raw in enumerate(rows, start=1):
        i = int(raw.get("_row", n))
        row = _clean(raw, label, i, problems)
        if row is None:
            continue
        key = (row["period"], row["agency_code"], row["indicator_code"])
        if key in seen:
            problems.append(
                Problem(
                    f"Trùng với dòng {seen[key]}: {' / '.join(key)}",
                    f"Same as row {seen[key]}: {' / '.join(key)}",
                    file=label,
                    row=i,
                    field="agency_code",
                )
            )
            continue
        seen[key] = i
        clean.append(row)
    if not rows:
        problems.append(Problem("Tệp không có dòng số liệu nào", "The file has no figures", file=label))
    return clean, problems


def figures_path(data_dir: Path) -> Path:
    """Return where the imported portal figures are kept."""
    return data_dir / PORTAL_DIR / FIGURES_FILE


def read_portal_figures(data_dir: Path, *, period: str | None = None) -> pd.DataFrame:
    """Return the stored portal figures (every period, or one), with the columns of `COLUMNS`."""
    path = figures_path(data_dir)
    table = pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    if period is not None:
        table = table[table["period"] == parse_period(period).label]
    return table.reset_index(drop=True)


def _same(a: Any, b: Any) -> bool:
    return bool((pd.isna(a) and pd.isna(b)) or a == b)


def import_portal_files(
    paths: Iterable[Path], *, data_dir: Path, now: datetime | None = None
) -> PortalImport:
    """Read, validate and store portal figure files, all or nothing; rows already stored stay unchanged.

    Raises:
        InvalidInput: any problem in any file (nothing is stored); each names its file, row and field.
    """
    now = now or clock.now()
    report = PortalImport()
    incoming: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for path in paths:
        clean, found = validate_portal_rows(read_portal_file(Path(path)), Path(path).name)
        problems.extend(found)
        report.files[Path(path).name] = len(clean)
        incoming.extend({**row, "source_file": Path(path).name} for row in clean)
    if problems:
        raise InvalidInput(
            f"Số liệu Cổng DVC không hợp lệ ({len(problems)} lỗi); chưa lưu gì",
            f"Portal figures refused ({len(problems)} problems); nothing was saved",
            problems,
        )
    stored = read_portal_figures(data_dir)
    current: dict[tuple[Any, ...], dict[str, Any]] = {
        tuple(r[k] for k in KEY): {str(k): v for k, v in r.items()} for r in stored.to_dict("records")
    }
    for row in incoming:
        key = tuple(row[k] for k in KEY)
        old = current.get(key)
        if old is not None and all(_same(old[f], row[f]) for f in FIGURES):
            report.unchanged += 1
            continue
        report.replaced += old is not None
        report.new += old is None
        current[key] = {**row, "imported_at": now}
    report.periods = sorted({row["period"] for row in incoming})
    if report.new or report.replaced:
        _write(pd.DataFrame(list(current.values()), columns=COLUMNS), figures_path(data_dir))
    return report


def _write(table: pd.DataFrame, path: Path) -> None:
    """Write the whole table to a temporary file and swap it in: a crash leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.sort_values(KEY).reset_index(drop=True)
    table["imported_at"] = pd.to_datetime(table["imported_at"], utc=True)
    for col in ("numerator", "denominator", "ratio", "score"):
        table[col] = table[col].astype("float64")
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        table.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
