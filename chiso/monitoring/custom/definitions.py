"""Administrators' own metrics in YAML, parsed by a small safe parser; monitoring layer, never `eval`.

A custom metric file looks like::

    metrics:
      - code: FINISHED_WITHIN_4H
        name_vi: Hồ sơ giải quyết trong 4 giờ
        name_en: Dossiers finished within 4 hours
        source: dossiers                 # dossiers | petitions
        where: status == 'finished'      # optional, applies to numerator and denominator
        numerator: hours_between(received_at, finished_at) <= 4
        denominator: true                # optional (default: every row kept by `where`)
        zero_policy: zero                # zero | full | null (value when the denominator is 0)

Expressions: comparisons ``== != < <= > >=``, ``and``, ``or``, ``not``, ``x in ('a', 'b')``,
``x not in (...)``, ``x is null``, ``x is not null``, arithmetic ``+ - * /`` on numbers, parentheses,
literals (numbers, 'strings', true, false, null) and the functions ``hours_between(a, b)``,
``days_between(a, b)``, ``coalesce(a, b)``, ``lower(s)``. Names are checked against the record
schema before anything runs (`custom.check`); the checked tree is compiled to Ibis (`custom.compile`), so a
custom metric runs on DuckDB and Spark like the built-in ones. Nothing is evaluated as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import yaml

from chiso.errors import InvalidInput, Problem
from chiso.frameworks.bounded_yaml import load_bounded_yaml
from chiso.monitoring.custom.check import CUSTOM_SOURCES, check_expression
from chiso.monitoring.custom.compile import compile_expression
from chiso.monitoring.custom.syntax import ExpressionError, Node, parse_expression
from chiso.monitoring.metrics import Metric, builtin_metrics, one

# ---------------------------------------------------------------------------------------------
# YAML -> Metric

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
_FIELDS = {"code", "name_vi", "name_en", "source", "where", "numerator", "denominator", "zero_policy", "rule"}


def _row_expr(where: Node | None, body: Node | None) -> Callable[[ir.Table], ir.Value]:
    def expr(table: ir.Table) -> ir.Value:
        parts = [compile_expression(n, table) for n in (where, body) if n is not None]
        if not parts:
            return one(table)
        cond = parts[0]
        for part in parts[1:]:
            cond = cond & part
        return cond

    return expr


def parse_custom_metrics(data: Any, *, file: str | None = None) -> tuple[list[Metric], list[Problem]]:
    """Check and compile custom metric definitions (the parsed YAML document).

    Returns:
        The compiled metrics and the problems found (metrics with problems are left out).
    """
    problems: list[Problem] = []
    metrics: list[Metric] = []
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list):
        problems.append(
            Problem("Tệp phải có danh sách 'metrics'", "The file needs a 'metrics' list", file=file)
        )
        return metrics, problems
    builtin = {m.code for m in builtin_metrics()}
    seen: set[str] = set()
    for i, item in enumerate(data["metrics"]):
        metric = _parse_metric(item, _Problems(problems, file, f"metrics[{i}]"), taken=builtin | seen)
        if isinstance(item, dict):
            seen.add(str(item.get("code", "")))
        if metric is not None:
            metrics.append(metric)
    return metrics, problems


class _Problems:
    """The problems of one metric of the file, each named by its field (``metrics[2].where``)."""

    def __init__(self, problems: list[Problem], file: str | None, prefix: str) -> None:
        self.problems, self.file, self.prefix = problems, file, prefix
        self.start = len(problems)

    def add(self, vi: str, en: str, field: str) -> None:
        self.problems.append(Problem(vi, en, file=self.file, field=f"{self.prefix}.{field}"))

    @property
    def found(self) -> bool:
        return len(self.problems) > self.start


def _parse_metric(item: Any, bad: _Problems, *, taken: set[str]) -> Metric | None:
    """Return one metric of the file, or None after adding its problems to ``bad``."""
    if not isinstance(item, dict):
        bad.add("Mỗi chỉ số là một bảng khóa: giá trị", "Each metric is a mapping", "")
        return None
    for key in sorted(set(item) - _FIELDS):
        bad.add(f"Khóa không biết '{key}'", f"Unknown key '{key}'", key)
    code = str(item.get("code", ""))
    if not _CODE.match(code):
        bad.add("Mã chỉ gồm A-Z, 0-9, _ (vd. XU_LY_4_GIO)", "Code: A-Z, 0-9, _ (e.g. WITHIN_4H)", "code")
    elif code in taken:
        bad.add(f"Mã '{code}' đã được dùng", f"Code '{code}' is already used", "code")
    source = str(item.get("source", "dossiers"))
    if source not in CUSTOM_SOURCES:
        names = " | ".join(CUSTOM_SOURCES)
        bad.add(f"Nguồn phải là {names}", f"Source must be {names}", "source")
        return None
    policy = str(item.get("zero_policy", "zero"))
    if policy not in ("zero", "full", "null"):
        bad.add("zero_policy phải là zero, full, null", "zero_policy: zero, full or null", "zero_policy")
    if "numerator" not in item:
        bad.add("Thiếu tử số (numerator)", "The numerator is missing", "numerator")
    keys = ("where", "numerator", "denominator")
    trees = {key: _parse_tree(item.get(key), source, key, bad) for key in keys}
    if bad.found:
        return None
    return Metric(
        code=code,
        family="custom",
        source=source,  # type: ignore[arg-type]  # checked against CUSTOM_SOURCES above
        numerator=_row_expr(trees["where"], trees["numerator"]),
        denominator=_row_expr(trees["where"], trees["denominator"]),
        zero_policy=policy,  # type: ignore[arg-type]  # checked above
        name_vi=str(item.get("name_vi", code)),
        name_en=str(item.get("name_en", item.get("name_vi", code))),
        rule=str(item.get("rule", f"{item.get('numerator')} / {item.get('denominator', 'all')}")),
    )


def _parse_tree(text: Any, source: str, key: str, bad: _Problems) -> Node | None:
    """Parse and check one expression field (None when absent or when it has a problem)."""
    if text is None:
        return None
    if isinstance(text, bool):
        text = "true" if text else "false"
    try:
        tree = parse_expression(str(text))
        kind = check_expression(tree, source)
        if kind not in ("bool", "number"):
            raise ExpressionError(
                f"Biểu thức phải cho đúng/sai hoặc số, gặp {kind}",
                f"The expression must give true/false or a number, got {kind}",
                0,
            )
    except ExpressionError as exc:
        bad.add(
            f"{exc.message_vi} (vị trí {exc.pos + 1}: {str(text)!r})",
            f"{exc.message_en} (at {exc.pos + 1}: {str(text)!r})",
            key,
        )
        return None
    return tree


def check_custom_metrics(path: Path) -> list[Problem]:
    """Return every problem of a custom metric file (empty when it is valid)."""
    try:
        _, problems = parse_custom_metrics(_read_yaml(path), file=path.name)
    except InvalidInput as exc:
        return list(exc.problems)
    return problems


def _read_yaml(path: Path) -> Any:
    try:
        return load_bounded_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"Không đọc được tệp chỉ số tự định nghĩa {path.name}",
            f"Cannot read the custom metric file {path.name}",
            [Problem(str(exc), str(exc), file=path.name)],
        ) from None


def load_custom_metrics(path: Path) -> list[Metric]:
    """Load, check and compile a custom metric YAML file.

    Raises:
        InvalidInput: listing every problem (unknown column, bad syntax with its position, ...).
    """
    metrics, problems = parse_custom_metrics(_read_yaml(path), file=path.name)
    if problems:
        raise InvalidInput(
            f"Tệp chỉ số tự định nghĩa {path.name} có {len(problems)} lỗi",
            f"The custom metric file {path.name} has {len(problems)} problem(s)",
            problems,
        )
    return metrics
