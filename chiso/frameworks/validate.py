"""Check a framework and name the exact node path of each problem; frameworks layer, imports chiso.errors."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from chiso.errors import Problem
from chiso.frameworks.entry import RATE_UNITS, UNIT_LABELS
from chiso.frameworks.schema import (
    SUM_AGGREGATIONS,
    TOTAL,
    Framework,
    Node,
    fills_null,
    node_max,
    node_min,
)

_TOL = 1e-9
_NUMERIC_UNITS = ("percent", "fraction", "count", "money", "days", "number")
#: The units of entry each rule accepts (a rule not listed accepts any unit but `points`).
RULE_UNITS: dict[str, tuple[str, ...]] = {
    "yes_no": ("yes_no",),
    "ratio": ("percent", "fraction"),
    "fraction": ("percent", "fraction"),
    "assessor": ("points",),
    "bonus_penalty": ("points",),
    "capped_linear": _NUMERIC_UNITS,
    "step_bands": _NUMERIC_UNITS,
    "minmax": _NUMERIC_UNITS,
    "percentile": _NUMERIC_UNITS,
}


def _path_of(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Translate a pydantic location into a path of node codes, e.g. TOTAL/ONLINE/X.rule."""
    codes = [TOTAL]
    tail: list[str] = []
    here = raw
    i = 0
    while i < len(loc):
        key = loc[i]
        if key in ("nodes", "children") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = int(loc[i + 1])
            try:
                here = here[key][index]
                codes.append(str(here.get("code", f"#{index + 1}")))
            except (KeyError, IndexError, TypeError, AttributeError):
                codes.append(f"#{index + 1}")
                here = None
            i += 2
            continue
        tail.append(str(key))
        i += 1
    path = "/".join(codes)
    return f"{path}.{'.'.join(tail)}" if tail else path


def problems_from_validation(raw: Any, exc: ValidationError, *, file: str | None) -> list[Problem]:
    """Turn pydantic's errors into Problems located by node path."""
    problems = []
    for err in exc.errors():
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and "[" in part))
        where = _path_of(raw, loc)
        msg = err["msg"]
        problems.append(
            Problem(
                message_vi=f"{where}: giá trị không hợp lệ ({msg})",
                message_en=f"{where}: invalid value ({msg})",
                file=file,
                field=where,
            )
        )
    return problems


def _problem(where: str, vi: str, en: str, file: str | None) -> Problem:
    return Problem(message_vi=f"{where}: {vi}", message_en=f"{where}: {en}", file=file, field=where)


def check_framework_model(framework: Framework, *, file: str | None = None) -> list[Problem]:
    """Check the meaning of a parsed framework: codes, rules, points adding up, bands.

    Args:
        framework: a framework that already passed the schema.
        file: the file name to put in the problems.

    Returns:
        Every problem found, each naming the node path; empty when the framework is sound.
    """
    problems: list[Problem] = []
    seen: dict[str, str] = {TOTAL: TOTAL}
    root = framework.root()

    def visit(node: Node, path: str) -> None:
        if node.code in seen and path != TOTAL:
            problems.append(
                _problem(
                    path,
                    f"mã '{node.code}' bị trùng (đã dùng tại {seen[node.code]})",
                    f"duplicate code '{node.code}' (already used at {seen[node.code]})",
                    file,
                )
            )
        else:
            seen[node.code] = path
        if node.is_leaf and path != TOTAL:
            problems.extend(_leaf_problems(node, path, file))
        elif node.rule is not None:
            problems.append(
                _problem(
                    path,
                    "nút có nút con không được có quy tắc",
                    "a node with children cannot have a rule",
                    file,
                )
            )
        if node.children:
            problems.extend(_sum_problems(node, path, file))
        for child in node.children:
            visit(child, f"{path}/{child.code}")

    visit(root, TOTAL)
    problems.extend(_check_nulls(root, TOTAL, file))
    problems.extend(_check_entries(framework, file))
    problems.extend(_check_bands(framework, file))
    return problems


