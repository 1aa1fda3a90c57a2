"""Compile a checked expression of a custom metric to an Ibis expression; monitoring custom-metric layer.

The same Ibis expression runs on DuckDB and Spark. Imports ibis and the syntax tree only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from chiso.monitoring.custom.syntax import Binary, Call, Column, InList, IsNull, Literal, Node, Unary


def compile_expression(node: Node, table: ir.Table) -> ir.Value:
    """Turn a checked syntax tree into an Ibis expression over ``table`` (any backend)."""

    def lit_for(n: Node, other: ir.Value | None) -> ir.Value:
        assert isinstance(n, Literal)
        if n.value is None:
            return ibis.null(other.type()) if other is not None else ibis.null()
        if other is not None and isinstance(n.value, str) and not isinstance(n.value, bool):
            t = other.type()
            if t.is_timestamp():
                return ibis.literal(n.value).cast("timestamp")
            if t.is_date():
                return ibis.literal(n.value).cast("date")
        return ibis.literal(n.value)

    def pair(a: Node, b: Node) -> tuple[ir.Value, ir.Value]:
        if isinstance(a, Literal) and not isinstance(b, Literal):
            right = build(b)
            return lit_for(a, right), right
        left = build(a)
        return left, lit_for(b, left) if isinstance(b, Literal) else build(b)

    def build(n: Node) -> Any:
        if isinstance(n, Literal):
            return lit_for(n, None)
        if isinstance(n, Column):
            return table[n.name]
        if isinstance(n, Unary):
            inner = build(n.operand)
            return ~inner if n.op == "not" else -inner
        if isinstance(n, Binary):
            left, right = pair(n.left, n.right)
            ops: dict[str, Callable[[Any, Any], Any]] = {
                "and": lambda a, b: a & b, "or": lambda a, b: a | b,
                "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
                "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
                ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
                "+": lambda a, b: a + b, "-": lambda a, b: a - b,
                "*": lambda a, b: a * b, "/": lambda a, b: a / b,
            }  # fmt: skip
            return ops[n.op](left, right)
        if isinstance(n, InList):
            operand = build(n.operand)
            values = [lit_for(i, operand) for i in n.items]
            result = operand.isin(values)
            return ~result if n.negated else result
        if isinstance(n, IsNull):
            operand = build(n.operand)
            return operand.notnull() if n.negated else operand.isnull()
        if isinstance(n, Call):
            args = [build(a) for a in n.args]
            if n.func == "hours_between":
                return (args[1].epoch_seconds() - args[0].epoch_seconds()) / 3600.0
            if n.func == "days_between":
                return (args[1].epoch_seconds() - args[0].epoch_seconds()) / 86400.0
            if n.func == "lower":
                return args[0].lower()
            if n.func == "coalesce":
                return ibis.coalesce(*args)
        raise AssertionError(f"unchecked node {n!r}")  # pragma: no cover

    value: ir.Value = build(node)
    return value
