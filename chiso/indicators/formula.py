"""Formula indicators: arithmetic over other indicators' codes, parsed and checked, never run as Python.

Indicators room; imports the custom-metric syntax of chiso.monitoring (the same tokenizer and parser
administrators already use) and chiso.errors. Allowed: indicator codes, numbers, + - * / and
parentheses, e.g. `DVC_ONLINE_DOSSIERS / DVC_ALL_DOSSIERS * 100`. `evaluate` computes a value from the
operands' values: an operand without data, or a division by zero, gives None (no data), never zero.
"""

from __future__ import annotations

from collections.abc import Mapping

from chiso.errors import InvalidInput, Problem
from chiso.monitoring.custom.syntax import (
    Binary,
    Column,
    ExpressionError,
    Literal,
    Node,
    Unary,
    parse_expression,
)

ARITHMETIC = ("+", "-", "*", "/")


def _invalid(vi: str, en: str) -> InvalidInput:
    return InvalidInput(vi, en, [Problem(vi, en, field="formula")])


def _problem(vi: str, en: str, text: str, pos: int) -> InvalidInput:
    return _invalid(
        f"Công thức '{text}', vị trí {pos + 1}: {vi}", f"Formula '{text}', position {pos + 1}: {en}"
    )


def _walk(node: Node, text: str, names: list[str]) -> None:
    if isinstance(node, Column):
        names.append(node.name)
    elif isinstance(node, Literal):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _problem(
                "chỉ dùng số, mã chỉ tiêu và + - * / ( )",
                "only numbers, indicator codes and + - * / ( )",
                text,
                node.pos,
            )
    elif isinstance(node, Unary) and node.op == "neg":
        _walk(node.operand, text, names)
    elif isinstance(node, Binary) and node.op in ARITHMETIC:
        _walk(node.left, text, names)
        _walk(node.right, text, names)
    else:
        raise _problem(
            "chỉ dùng số, mã chỉ tiêu và + - * / ( )",
            "only numbers, indicator codes and + - * / ( )",
            text,
            node.pos,
        )


def parse_formula(text: str) -> tuple[Node, list[str]]:
    """Parse a formula and return its tree and the indicator codes it uses, in order of appearance.

    Raises:
        InvalidInput: a syntax error or anything but arithmetic over codes and numbers, with its position.
    """
    try:
        tree = parse_expression(text)
    except ExpressionError as exc:
        raise _problem(exc.message_vi, exc.message_en, text, exc.pos) from None
    names: list[str] = []
    _walk(tree, text, names)
    if not names:
        raise _problem(
            "công thức phải dùng ít nhất một mã chỉ tiêu",
            "a formula must use at least one indicator code",
            text,
            0,
        )
    return tree, list(dict.fromkeys(names))


def check_formula(text: str, *, own_code: str, known: Mapping[str, str | None]) -> list[str]:
    """Check a formula against the catalogue and return the codes it uses.

    Args:
        text: the formula as typed.
        own_code: the indicator the formula defines (it may not use itself).
        known: every catalogue code -> its own formula (None when it has none), to refuse cycles.

    Raises:
        InvalidInput: a syntax error, an unknown code, or a cycle through other formulas.
    """
    _, names = parse_formula(text)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise _invalid(
            f"Công thức của {own_code} dùng mã chưa có trong danh mục: {', '.join(unknown)}",
            f"The formula of {own_code} uses codes missing from the catalogue: {', '.join(unknown)}",
        )
    seen: set[str] = set()
    stack = list(names)
    while stack:
        code = stack.pop()
        if code == own_code:
            raise _invalid(
                f"Công thức của {own_code} quay vòng về chính nó",
                f"The formula of {own_code} refers back to itself",
            )
        if code in seen:
            continue
        seen.add(code)
        other = known.get(code)
        if other:
            stack.extend(parse_formula(other)[1])
    return names


def evaluate(tree: Node, values: Mapping[str, float | None]) -> float | None:
    """Compute a parsed formula from its operands' values; None when an operand has no data or x/0."""
    if isinstance(tree, Column):
        return values.get(tree.name)
    if isinstance(tree, Literal):
        return float(tree.value)
    if isinstance(tree, Unary):
        inner = evaluate(tree.operand, values)
        return None if inner is None else -inner
    assert isinstance(tree, Binary)
    left, right = evaluate(tree.left, values), evaluate(tree.right, values)
    if left is None or right is None:
        return None
    if tree.op == "+":
        return left + right
    if tree.op == "-":
        return left - right
    if tree.op == "*":
        return left * right
    return None if right == 0 else left / right
