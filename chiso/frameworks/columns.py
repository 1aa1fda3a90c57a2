"""A framework as a table (the Excel annex): its columns, how each cell is read and written; frameworks layer.

Imports only chiso.errors from chiso. The columns are derived from the pydantic models, so a field
added to Node, Framework or a rule's parameters gets its column without touching this file; the
labels below only name the known ones in Vietnamese and English.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from chiso.errors import InvalidInput
from chiso.frameworks.entry import NO_WORDS, YES_WORDS, format_entry, parse_entry
from chiso.frameworks.rules import RULE_PARAMS, Step
from chiso.frameworks.schema import Band, Framework, Node

CellKind = Literal["text", "key", "number", "int", "bool", "choice", "list", "lines", "steps", "date", "json"]
Owner = Literal["framework", "node", "parent", "rule", "band"]
#: Written in a cell whose value is deliberately empty where the default is not (e.g. no upper bound).
NONE_TEXT = "none"
_NONE_WORDS = {"none", "null", "không giới hạn", "khong gioi han"}
#: Text fields read exactly as codes: surrounding spaces dropped.
_KEY_FIELDS = {"id", "version", "family", "code", "parent", "previous_code"}
_LINES_FIELDS = {"evidence_vi", "evidence_en"}
_HEADER_KEY = re.compile(r"\(([A-Za-z0-9_]+)\)\s*$")

#: Vietnamese label, English label, what to write (vi, en): by column key.
LABELS: dict[str, tuple[str, str, str, str]] = {
    "code": ("Mã", "Code", "Chữ, số, _ . -; không trùng", "Letters, digits, _ . -; unique"),
    "parent": (
        "Mã cha",
        "Parent",
        "Mã của chỉ số chứa nó; trống: chỉ số chính",
        "Code of the node above; empty: top",
    ),
    "name_vi": ("Tên", "Name (Vietnamese)", "Tên tiếng Việt", "Vietnamese name"),
    "name_en": ("Tên tiếng Anh", "Name (English)", "", ""),
    "max_points": (
        "Điểm tối đa",
        "Max points",
        "Nút cha: bằng tổng các nút con",
        "A parent: the sum of its children",
    ),
    "rule": (
        "Quy tắc chấm",
        "Scoring rule",
        "Chỉ tiêu chí (lá): yes_no, ratio, ...",
        "Leaves only: yes_no, ratio, ...",
    ),
    "target": (
        "Mức đạt tối đa",
        "Target",
        "Tỉ lệ được đủ điểm, ví dụ 0,8",
        "Rate scoring full marks, e.g. 0.8",
    ),
    "steps": (
        "Các bậc",
        "Steps",
        "từ: điểm; ... ví dụ 1: 2; 6: 4; 12: 5",
        "from: points; ... e.g. 1: 2; 6: 4",
    ),
    "zero_denominator": (
        "Mẫu số bằng 0",
        "Zero denominator",
        "zero, full, exclude, ...",
        "zero, full, exclude, ...",
    ),
    "require_comment": ("Bắt buộc nhận xét", "Comment required", "Có/Không", "yes/no"),
    "higher_is_better": ("Cao hơn là tốt hơn", "Higher is better", "Có/Không", "yes/no"),
    "constant": ("Khi mọi giá trị bằng nhau", "When all values are equal", "full, half, zero", ""),
    "rule_min_points": (
        "Điểm trừ tối đa",
        "Lowest points",
        "Âm cho điểm trừ, ví dụ -5",
        "Negative for penalties",
    ),
    "unit": ("Đơn vị nhập", "Unit of entry", "percent, fraction, count, money, days, yes_no, ...", ""),
    "value_min": ("Giá trị nhỏ nhất", "Lowest plausible value", "Tỉ lệ theo thang 0..1", "Rates on 0..1"),
    "value_max": ("Giá trị lớn nhất", "Highest plausible value", "none: không giới hạn", "none: no bound"),
    "agency_kinds": (
        "Áp dụng cho",
        "Agency kinds",
        "department, central, district, commune; trống: tất cả",
        "",
    ),
    "weight": ("Trọng số", "Weight", "Cho weighted_mean, geometric_mean", "For weighted/geometric means"),
    "aggregation": ("Cách tổng hợp", "Aggregation", "sum, weighted_mean, geometric_mean", ""),
    "clip": ("Giới hạn trong khoảng", "Clip", "Có: cắt điểm về [min_points, max_points]", ""),
    "min_points": ("Điểm thấp nhất", "Min points", "Khi giới hạn (clip)", "When clipped"),
    "missing": ("Khi thiếu số liệu", "When missing", "zero, full, exclude, group_mean, ...", ""),
    "guidance_vi": (
        "Hướng dẫn",
        "Guidance (Vietnamese)",
        "Cái gì được tính, tính thế nào",
        "What counts, how",
    ),
    "guidance_en": ("Hướng dẫn tiếng Anh", "Guidance (English)", "", ""),
    "evidence_vi": ("Minh chứng", "Evidence", "Mỗi dòng một tài liệu (Alt+Enter)", "One document per line"),
    "evidence_en": ("Minh chứng tiếng Anh", "Evidence (English)", "Cùng thứ tự", "Same order"),
    "previous_code": ("Mã năm trước", "Previous code", "Khi đổi mã so với phiên bản trước", "When renamed"),
    "source": (
        "Nguồn giám sát",
        "Monitoring source",
        'Số liệu tự động, vd {"metric": "TIMELINESS", "aggregate": "year"}',
        "Computed from monitoring",
    ),
    "key": ("Khóa", "Key", "", ""),
    "value": ("Giá trị", "Value", "", ""),
    "meaning": ("Ý nghĩa", "Meaning", "Không đọc khi nhập", "Ignored on import"),
    "label_vi": ("Xếp loại", "Band (Vietnamese)", "", ""),
    "label_en": ("Xếp loại tiếng Anh", "Band (English)", "", ""),
    "min": ("Từ (≥)", "From (≥)", "Trống: không giới hạn dưới", "Empty: open below"),
    "max": ("Đến (<)", "Up to (<)", "Trống: không giới hạn trên", "Empty: open above"),
}
#: What each rule does, in Vietnamese (the English is the first line of its parameters' docstring).
RULE_LABELS_VI: dict[str, str] = {
    "yes_no": "Có: đủ điểm; Không: 0 điểm",
    "capped_linear": "điểm = tối đa x min(1, giá trị / target); đủ điểm từ target",
    "step_bands": "điểm của bậc cao nhất mà giá trị đạt tới; dưới bậc đầu: 0",
    "ratio": "điểm = tối đa x min(1, (tử số / mẫu số) / target)",
    "fraction": "điểm = giá trị (thang 0-1) x tối đa, như DTI công bố",
    "assessor": "hội đồng chấm từ 0 đến tối đa, kèm nhận xét",
    "minmax": "điểm theo vị trí của giá trị giữa nhỏ nhất và lớn nhất của nhóm",
    "percentile": "điểm theo thứ hạng phần trăm trong nhóm",
    "bonus_penalty": "điểm thưởng (dương) hoặc điểm trừ (âm), cộng thẳng, không quy đổi",
    "monitoring": "chỉ theo dõi, 0 điểm",
}
#: Meaning of each framework setting (the settings sheet's third column).
SETTING_LABELS: dict[str, tuple[str, str]] = {
    "id": ("Mã bộ chỉ số", "Framework id"),
    "version": ("Phiên bản (mỗi lần sửa một phiên bản mới)", "Version (a new one for every change)"),
    "family": ("Họ: nối các phiên bản hằng năm để so sánh", "Family: ties the yearly versions together"),
    "year": ("Năm áp dụng", "Year"),
    "name_vi": ("Tên bộ chỉ số", "Name (Vietnamese)"),
    "name_en": ("Tên tiếng Anh", "Name (English)"),
    "decision": ("Quyết định ban hành (số, ngày)", "Decision (number, date)"),
    "effective_from": ("Hiệu lực từ ngày", "Effective from"),
    "effective_to": ("Hiệu lực đến ngày", "Effective to"),
    "description": (
        "Mô tả; ghi rõ phần nào là mặc định sửa được",
        "Description; say what is an editable default",
    ),
    "max_points": ("Tổng điểm tối đa", "Total max points"),
    "aggregation": ("Cách tổng hợp các chỉ số chính", "How the main indices add up"),
    "clip": (
        "Giới hạn tổng điểm trong [min_points, max_points]",
        "Clip the total to [min_points, max_points]",
    ),
    "min_points": ("Tổng điểm thấp nhất khi giới hạn", "Lowest total when clipped"),
    "decimals": ("Số chữ số thập phân công bố", "Decimals published"),
    "display_divisor": ("Chỉ số = tổng điểm / số này (DTI: 1000)", "Index = total / this (DTI: 1000)"),
    "display_decimals": ("Số chữ số thập phân của chỉ số", "Decimals of the index"),
    "band_basis": (
        "Xếp loại theo điểm (absolute) hay % điểm tối đa (percent)",
        "Bands on points or % of max",
    ),
    "ties": ("Bằng điểm thì cùng hạng", "Ties share a rank"),
}


@dataclass(frozen=True)
class Column:
    """One column of a framework table: where its value lives and how its cells are read."""

    key: str
    field: str
    owner: Owner
    kind: CellKind
    choices: tuple[str, ...] = ()
    nullable: bool = False
    default: Any = None
    #: Rule types having this parameter (rule columns only).
    rules: tuple[str, ...] = ()

    @property
    def label_vi(self) -> str:
        return LABELS.get(self.key, (self.key, self.key, "", ""))[0]

    @property
    def label_en(self) -> str:
        return LABELS.get(self.key, (self.key, self.key, "", ""))[1]

    @property
    def header(self) -> str:
        """Return the header written in row 1, e.g. `Điểm tối đa (max_points)`."""
        return f"{self.label_vi} ({self.key})" if self.label_vi != self.key else self.key


class CellError(Exception):
    """A cell that cannot be read; carries the bilingual message for a Problem."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def _kind_of(name: str, info: FieldInfo) -> tuple[CellKind, tuple[str, ...], bool]:
    annotation = info.annotation
    args = get_args(annotation)
    nullable = get_origin(annotation) in (Union, types.UnionType) and type(None) in args
    if nullable:
        annotation = next(a for a in args if a is not type(None))
    origin, inner = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "choice", tuple(str(a) for a in inner), nullable
    if origin is list and inner == (str,):
        return ("lines" if name in _LINES_FIELDS else "list"), (), nullable
    if origin is list and inner == (Step,):
        return "steps", (), nullable
    simple: dict[Any, CellKind] = {float: "number", int: "int", bool: "bool", date: "date"}
    if annotation is str:
        return ("key" if name in _KEY_FIELDS else "text"), (), nullable
    return simple.get(annotation, "json"), (), nullable


