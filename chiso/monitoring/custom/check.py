"""Type-check a custom metric's expression against the record schema; monitoring custom-metric layer.

`check_expression` gives the kind of every node of a syntax tree (`custom.syntax`) and refuses unknown
columns or functions, wrong types and enum values that do not exist (``status == 'finised'``), each
with the character position of the offending node. One small function per node type; imports the
syntax tree and the record schema only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chiso.monitoring.custom.syntax import (
    Binary,
    Call,
    Column,
    ExpressionError,
    InList,
    IsNull,
    Literal,
    Node,
    Unary,
)
from chiso.monitoring.records.schema import ColumnSpec, record_type

Kind = str  # bool, number, string, timestamp, date, null

_SCHEMA_KIND = {"string": "string", "enum": "string", "timestamp": "timestamp", "date": "date",
                "bool": "bool", "int": "number"}  # fmt: skip
#: Columns the runner adds to the prepared sources, usable in custom expressions.
DERIVED_COLUMNS: dict[str, dict[str, Kind]] = {
    "dossiers": {"is_finished": "bool", "end_at": "timestamp", "cutoff": "timestamp"},
    "petitions": {"cutoff": "timestamp"},
}
CUSTOM_SOURCES = ("dossiers", "petitions")
_FUNCTIONS: dict[str, tuple[tuple[Kind, ...], Kind]] = {
    "hours_between": (("timestamp", "timestamp"), "number"),
    "days_between": (("timestamp", "timestamp"), "number"),
    "lower": (("string",), "string"),
}


def schema_kinds(source: str) -> dict[str, Kind]:
    """Return the column -> kind map an expression over ``source`` may use."""
    rtype = record_type(source)
    kinds = {c.name: _SCHEMA_KIND[c.type] for c in rtype.columns}
    kinds.update(DERIVED_COLUMNS.get(rtype.kind, {}))
    return kinds


def _compatible(a: Kind, b: Kind) -> bool:
    if "null" in (a, b) or a == b:
        return True
    return {a, b} in ({"timestamp", "string"}, {"date", "string"}, {"timestamp", "date"})


@dataclass(frozen=True)
class _Scope:
    """What an expression over one source may name: its columns' kinds and specs."""

    source: str
    kinds: dict[str, Kind]
    columns: dict[str, ColumnSpec]


def check_expression(node: Node, source: str) -> Kind:
    """Return the kind of an expression over ``source``, checking names, values and types.

    Raises:
        ExpressionError: unknown column or function, a wrong type, or an enum value not allowed.
    """
    columns = {c.name: c for c in record_type(source).columns}
    return _kind(node, _Scope(source, schema_kinds(source), columns))


def _kind(node: Node, scope: _Scope) -> Kind:
    check = _CHECKS.get(type(node))
    if check is None:  # pragma: no cover - the parser builds only the node types above
        raise ExpressionError("Biểu thức không hợp lệ", "Invalid expression", node.pos)
    return check(node, scope)


def _enum_check(col: Node, lit: Node, scope: _Scope) -> None:
    if isinstance(col, Column) and isinstance(lit, Literal) and isinstance(lit.value, str):
        spec = scope.columns.get(col.name)
        if spec is not None and spec.type == "enum" and lit.value not in spec.allowed:
            allowed = ", ".join(spec.allowed)
            raise ExpressionError(
                f"Giá trị '{lit.value}' không có trong cột {col.name} ({allowed})",
                f"Value '{lit.value}' is not allowed in column {col.name} ({allowed})",
                lit.pos,
            )


def _literal(n: Literal, scope: _Scope) -> Kind:
    v = n.value
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    return "string"


def _column(n: Column, scope: _Scope) -> Kind:
    if n.name not in scope.kinds:
        known = ", ".join(sorted(scope.kinds))
        raise ExpressionError(
            f"Không có cột '{n.name}' trong {scope.source} (có: {known})",
            f"No column '{n.name}' in {scope.source} (known: {known})",
            n.pos,
        )
    return scope.kinds[n.name]