def _leaf_problems(node: Node, path: str, file: str | None) -> list[Problem]:
    """A leaf's rule and points: a rule, a max, steps and value range within them."""
    problems: list[Problem] = []
    rule = node.rule
    if rule is None:
        problems.append(_problem(path, "lá thiếu quy tắc chấm điểm (rule)", "leaf has no scoring rule", file))
        return problems
    if rule.type == "monitoring":
        if node.max_points not in (None, 0):
            problems.append(
                _problem(
                    path,
                    "nút chỉ theo dõi phải có điểm tối đa 0",
                    "a monitoring-only node must have max 0",
                    file,
                )
            )
        return problems
    if node.max_points is None:
        problems.append(_problem(path, "lá thiếu điểm tối đa (max_points)", "leaf has no max_points", file))
        return problems
    if rule.type == "bonus_penalty":
        low = float(getattr(rule, "min_points", 0.0))
        if low > node.max_points:
            problems.append(
                _problem(path, "min_points lớn hơn max_points", "min_points is above max_points", file)
            )
    elif node.max_points < 0:
        problems.append(_problem(path, "điểm tối đa âm", "negative max_points", file))
    if rule.type == "step_bands":
        for step in getattr(rule, "steps", []):
            if step.points > node.max_points + _TOL or step.points < 0:
                problems.append(
                    _problem(
                        path,
                        f"bậc từ {step.min} cho {step.points} điểm, ngoài 0..{node.max_points}",
                        f"step from {step.min} gives {step.points} points, outside 0..{node.max_points}",
                        file,
                    )
                )
    if rule.value_min is not None and rule.value_max is not None and rule.value_min > rule.value_max:
        problems.append(_problem(path, "value_min lớn hơn value_max", "value_min is above value_max", file))
    return problems


def _sum_problems(node: Node, path: str, file: str | None) -> list[Problem]:
    """A parent's aggregation: its children's max points add up to its own, or a max is declared."""
    problems: list[Problem] = []
    if node.aggregation not in SUM_AGGREGATIONS:
        if node.max_points is None:
            problems.append(
                _problem(
                    path,
                    f"tổng hợp '{node.aggregation}' cần khai báo max_points",
                    f"aggregation '{node.aggregation}' needs a declared max_points",
                    file,
                )
            )
        if all(child.weight == 0 for child in node.children):
            problems.append(_problem(path, "mọi trọng số đều bằng 0", "every weight is 0", file))
        return problems
    if node.max_points is None or node.clip:
        return problems
    total = sum(node_max(child) for child in node.children)
    if not math.isclose(total, node.max_points, abs_tol=1e-6):
        detail = " + ".join(f"{c.code} {node_max(c):g}" for c in node.children)
        problems.append(
            _problem(
                path,
                f"tổng điểm tối đa của các nút con là {total:g} ({detail}), "
                f"khác {node.max_points:g} đã khai báo",
                f"children's max points add up to {total:g} ({detail}), not the declared {node.max_points:g}",
                file,
            )
        )
    return problems


def _check_entries(framework: Framework, file: str | None) -> list[Problem]:
    """Check each node's unit of entry, range, evidence and previous code (no two nodes claim one)."""
    problems: list[Problem] = []
    renamed: dict[str, str] = {}
    for node, codes in framework.walk():
        path = "/".join((TOTAL, *codes))
        problems.extend(_entry_problems(node, path, file))
        problems.extend(_source_problems(node, path, file))
        old = node.previous_code
        if old is not None and old in renamed:
            problems.append(
                _problem(
                    path,
                    f"previous_code '{old}' đã được {renamed[old]} dùng",
                    f"previous_code '{old}' is already claimed by {renamed[old]}",
                    file,
                )
            )
        elif old is not None:
            renamed[old] = path
    return problems


def _entry_problems(node: Node, path: str, file: str | None) -> list[Problem]:
    """Check a node's unit of entry, plausible range and evidence checklist."""
    problems: list[Problem] = []
    if node.evidence_en and len(node.evidence_en) != len(node.evidence_vi):
        problems.append(
            _problem(
                f"{path}.evidence_en",
                f"có {len(node.evidence_en)} mục tiếng Anh cho {len(node.evidence_vi)} mục minh chứng",
                f"{len(node.evidence_en)} English items for {len(node.evidence_vi)} evidence items",
                file,
            )
        )
    target = getattr(node.rule, "target", None)
    high = node.rule.value_max if node.rule is not None else None
    if target is not None and high is not None and target > high:
        problems.append(
            _problem(
                f"{path}.rule",
                f"mức đạt tối đa {target:g} lớn hơn value_max {high:g}: không thể đủ điểm",
                f"target {target:g} is above value_max {high:g}: full marks are out of reach",
                file,
            )
        )
    unit = node.unit
    if unit is None:
        return problems
    if not node.is_leaf:
        problems.append(
            _problem(f"{path}.unit", "chỉ tiêu chí (lá) mới có đơn vị nhập", "only leaves have a unit", file)
        )
        return problems
    rule = node.rule
    if rule is None:
        return problems
    allowed = RULE_UNITS.get(rule.type, tuple(u for u in UNIT_LABELS if u != "points"))
    if unit not in allowed:
        problems.append(
            _problem(
                f"{path}.unit",
                f"đơn vị '{unit}' không dùng được với quy tắc {rule.type} (dùng: {', '.join(allowed)})",
                f"unit '{unit}' does not fit rule {rule.type} (use: {', '.join(allowed)})",
                file,
            )
        )
    low, high = rule.value_min, rule.value_max
    if unit in ("yes_no", "points"):
        return problems
    if low is None or high is None:
        problems.append(
            _problem(
                f"{path}.rule",
                "khai báo khoảng hợp lý value_min và value_max cho giá trị nhập",
                "declare the plausible range of the value: value_min and value_max",
                file,
            )
        )
    elif low < 0 and unit not in RATE_UNITS and unit != "number":
        problems.append(
            _problem(f"{path}.rule", "value_min không được âm", "value_min must not be negative", file)
        )
    return problems