def _column(key: str, name: str, info: FieldInfo, owner: Owner, rules: tuple[str, ...] = ()) -> Column:
    kind, choices, nullable = _kind_of(name, info)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    return Column(key, name, owner, kind, choices, nullable, default, rules)


def _model_columns(model: type[BaseModel], owner: Owner, skip: set[str]) -> list[Column]:
    return [_column(n, n, f, owner) for n, f in model.model_fields.items() if n not in skip]


def _rule_columns() -> list[Column]:
    """Return one column per rule parameter (the union over every rule), in first-seen order."""
    found: dict[str, tuple[str, FieldInfo, list[str]]] = {}
    for key, cls in RULE_PARAMS.items():
        for name, info in cls.model_fields.items():
            if name in ("type", "uses_ratio"):
                continue
            column_key = f"rule_{name}" if name in Node.model_fields else name
            found.setdefault(column_key, (name, info, []))[2].append(key)
    return [_column(k, name, info, "rule", tuple(rules)) for k, (name, info, rules) in found.items()]


def _ordered(columns: list[Column], order: list[str]) -> list[Column]:
    rank = {key: i for i, key in enumerate(order)}
    return sorted(columns, key=lambda c: rank.get(c.key, len(rank)))


_NODE_ORDER = [
    "code", "parent", "name_vi", "name_en", "max_points", "rule", "target", "steps", "zero_denominator",
    "require_comment", "higher_is_better", "constant", "rule_min_points", "unit", "value_min", "value_max",
    "agency_kinds", "weight", "aggregation", "clip", "min_points", "missing", "guidance_vi", "guidance_en",
    "evidence_vi", "evidence_en", "previous_code", "source",
]  # fmt: skip
_RULE_KEY = Column("rule", "type", "rule", "choice", tuple(RULE_PARAMS))
_PARENT = Column("parent", "parent", "parent", "key", nullable=True)

