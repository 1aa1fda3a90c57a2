"""A framework <-> three plain tables (settings, bands, criteria) as in a province's annex; frameworks layer.

Imports only chiso.errors from chiso; no file is read or written here (chiso.frameworks.excel does the
.xlsx). The criteria table has one row per node - pillars and criteria alike - with its `parent`
code, in the order of the tree; rows may come in any order on import. Every problem names its sheet,
row and column, and nothing is built unless every row is sound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from chiso.errors import InvalidInput, Problem
from chiso.frameworks.columns import (
    BAND_COLUMNS,
    BLANK,
    NODE_COLUMNS,
    SETTING_COLUMNS,
    SETTING_LABELS,
    CellError,
    Column,
    read_cell,
    write_cell,
)
from chiso.frameworks.loader import parse_framework
from chiso.frameworks.rules import RuleParams, parse_rule
from chiso.frameworks.schema import TOTAL, Framework, Node

SETTINGS_SHEET = "Thông tin chung"
BANDS_SHEET = "Xếp loại"
CRITERIA_SHEET = "Tiêu chí"
#: Deeper trees are refused: no annex nests that far, and it bounds the recursion.
MAX_DEPTH = 12

_SETTINGS = {c.key: c for c in SETTING_COLUMNS}
_RULE_KEYS = {c.field: c.key for c in NODE_COLUMNS if c.owner == "rule"}


@dataclass(frozen=True)
class TableRow:
    """One row: its number in the sheet (the header is row 1) and its cells by column key."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class FrameworkTables:
    """A framework as tables: `settings` rows have cells key, value, meaning; the others a column per key."""

    settings: list[TableRow]
    bands: list[TableRow]
    criteria: list[TableRow]


def _rule_cells(rule: RuleParams) -> dict[str, Any]:
    cls = type(rule)
    cells: dict[str, Any] = {"rule": rule.type}
    for column in NODE_COLUMNS:
        info = cls.model_fields.get(column.field)
        if column.owner != "rule" or column.key == "rule" or info is None or rule.type not in column.rules:
            continue
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        value = getattr(rule, column.field)
        ranged = column.field in ("value_min", "value_max") and value is not None
        if ranged or value != default or info.is_required():
            cells[column.key] = write_cell(value, replace(column, default=default))
    return cells


def _node_cells(node: Node, parent: str | None) -> dict[str, Any]:
    cells: dict[str, Any] = {"parent": parent}
    for column in NODE_COLUMNS:
        if column.owner == "node":
            value = getattr(node, column.field)
            if value != column.default:
                cells[column.key] = write_cell(value, column)
    if node.rule is not None:
        cells.update(_rule_cells(node.rule))
    return cells


def framework_to_tables(framework: Framework) -> FrameworkTables:
    """Return the framework as tables; `framework_from_tables` of them is the same framework.

    Cells hold plain values: text, numbers, booleans, dates; an empty cell means the default.
    """
    settings = [
        TableRow(
            i + 2,
            {
                "key": c.key,
                "value": write_cell(getattr(framework, c.field), c),
                "meaning": " / ".join(SETTING_LABELS.get(c.key, ())),
            },
        )
        for i, c in enumerate(SETTING_COLUMNS)
    ]
    bands = [
        TableRow(i + 2, {c.key: write_cell(getattr(band, c.field), c) for c in BAND_COLUMNS})
        for i, band in enumerate(framework.bands)
    ]
    criteria = [
        TableRow(i + 2, _node_cells(node, path[-2] if len(path) > 1 else None))
        for i, (node, path) in enumerate(framework.walk())
    ]
    return FrameworkTables(settings, bands, criteria)