#: Rules whose value is a measured rate or number, so monitoring can supply it.
SOURCED_RULES = ("ratio", "fraction", "capped_linear", "step_bands", "minmax", "percentile")


def _source_problems(node: Node, path: str, file: str | None) -> list[Problem]:
    """A monitoring source belongs to a leaf whose rule reads a rate or number (not points or yes/no).

    Whether the metric exists is checked where the metrics are known (chiso.flows.computed).
    """
    if node.source is None:
        return []
    where = f"{path}.source"
    if not node.is_leaf:
        return [
            _problem(
                where, "chỉ tiêu chí (lá) mới có nguồn giám sát", "only leaves have a monitoring source", file
            )
        ]
    rule = node.rule.type if node.rule is not None else None
    if rule not in SOURCED_RULES:
        return [
            _problem(
                where,
                f"quy tắc {rule} không nhận số liệu giám sát (dùng: {', '.join(SOURCED_RULES)})",
                f"rule {rule} cannot take a monitoring figure (use: {', '.join(SOURCED_RULES)})",
                file,
            )
        ]
    if node.unit in ("yes_no", "points"):
        return [
            _problem(
                where,
                f"đơn vị '{node.unit}' không nhận tỷ lệ giám sát",
                f"unit '{node.unit}' cannot take a monitoring rate",
                file,
            )  # fmt: skip
        ]
    return []


def _check_nulls(node: Node, path: str, file: str | None, sums_above: bool = True) -> list[Problem]:
    """A leaf published as null is left out of sums: every ancestor must add points (sum, rounded_sum)."""
    problems: list[Problem] = []
    adds = sums_above and node.aggregation in SUM_AGGREGATIONS
    for child in node.children:
        where = f"{path}/{child.code}"
        if child.is_leaf and fills_null(child) and not adds:
            problems.append(
                _problem(
                    where,
                    "chính sách null_excluded chỉ dùng khi mọi nút cha cộng điểm (sum, rounded_sum)",
                    "policy null_excluded needs every ancestor to add points (sum or rounded_sum)",
                    file,
                )
            )
        problems.extend(_check_nulls(child, where, file, adds))
    return problems


def _check_bands(framework: Framework, file: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if not framework.bands:
        return problems
    top = 100.0 if framework.band_basis == "percent" else node_max(framework.root())
    bottom = 0.0 if framework.band_basis == "percent" else min(0.0, node_min(framework.root()))
    bands = sorted(framework.bands, key=lambda b: -math.inf if b.min is None else b.min)
    codes = [b.code for b in bands]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(_problem(f"bands.{code}", "mã xếp loại bị trùng", "duplicate band code", file))
    for band in bands:
        if band.min is not None and band.max is not None and band.min >= band.max:
            problems.append(
                _problem(f"bands.{band.code}", "min phải nhỏ hơn max", "min must be below max", file)
            )
    first, last = bands[0], bands[-1]
    if first.min is not None and first.min > bottom + _TOL:
        problems.append(
            _problem(
                f"bands.{first.code}",
                f"khoảng trống dưới {first.min:g}: tổng điểm từ {bottom:g} không có xếp loại",
                f"gap below {first.min:g}: totals from {bottom:g} have no band",
                file,
            )
        )
    if last.max is not None and last.max <= top - _TOL:
        problems.append(
            _problem(
                f"bands.{last.code}",
                f"khoảng trống từ {last.max:g} đến {top:g}",
                f"gap from {last.max:g} up to {top:g}",
                file,
            )
        )
    for lower, upper in zip(bands, bands[1:], strict=False):
        low_end = math.inf if lower.max is None else lower.max
        up_start = -math.inf if upper.min is None else upper.min
        if low_end > up_start + _TOL:
            problems.append(
                _problem(
                    f"bands.{upper.code}",
                    f"chồng lấn với '{lower.code}' (đến {low_end:g}, '{upper.code}' từ {up_start:g})",
                    f"overlaps '{lower.code}' (which runs to {low_end:g}; "
                    f"'{upper.code}' starts at {up_start:g})",
                    file,
                )
            )
        elif low_end < up_start - _TOL:
            problems.append(
                _problem(
                    f"bands.{upper.code}",
                    f"khoảng trống giữa '{lower.code}' ({low_end:g}) và '{upper.code}' ({up_start:g})",
                    f"gap between '{lower.code}' (ends {low_end:g}) and '{upper.code}' (starts {up_start:g})",
                    file,
                )
            )
    return problems