#: Columns of the criteria sheet: every Node field (children aside), `parent`, `rule` and its parameters.
NODE_COLUMNS: list[Column] = _ordered(
    [_PARENT, _RULE_KEY, *_model_columns(Node, "node", {"rule", "children"}), *_rule_columns()], _NODE_ORDER
)
#: Rows of the settings sheet: every Framework field but the nodes and bands.
SETTING_COLUMNS: list[Column] = _model_columns(Framework, "framework", {"nodes", "bands"})
BAND_COLUMNS: list[Column] = _model_columns(Band, "band", set())
#: The settings sheet itself: one row per setting (`meaning` is written for people and never read).
SETTINGS_SHEET_COLUMNS: list[Column] = [
    Column("key", "key", "framework", "key"),
    Column("value", "value", "framework", "text"),
    Column("meaning", "meaning", "framework", "text"),
]


def header_key(text: Any, columns: Sequence[Column]) -> str | None:
    """Return the column key a header cell names: `Điểm tối đa (max_points)`, `max_points` or its label."""
    if text is None:
        return None
    raw = str(text).strip()
    match = _HEADER_KEY.search(raw)
    keys = {c.key for c in columns}
    if match and match.group(1) in keys:
        return match.group(1)
    folded = raw.casefold()
    for column in columns:
        if folded in (column.key.casefold(), column.label_vi.casefold(), column.header.casefold()):
            return column.key
    return None


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellError("cần một số, không phải Có/Không", "expected a number, not yes/no")
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return parse_entry(str(raw), "number")
    except InvalidInput as exc:
        raise CellError(exc.message_vi, exc.message_en) from None


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(int(raw) if isinstance(raw, float) and raw.is_integer() else raw).strip().casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise CellError(f"'{raw}' không phải Có/Không", f"'{raw}' is not yes/no (Có/Không, TRUE/FALSE)")


