"""The filter-expression language of custom metrics: tokenizer, parser, type check, Ibis compiler.

Monitoring layer; imports ibis, chiso.errors and the record schema only. Expressions are parsed
by recursive descent into a small syntax tree, checked against the record schema and compiled to
Ibis; nothing is ever evaluated as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from chiso.monitoring.records import record_type

# ---------------------------------------------------------------------------------------------
# tokens

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|<|>|=|\+|-|\*|/|\(|\)|,)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, kw, end
    text: str
    pos: int


class ExpressionError(Exception):
    """A syntax or type error at a character position of an expression."""

    def __init__(self, message_vi: str, message_en: str, pos: int) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.pos = pos


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens.

    Raises:
        ExpressionError: a character no token can start with.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].lstrip()[:1]
            where = len(text) - len(text[pos:].lstrip())
            raise ExpressionError(f"Ký tự không hợp lệ '{bad}'", f"Unexpected character '{bad}'", where)
        kind = m.lastgroup or "op"
        value = m.group(kind)
        start = m.start(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            tokens.append(Token("kw", value.lower(), start))
        else:
            tokens.append(Token(kind, value, start))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------------------------------
# syntax tree


@dataclass(frozen=True)
class Node:
    pos: int


@dataclass(frozen=True)
class Literal(Node):
    value: Any  # int, float, str, bool or None


@dataclass(frozen=True)
class Column(Node):
    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # not, neg
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # and or == != < <= > >= + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class InList(Node):
    operand: Node
    items: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull(Node):
    operand: Node
    negated: bool


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


class _Parser:
    """Recursive descent over: or > and > not > comparison > sum > product > unary > atom."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _is(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def _expect(self, kind: str, text: str) -> Token:
        if not self._is(kind, text):
            vi = f"'{self.tok.text}'" if self.tok.text else "hết biểu thức"
            en = f"'{self.tok.text}'" if self.tok.text else "the end"
            raise ExpressionError(f"Cần '{text}', gặp {vi}", f"Expected '{text}', found {en}", self.tok.pos)
        return self._take()

    def parse(self) -> Node:
        node = self._or()
        if not self._is("end"):
            raise ExpressionError(
                f"Thừa '{self.tok.text}' sau biểu thức", f"Unexpected '{self.tok.text}' after the expression",
                self.tok.pos,
            )
        return node

    def _or(self) -> Node:
        node = self._and()
        while self._is("kw", "or"):
            pos = self._take().pos
            node = Binary(pos, "or", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._is("kw", "and"):
            pos = self._take().pos
            node = Binary(pos, "and", node, self._not())
        return node

    def _not(self) -> Node:
        if self._is("kw", "not"):
            pos = self._take().pos
            return Unary(pos, "not", self._not())
        return self._comparison()

    def _comparison(self) -> Node:
        left = self._sum()
        tok = self.tok
        if tok.kind == "op" and tok.text in ("==", "=", "!=", "<", "<=", ">", ">="):
            self._take()
            op = "==" if tok.text == "=" else tok.text
            return Binary(tok.pos, op, left, self._sum())
        if self._is("kw", "is"):
            self._take()
            negated = False
            if self._is("kw", "not"):
                self._take()
                negated = True
            self._expect("kw", "null")
            return IsNull(tok.pos, left, negated)
        negated = False
        after = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else self.tok
        if self._is("kw", "not") and after.kind == "kw" and after.text == "in":
            self._take()
            negated = True
        if self._is("kw", "in"):
            self._take()
            self._expect("op", "(")
            items = [self._literal()]
            while self._is("op", ","):
                self._take()
                items.append(self._literal())
            self._expect("op", ")")
            return InList(tok.pos, left, tuple(items), negated)
        return left

    def _literal(self) -> Literal:
        node = self._unary()
        if isinstance(node, Unary) and node.op == "neg" and isinstance(node.operand, Literal):
            return Literal(node.pos, -node.operand.value)
        if not isinstance(node, Literal):
            raise ExpressionError("Danh sách 'in' chỉ gồm hằng số", "'in' lists hold literals only", node.pos)
        return node

    def _sum(self) -> Node:
        node = self._product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self._take()
            node = Binary(tok.pos, tok.text, node, self._product())
        return node

    def _product(self) -> Node:
        node = self._unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            tok = self._take()
            node = Binary(tok.pos, tok.text, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._is("op", "-"):
            pos = self._take().pos
            return Unary(pos, "neg", self._unary())
        return self._atom()

    def _atom(self) -> Node:
        tok = self._take()
        if tok.kind == "number":
            return Literal(tok.pos, float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind == "string":
            body = tok.text[1:-1]
            return Literal(tok.pos, re.sub(r"\\(.)", r"\1", body))
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            return Literal(tok.pos, {"true": True, "false": False, "null": None}[tok.text])
        if tok.kind == "name":
            if self._is("op", "("):
                self._take()
                args: list[Node] = []
                if not self._is("op", ")"):
                    args.append(self._or())
                    while self._is("op", ","):
                        self._take()
                        args.append(self._or())
                self._expect("op", ")")
                return Call(tok.pos, tok.text.lower(), tuple(args))
            return Column(tok.pos, tok.text)
        if tok.kind == "op" and tok.text == "(":
            node = self._or()
            self._expect("op", ")")
            return node
        if not tok.text:
            raise ExpressionError("Biểu thức kết thúc giữa chừng", "Unexpected end of expression", tok.pos)
        raise ExpressionError(f"Không mong đợi '{tok.text}'", f"Unexpected '{tok.text}'", tok.pos)


def parse_expression(text: str) -> Node:
    """Parse a filter expression into a syntax tree (no names resolved yet).

    Raises:
        ExpressionError: a syntax error, with its character position.
    """
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------------
# types against the record schema

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


def check_expression(node: Node, source: str) -> Kind:
    """Return the kind of an expression over ``source``, checking names, values and types.

    Raises:
        ExpressionError: unknown column or function, a wrong type, or an enum value not allowed.
    """
    kinds = schema_kinds(source)
    rtype = record_type(source)

    def enum_check(col: Node, lit: Node) -> None:
        if isinstance(col, Column) and isinstance(lit, Literal) and isinstance(lit.value, str):
            spec = next((c for c in rtype.columns if c.name == col.name), None)
            if spec is not None and spec.type == "enum" and lit.value not in spec.allowed:
                allowed = ", ".join(spec.allowed)
                raise ExpressionError(
                    f"Giá trị '{lit.value}' không có trong cột {col.name} ({allowed})",
                    f"Value '{lit.value}' is not allowed in column {col.name} ({allowed})",
                    lit.pos,
                )

    def kind(n: Node) -> Kind:
        if isinstance(n, Literal):
            v = n.value
            if v is None:
                return "null"
            if isinstance(v, bool):
                return "bool"
            if isinstance(v, int | float):
                return "number"
            return "string"
        if isinstance(n, Column):
            if n.name not in kinds:
                known = ", ".join(sorted(kinds))
                raise ExpressionError(
                    f"Không có cột '{n.name}' trong {source} (có: {known})",
                    f"No column '{n.name}' in {source} (known: {known})",
                    n.pos,
                )
            return kinds[n.name]
        if isinstance(n, Unary):
            inner = kind(n.operand)
            want = "bool" if n.op == "not" else "number"
            if inner not in (want, "null"):
                raise ExpressionError(
                    f"'{n.op}' cần {want}, gặp {inner}", f"'{n.op}' needs a {want}, got {inner}", n.pos
                )
            return want
        if isinstance(n, Binary):
            left, right = kind(n.left), kind(n.right)
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
                            f"Phép '{n.op}' chỉ dùng cho số, gặp {k}", f"'{n.op}' works on numbers, got {k}",
                            side.pos,
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
            enum_check(n.left, n.right)
            enum_check(n.right, n.left)
            return "bool"
        if isinstance(n, InList):
            base = kind(n.operand)
            for item in n.items:
                if not _compatible(base, kind(item)):
                    raise ExpressionError(
                        f"Phần tử {item.value!r} không cùng kiểu {base}",
                        f"Item {item.value!r} is not of type {base}",
                        item.pos,
                    )
                enum_check(n.operand, item)
            return "bool"
        if isinstance(n, IsNull):
            kind(n.operand)
            return "bool"
        if isinstance(n, Call):
            if n.func == "coalesce":
                if len(n.args) < 2:
                    raise ExpressionError("coalesce cần từ 2 đối số", "coalesce needs 2+ arguments", n.pos)
                found = [kind(a) for a in n.args]
                base = next((k for k in found if k != "null"), "null")
                for a, k in zip(n.args, found, strict=True):
                    if not _compatible(base, k):
                        raise ExpressionError(
                            f"coalesce trộn {base} với {k}", f"coalesce mixes {base} with {k}", a.pos
                        )
                return base
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
                got = kind(a)
                if not _compatible(want, got) or (want == "timestamp" and got == "string"):
                    raise ExpressionError(
                        f"{n.func} cần {want}, gặp {got}", f"{n.func} needs a {want}, got {got}", a.pos
                    )
            return result
        raise ExpressionError("Biểu thức không hợp lệ", "Invalid expression", node.pos)  # pragma: no cover

    return kind(node)


# ---------------------------------------------------------------------------------------------
# compile to Ibis


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