class _Collector:
    """Problems located by sheet, row and column of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, sheet: str, row: int | None, column: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(vi, en, file=f"{self.file} [{sheet}]", row=row, column=column))

    def cell(self, sheet: str, row: TableRow, column: Column, key: str | None = None) -> Any:
        try:
            return read_cell(row.cells.get(key or column.key), column)
        except CellError as exc:
            self.add(sheet, row.number, column.key, exc.vi, exc.en)
            return BLANK


def _friendly(err: Any, column: str, rule: str | None = None) -> tuple[str, str]:
    kind, msg = err.get("type", ""), err.get("msg", "")
    if kind == "missing":
        return "thiếu giá trị bắt buộc", "a required value is missing"
    if kind == "extra_forbidden":
        return f"cột {column} không dùng cho quy tắc {rule}", f"column {column} does not apply to rule {rule}"
    if kind == "string_pattern_mismatch":
        return "chỉ dùng chữ, số và _ . - (không dấu cách)", "use letters, digits and _ . - only (no spaces)"
    return f"giá trị không hợp lệ ({msg})", f"invalid value ({msg})"


def _read_settings(rows: list[TableRow], out: _Collector) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    where: dict[str, int] = {}
    for row in rows:
        key = str(row.cells.get("key") or "").strip()
        if not key:
            continue
        column = _SETTINGS.get(key)
        if column is None:
            known = ", ".join(_SETTINGS)
            out.add(
                SETTINGS_SHEET,
                row.number,
                "key",
                f"không có thiết lập '{key}' (có: {known})",
                f"no setting '{key}' (known: {known})",
            )
            continue
        if key in where:
            out.add(
                SETTINGS_SHEET,
                row.number,
                "key",
                f"'{key}' đã có ở dòng {where[key]}",
                f"'{key}' is already set in row {where[key]}",
            )
            continue
        where[key] = row.number
        value = out.cell(SETTINGS_SHEET, row, column, "value")
        if value is not BLANK:
            values[column.field] = value
    try:  # check the settings on their own, so their problems show beside those of the rows
        Framework.model_validate({**values, "nodes": [{"code": "X", "name_vi": "X"}]})
    except ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            vi, en = _friendly(err, "value")
            out.add(
                SETTINGS_SHEET,
                where.get(key),
                "value" if key in where else None,
                f"{key}: {vi}",
                f"{key}: {en}",
            )
    return values, where


def _read_bands(rows: list[TableRow], out: _Collector) -> list[dict[str, Any]]:
    bands = []
    for row in rows:
        values = {c.field: out.cell(BANDS_SHEET, row, c) for c in BAND_COLUMNS}
        bands.append({k: v for k, v in values.items() if v is not BLANK})
    return bands


def _read_rule(row: TableRow, rule: dict[str, Any], out: _Collector) -> dict[str, Any] | None:
    if "type" not in rule:
        if rule:
            first = _RULE_KEYS[next(iter(rule))]
            out.add(
                CRITERIA_SHEET,
                row.number,
                first,
                "có tham số nhưng chưa chọn quy tắc (cột rule)",
                "parameters given but no rule (column rule)",
            )
        return None
    try:
        parse_rule(rule)
    except ValidationError as exc:
        for err in exc.errors():
            column = _RULE_KEYS.get(str(err["loc"][0]), "rule") if err["loc"] else "rule"
            vi, en = _friendly(err, column, rule["type"])
            out.add(CRITERIA_SHEET, row.number, column, vi, en)
    except ValueError as exc:
        out.add(CRITERIA_SHEET, row.number, "rule", str(exc), str(exc))
    return rule


def _read_node(row: TableRow, out: _Collector) -> tuple[dict[str, Any], str | None]:
    """Return the node's fields (with `rule`) and its parent code, reporting every bad cell."""
    fields: dict[str, Any] = {}
    rule: dict[str, Any] = {}
    parent: str | None = None
    for column in NODE_COLUMNS:
        value = out.cell(CRITERIA_SHEET, row, column)
        if value is BLANK:
            continue
        if column.owner == "parent":
            parent = value
        elif column.owner == "node":
            fields[column.field] = value
        else:
            rule[column.field] = value
    try:
        Node.model_validate({**fields, "children": []})
    except ValidationError as exc:
        for err in exc.errors():
            column_key = str(err["loc"][0]) if err["loc"] else "code"
            out.add(CRITERIA_SHEET, row.number, column_key, *_friendly(err, column_key))
    parsed = _read_rule(row, rule, out)
    if parsed is not None:
        fields["rule"] = parsed
    return fields, parent


def _ancestry(code: str, parents: dict[str, str | None]) -> Iterator[str]:
    seen = {code}
    here = parents.get(code)
    while here is not None and here in parents:
        yield here
        if here in seen:
            return
        seen.add(here)
        here = parents[here]


def _check_tree(nodes: dict[str, tuple[int, dict[str, Any], str | None]], out: _Collector) -> None:
    parents = {code: parent for code, (_, _, parent) in nodes.items()}
    for code, (number, _, parent) in nodes.items():
        if parent is None:
            continue
        if parent not in nodes:
            out.add(
                CRITERIA_SHEET,
                number,
                "parent",
                f"không có mã '{parent}' trong cột code",
                f"no row has code '{parent}'",
            )
            continue
        chain = list(_ancestry(code, parents))
        if code in chain:
            loop = " → ".join([code, *chain[: chain.index(code) + 1]])
            out.add(CRITERIA_SHEET, number, "parent", f"mã cha vòng lặp: {loop}", f"parents loop: {loop}")
        elif len(chain) >= MAX_DEPTH:
            out.add(
                CRITERIA_SHEET,
                number,
                "parent",
                f"cây sâu quá {MAX_DEPTH} cấp",
                f"the tree is deeper than {MAX_DEPTH} levels",
            )