def _day(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"'{raw}' không phải ngày (dd/mm/yyyy)", f"'{raw}' is not a date (dd/mm/yyyy)"
        ) from None


def _steps(raw: Any) -> list[dict[str, float]]:
    out = []
    for part in re.split(r"[;\n]", str(raw)):
        if not part.strip():
            continue
        low, sep, points = part.partition(":")
        if not sep:
            raise CellError(
                f"bậc '{part.strip()}' phải có dạng từ: điểm (ví dụ 6: 4)",
                f"step '{part.strip()}' must read from: points (e.g. 6: 4)",
            )
        out.append({"min": _number(low.strip()), "points": _number(points.strip())})
    return out


def _text(raw: Any, column: Column) -> str:
    if isinstance(raw, float):
        text = format_entry(raw, "number", "en")
    elif isinstance(raw, datetime | date):
        text = raw.isoformat()
    else:
        text = str(raw)
    return text.strip() if column.kind == "key" else text


_READERS: dict[str, Callable[[Any], Any]] = {
    "number": _number,
    "bool": _boolean,
    "date": _day,
    "steps": _steps,
    "list": lambda raw: [p.strip() for p in re.split(r"[,;\n]", str(raw)) if p.strip()],
    "lines": lambda raw: [p.strip() for p in str(raw).splitlines() if p.strip()],
    "json": lambda raw: json.loads(str(raw)),
}


def read_cell(raw: Any, column: Column) -> Any:
    """Turn a cell into the model's value: `Blank` when empty (the default applies).

    Raises:
        CellError: the cell does not hold a value of the column's kind.
    """
    if raw is None or raw == "" or (column.kind != "text" and isinstance(raw, str) and not raw.strip()):
        return BLANK
    if column.kind not in ("text", "key") and isinstance(raw, str) and raw.strip().casefold() in _NONE_WORDS:
        return None
    if column.kind in ("text", "key"):
        return _text(raw, column)
    if column.kind == "choice":
        text = _text(raw, column).strip()
        if text not in column.choices:
            shown = ", ".join(column.choices)
            raise CellError(f"'{text}' không thuộc: {shown}", f"'{text}' is not one of: {shown}")
        return text
    if column.kind == "int":
        number = _number(raw)
        if not number.is_integer():
            raise CellError(f"'{raw}' không phải số nguyên", f"'{raw}' is not a whole number")
        return int(number)
    try:
        return _READERS[column.kind](raw)
    except ValueError as exc:  # json
        raise CellError(f"'{raw}' không đọc được ({exc})", f"'{raw}' cannot be read ({exc})") from None


class _Blank:
    def __repr__(self) -> str:
        return "BLANK"


#: An empty cell: the model's default applies.
BLANK: Any = _Blank()


def write_cell(value: Any, column: Column) -> Any:
    """Turn a model value into what a cell holds (the reverse of `read_cell`)."""
    if value is None:
        return None if column.default is None else NONE_TEXT
    if column.kind == "list":
        return ", ".join(value)
    if column.kind == "lines":
        return "\n".join(value)
    if column.kind == "steps":
        return "; ".join(
            f"{format_entry(s.min, 'number')}: {format_entry(s.points, 'number')}" for s in value
        )
    if column.kind == "json":
        return json.dumps(to_jsonable_python(value), ensure_ascii=False)
    if column.kind == "number" and float(f"{value:.16G}") != value:
        return format_entry(value, "number")  # Excel keeps 16 digits; the text keeps them all
    return value
