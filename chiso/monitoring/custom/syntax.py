"""The filter-expression language of custom metrics: tokenizer, syntax tree, recursive-descent parser.

Monitoring custom-metric layer; imports nothing from chiso. `parse_expression` turns a text into a
small syntax tree with the character position of every node; `custom.check` checks it against the
record schema and `custom.compile` turns it into Ibis. Nothing is ever evaluated as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
#: Bounds of one expression: the checker and the compiler walk the tree recursively, so a crafted
#: "((((...))))" or "a + a + ... + a" of 10,000 terms must be refused before they run.
MAX_CHARS = 4_000
MAX_DEPTH = 60


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
        self.depth = 0

    def _deeper(self, pos: int) -> None:
        """Count one more level of brackets, 'not' or '-' (the parser recurses on each)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"Biểu thức lồng nhau quá sâu (quá {MAX_DEPTH} mức)",
                f"The expression is nested too deeply (more than {MAX_DEPTH} levels)",
                pos,
            )

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
                f"Thừa '{self.tok.text}' sau biểu thức",
                f"Unexpected '{self.tok.text}' after the expression",
                self.tok.pos,
            )
        return node

    def _binary(self, kind: str, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        """Parse one precedence level of left-associative operators: `operand (op operand)*`."""
        node = operand()
        while self.tok.kind == kind and self.tok.text in ops:
            tok = self._take()
            node = Binary(tok.pos, tok.text, node, operand())
        return node

    def _prefix(self, op: str, operand: Callable[[], Node]) -> Node:
        """Parse a prefix operator (the current token) and its operand, one level deeper."""
        pos = self._take().pos
        self._deeper(pos)
        node = Unary(pos, op, operand())
        self.depth -= 1
        return node

    def _or(self) -> Node:
        return self._binary("kw", ("or",), self._and)

    def _and(self) -> Node:
        return self._binary("kw", ("and",), self._not)

    def _not(self) -> Node:
        return self._prefix("not", self._not) if self._is("kw", "not") else self._comparison()

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
        return self._binary("op", ("+", "-"), self._product)

    def _product(self) -> Node:
        return self._binary("op", ("*", "/"), self._unary)

    def _unary(self) -> Node:
        return self._prefix("neg", self._unary) if self._is("op", "-") else self._atom()

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
                self._deeper(self._take().pos)
                args: list[Node] = []
                if not self._is("op", ")"):
                    args.append(self._or())
                    while self._is("op", ","):
                        self._take()
                        args.append(self._or())
                self._expect("op", ")")
                self.depth -= 1
                return Call(tok.pos, tok.text.lower(), tuple(args))
            return Column(tok.pos, tok.text)
        if tok.kind == "op" and tok.text == "(":
            self._deeper(tok.pos)
            node = self._or()
            self._expect("op", ")")
            self.depth -= 1
            return node
        if not tok.text:
            raise ExpressionError("Biểu thức kết thúc giữa chừng", "Unexpected end of expression", tok.pos)
        raise ExpressionError(f"Không mong đợi '{tok.text}'", f"Unexpected '{tok.text}'", tok.pos)


def parse_expression(text: str) -> Node:
    """Parse a filter expression into a syntax tree (no names resolved yet).

    Raises:
        ExpressionError: a syntax error, with its character position; an expression longer than
            MAX_CHARS characters or nested deeper than MAX_DEPTH levels.
    """
    if len(text) > MAX_CHARS:
        raise ExpressionError(
            f"Biểu thức dài {len(text):,} ký tự, tối đa {MAX_CHARS:,}",
            f"The expression has {len(text):,} characters, at most {MAX_CHARS:,}",
            MAX_CHARS,
        )
    tree = _Parser(text).parse()
    _check_depth(tree)
    return tree


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary | IsNull | InList):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def _check_depth(tree: Node) -> None:
    """Refuse a tree deeper than MAX_DEPTH, measured without recursion."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"Biểu thức lồng nhau quá sâu (quá {MAX_DEPTH} mức); hãy viết gọn lại, ví dụ dùng 'in (...)'",
                f"The expression is nested too deeply (more than {MAX_DEPTH} levels); simplify it, "
                "e.g. with 'in (...)'",
                node.pos,
            )
        stack.extend((child, depth + 1) for child in _children(node))