def _unary(n: Unary, scope: _Scope) -> Kind:
    inner = _kind(n.operand, scope)
    want = "bool" if n.op == "not" else "number"
    if inner not in (want, "null"):
        raise ExpressionError(
            f"'{n.op}' cần {want}, gặp {inner}", f"'{n.op}' needs a {want}, got {inner}", n.pos
        )
    return want


def _binary(n: Binary, scope: _Scope) -> Kind:
    left, right = _kind(n.left, scope), _kind(n.right, scope)
    if n.op in ("and", "or"):
        for side, k in ((n.left, left), (n.right, right)):
            if k not in ("bool", "null"):
                raise ExpressionError(
                    f"'{n.op}' cần điều kiện đúng/sai, gặp {k}",
                    f"'{n.op}' needs true/false conditions, got {k}",
                    side.pos,
                )
        return "bool"
    if n.op in ("+", "-", "*", "/"):
        for side, k in ((n.left, left), (n.right, right)):
            if k not in ("number", "null"):
                raise ExpressionError(
                    f"Phép '{n.op}' chỉ dùng cho số, gặp {k}", f"'{n.op}' works on numbers, got {k}", side.pos
                )
        return "number"
    if not _compatible(left, right):
        raise ExpressionError(
            f"Không so sánh được {left} với {right}", f"Cannot compare {left} with {right}", n.pos
        )
    if n.op not in ("==", "!=") and "bool" in (left, right):
        raise ExpressionError(
            f"'{n.op}' không dùng cho đúng/sai", f"'{n.op}' does not apply to true/false", n.pos
        )
    _enum_check(n.left, n.right, scope)
    _enum_check(n.right, n.left, scope)
    return "bool"


def _in_list(n: InList, scope: _Scope) -> Kind:
    base = _kind(n.operand, scope)
    for item in n.items:
        if not _compatible(base, _kind(item, scope)):
            raise ExpressionError(
                f"Phần tử {item.value!r} không cùng kiểu {base}",
                f"Item {item.value!r} is not of type {base}",
                item.pos,
            )
        _enum_check(n.operand, item, scope)
    return "bool"


def _is_null(n: IsNull, scope: _Scope) -> Kind:
    _kind(n.operand, scope)
    return "bool"


def _coalesce(n: Call, scope: _Scope) -> Kind:
    if len(n.args) < 2:
        raise ExpressionError("coalesce cần từ 2 đối số", "coalesce needs 2+ arguments", n.pos)
    found = [_kind(a, scope) for a in n.args]
    base = next((k for k in found if k != "null"), "null")
    for a, k in zip(n.args, found, strict=True):
        if not _compatible(base, k):
            raise ExpressionError(f"coalesce trộn {base} với {k}", f"coalesce mixes {base} with {k}", a.pos)
    return base


def _call(n: Call, scope: _Scope) -> Kind:
    if n.func == "coalesce":
        return _coalesce(n, scope)
    if n.func not in _FUNCTIONS:
        known = ", ".join([*_FUNCTIONS, "coalesce"])
        raise ExpressionError(
            f"Không có hàm '{n.func}' (có: {known})", f"No function '{n.func}' ({known})", n.pos
        )
    params, result = _FUNCTIONS[n.func]
    if len(n.args) != len(params):
        raise ExpressionError(
            f"Hàm {n.func} cần {len(params)} đối số", f"{n.func} takes {len(params)} arguments", n.pos
        )
    for a, want in zip(n.args, params, strict=True):
        got = _kind(a, scope)
        if not _compatible(want, got) or (want == "timestamp" and got == "string"):
            raise ExpressionError(
                f"{n.func} cần {want}, gặp {got}", f"{n.func} needs a {want}, got {got}", a.pos
            )
    return result


_CHECKS: dict[type[Node], Callable[[Any, _Scope], Kind]] = {
    Literal: _literal,
    Column: _column,
    Unary: _unary,
    Binary: _binary,
    InList: _in_list,
    IsNull: _is_null,
    Call: _call,
}