def _read_criteria(
    rows: list[TableRow], out: _Collector
) -> dict[str, tuple[int, dict[str, Any], str | None]]:
    nodes: dict[str, tuple[int, dict[str, Any], str | None]] = {}
    for row in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.cells.values()):
            continue
        fields, parent = _read_node(row, out)
        code = fields.get("code")
        if not isinstance(code, str):
            continue
        if code in nodes or code == TOTAL:
            first = nodes[code][0] if code in nodes else None
            vi = f"mã '{code}' đã dùng ở dòng {first}" if first else f"mã '{code}' được dành riêng"
            en = f"code '{code}' is already used in row {first}" if first else f"code '{code}' is reserved"
            out.add(CRITERIA_SHEET, row.number, "code", vi, en)
            continue
        nodes[code] = (row.number, fields, parent)
    if not nodes and not out.problems:
        out.add(CRITERIA_SHEET, None, None, "chưa có tiêu chí nào", "there are no criteria")
    _check_tree(nodes, out)
    return nodes


def _assemble(nodes: dict[str, tuple[int, dict[str, Any], str | None]]) -> list[dict[str, Any]]:
    children: dict[str | None, list[str]] = {}
    for code, (_, _, parent) in nodes.items():
        children.setdefault(parent, []).append(code)

    def build(code: str) -> dict[str, Any]:
        return {**nodes[code][1], "children": [build(child) for child in children.get(code, [])]}

    return [build(code) for code in children.get(None, [])]


def _locate(problem: Problem, rows: dict[str, dict[str, int]], band_rows: list[int], out: _Collector) -> None:
    """Re-home a problem named by node path (TOTAL/P/L.rule) or band onto its sheet, row and column."""
    where = problem.field or ""
    path, _, tail = where.partition(".")
    parts = tail.split(".") if tail else []
    if path == "bands":
        out.add(BANDS_SHEET, rows["bands"].get(tail), None, problem.message_vi, problem.message_en)
    elif path == TOTAL and parts[:1] == ["bands"]:
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        row = band_rows[index] if 0 <= index < len(band_rows) else None
        out.add(
            BANDS_SHEET, row, parts[2] if len(parts) > 2 else None, problem.message_vi, problem.message_en
        )
    elif path == TOTAL:  # the whole index: a setting, or the total's max points when none is named
        row = rows["settings"].get(parts[0] if parts else "max_points")
        out.add(SETTINGS_SHEET, row, "value" if row else None, problem.message_vi, problem.message_en)
    else:
        code = path.rsplit("/", 1)[-1]
        column = _RULE_KEYS.get(parts[1], "rule") if parts[:1] == ["rule"] and len(parts) > 1 else None
        column = column or (parts[0] if parts else None)
        out.add(CRITERIA_SHEET, rows["criteria"].get(code), column, problem.message_vi, problem.message_en)


def framework_from_tables(tables: FrameworkTables, *, file: str = "framework.xlsx") -> Framework:
    """Build and check a framework from its tables: all of it, or nothing with every problem located.

    Args:
        tables: settings, bands and criteria rows (cells by column key, as `framework_to_tables` gives).
        file: the file name the problems name.

    Returns:
        The framework, checked as fully as a YAML file (`check_framework_model`).

    Raises:
        InvalidInput: every problem, each naming `file [sheet]`, the row and the column.
    """
    out = _Collector(file)
    settings, setting_rows = _read_settings(tables.settings, out)
    bands = _read_bands(tables.bands, out)
    nodes = _read_criteria(tables.criteria, out)
    framework = None
    if not out.problems:
        raw = {**settings, "bands": bands, "nodes": _assemble(nodes)}
        framework, problems = parse_framework(raw, file=file)
        rows = {
            "settings": setting_rows,
            "criteria": {code: number for code, (number, _, _) in nodes.items()},
            "bands": {str(b.get("code")): r.number for b, r in zip(bands, tables.bands, strict=True)},
        }
        for problem in problems:
            _locate(problem, rows, [r.number for r in tables.bands], out)
    if out.problems or framework is None:
        raise import_refused(file, out.problems)
    return framework


def import_refused(file: str, problems: list[Problem]) -> InvalidInput:
    """Return the one error of a refused import: how many problems, that nothing was saved, each problem."""
    return InvalidInput(
        f"Không nhập được khung chỉ số từ {file}: {len(problems)} lỗi, chưa lưu gì",
        f"Cannot import the framework from {file}: {len(problems)} problems, nothing was saved",
        problems,
    )


__all__ = [
    "BANDS_SHEET",
    "CRITERIA_SHEET",
    "SETTINGS_SHEET",
    "FrameworkTables",
    "TableRow",
    "framework_from_tables",
    "framework_to_tables",
    "import_refused",
]
